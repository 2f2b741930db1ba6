"""What an uploaded file may be, for the API's uploader and the pages' file fields
alike: the accepted types by their first bytes, the size limit, and images that are
readable and not decompression bombs. A refusal is a ValidationError keyed by Depot's
upload field (`_tbxFile1`); each caller names the field in its own words.
"""

import io
import os
import re
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from config.errors import field_error, render
from config.limits import IMAGE_MAX_PIXELS, IMAGE_MAX_SIDE
from config.upload_limits import TOO_LARGE, OversizedUpload, human_size, upload_max_bytes

UPLOAD_FIELD = "_tbxFile1"

# The first bytes that identify each type we accept, so a renamed .exe is refused
# whatever its name or declared content type says.
SIGNATURES = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "webp": (b"RIFF",),
    "pdf": (b"%PDF-",),
    "zip": (b"PK\x03\x04",),
}
EXTENSION_KIND = {
    "png": "png",
    "jpg": "jpg",
    "jpeg": "jpg",
    "gif": "gif",
    "webp": "webp",
    "pdf": "pdf",
    "docx": "zip",
    "xlsx": "zip",
    "pptx": "zip",
    "odt": "zip",
    "ods": "zip",
    "zip": "zip",
    "txt": None,
    "csv": None,
}


@dataclass(frozen=True)
class UploadPolicy:
    """What one resource accepts."""

    extensions: frozenset[str]
    images_only: bool = False

    @property
    def max_bytes(self) -> int:
        # Read when used: the setting may change after the policies are made.
        return upload_max_bytes()

    def describe(self) -> str:
        return ", ".join(sorted(self.extensions))


IMAGE_POLICY = UploadPolicy(
    extensions=frozenset({"png", "jpg", "jpeg", "gif", "webp"}), images_only=True
)
DOCUMENT_POLICY = UploadPolicy(extensions=frozenset(EXTENSION_KIND))


def file_extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def safe_filename(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/"))
    base = re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .") or "upload"
    return base[:120]


def check_upload(name: str, content: bytes, policy: UploadPolicy) -> None:
    check_file(name, io.BytesIO(content), len(content), policy)


IMAGE_LIMITS = (
    f"an image can be at most {IMAGE_MAX_SIDE} pixels wide or high and "
    f"{IMAGE_MAX_PIXELS / 1e6:.1f} megapixels in all "
    f"({int(IMAGE_MAX_PIXELS**0.5)}×{int(IMAGE_MAX_PIXELS**0.5)})"
)


def check_file(name: str, file, size: int, policy: UploadPolicy) -> None:
    """Type, size and content checks that read no more of the file than they need:
    its first bytes, and for an image the header that gives its size."""
    ext = file_extension(name)
    if ext not in policy.extensions:
        raise field_error(
            UPLOAD_FIELD,
            "%(field)s must be one of these file types: %(types)s.",
            "file_type",
            types=policy.describe(),
        )
    if isinstance(file, OversizedUpload) or size > policy.max_bytes:
        raise field_error(
            UPLOAD_FIELD, TOO_LARGE, "too_large", limit=human_size(upload_max_bytes())
        )
    if not size:
        raise field_error(UPLOAD_FIELD, "%(field)s is empty.", "empty")
    file.seek(0)
    head = file.read(4096)
    file.seek(0)
    kind = EXTENSION_KIND.get(ext)
    if kind and not head.startswith(SIGNATURES[kind]):
        raise field_error(
            UPLOAD_FIELD, "%(field)s is not a valid .%(ext)s file.", "not_its_type", ext=ext
        )
    if kind is None and b"\x00" in head:
        raise field_error(UPLOAD_FIELD, "%(field)s is not a text file.", "not_text")
    if policy.images_only:
        _check_image(file)
        file.seek(0)


def _check_image(file) -> None:
    """Readable, and not a decompression bomb: a few bytes can declare a picture
    that takes gigabytes to decode in a browser or the PDF renderer, so the size in
    the header is checked before anything is decoded."""
    from PIL import Image, UnidentifiedImageError

    too_many_pixels = field_error(
        UPLOAD_FIELD,
        "%(field)s has too many pixels: %(limits)s.",
        "too_many_pixels",
        limits=IMAGE_LIMITS,
    )
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                width, height = image.size
                if max(width, height) > IMAGE_MAX_SIDE or width * height > IMAGE_MAX_PIXELS:
                    raise too_many_pixels
                # Each frame of an animated GIF, PNG or WebP is a whole picture to
                # decode. n_frames reads the frames' headers, not their pixels.
                if getattr(image, "is_animated", False):
                    if width * height * image.n_frames > IMAGE_MAX_PIXELS:
                        raise field_error(
                            UPLOAD_FIELD,
                            "%(field)s has too many pixels: the frames of an animation "
                            "count together, and %(limits)s.",
                            "too_many_pixels",
                            limits=IMAGE_LIMITS,
                        )
                    image.seek(0)
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise field_error(UPLOAD_FIELD, "%(field)s is not a readable image.", "unreadable") from exc


def checked_upload(upload: UploadedFile, policy: UploadPolicy, noun: str) -> UploadedFile:
    """A page form's upload held to the same checks as the API's, with the API's
    field called what the page calls it ("The image")."""
    name = safe_filename(upload.name or "upload")
    try:
        check_file(name, upload, upload.size or 0, policy)
    except ValidationError as exc:
        sentences = [render(error, noun) for error in exc.error_dict[UPLOAD_FIELD]]
        raise ValidationError(sentences) from None
    upload.name = name
    return upload
