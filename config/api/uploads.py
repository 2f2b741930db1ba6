"""Depot's uploader, built once for every resource that takes files.

Two ways in: a standard multipart POST with the file in `_tbxFile1`, or chunked,
where each request's raw body is the next piece and `X-File-Id`, `X-File-Name`,
`X-File-Size` and `X-File-Resume` say which file it belongs to. Either way the
finished file is size- and type-checked before the caller gets to store it.
"""

import hashlib
import io
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from .errors import ApiValidationError
from .params import parse_bool, parse_int

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
    max_bytes: int = field(default_factory=lambda: settings.DOCKET_UPLOAD_MAX_BYTES)
    images_only: bool = False

    def describe(self) -> str:
        return ", ".join(sorted(self.extensions))


IMAGE_POLICY = UploadPolicy(
    extensions=frozenset({"png", "jpg", "jpeg", "gif", "webp"}), images_only=True
)
DOCUMENT_POLICY = UploadPolicy(extensions=frozenset(EXTENSION_KIND))


@dataclass
class UploadProgress:
    file_id: str


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def safe_filename(name: str) -> str:
    base = os.path.basename(name.replace("\\", "/"))
    base = re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .") or "upload"
    return base[:120]


def check_upload(name: str, content: bytes, policy: UploadPolicy) -> None:
    ext = _extension(name)
    if ext not in policy.extensions:
        raise ApiValidationError(
            f"{UPLOAD_FIELD} must be one of these file types: {policy.describe()}."
        )
    if len(content) > policy.max_bytes:
        raise ApiValidationError(
            f"{UPLOAD_FIELD} is larger than the {policy.max_bytes // (1024 * 1024)} MB limit."
        )
    if not content:
        raise ApiValidationError(f"{UPLOAD_FIELD} is empty.")
    kind = EXTENSION_KIND.get(ext)
    if kind and not content.startswith(SIGNATURES[kind]):
        raise ApiValidationError(f"{UPLOAD_FIELD} is not a valid .{ext} file.")
    if kind is None and b"\x00" in content[:4096]:
        raise ApiValidationError(f"{UPLOAD_FIELD} is not a text file.")
    if policy.images_only:
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(content)) as image:
                image.verify()
        except Image.DecompressionBombError as exc:
            raise ApiValidationError(
                f"{UPLOAD_FIELD} has too many pixels to be a logo or photo."
            ) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ApiValidationError(f"{UPLOAD_FIELD} is not a readable image.") from exc


# An upload that has not moved for this long is abandoned: a new chunk without
# X-File-Resume starts it again, and the clean-up task deletes its pieces.
CHUNK_IDLE_SECONDS = 15 * 60
CHUNK_KEEP_SECONDS = 24 * 60 * 60


def delete_abandoned_chunks(now: float | None = None) -> int:
    """Remove pieces of chunked uploads nobody finished; returns how many."""
    folder = Path(settings.DOCKET_UPLOAD_TMP)
    if not folder.exists():
        return 0
    cutoff = (now or time.time()) - CHUNK_KEEP_SECONDS
    removed = 0
    for part in folder.glob("*.part"):
        if part.stat().st_mtime < cutoff:
            part.unlink(missing_ok=True)
            removed += 1
    return removed


def _chunk_path(request, file_id: str, total_size: int) -> Path:
    """Where one upload's pieces gather. The caller, the URL (which item it is for),
    the id and the declared size all name it: chunks sent to another item or with
    another final size belong to a different upload, never to this one."""
    owner = request.auth.rate_key if getattr(request, "auth", None) else "anonymous"
    identity = f"{owner}\n{request.path_info}\n{file_id}\n{total_size}"
    digest = hashlib.sha256(identity.encode()).hexdigest()
    folder = Path(settings.DOCKET_UPLOAD_TMP)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{digest}.part"


def receive_upload(request, policy: UploadPolicy) -> SimpleUploadedFile | UploadProgress:
    """The finished, checked file, or UploadProgress while chunks are still coming."""
    if "HTTP_X_FILE_ID" in request.META:
        return _receive_chunk(request, policy)
    upload = request.FILES.get(UPLOAD_FIELD)
    if upload is None:
        # request.FILES is only filled for POST; make sure the body was parsed.
        from .params import request_data

        request_data(request)
        upload = request.FILES.get(UPLOAD_FIELD)
    if upload is None:
        raise ApiValidationError(
            f"{UPLOAD_FIELD} is required: send the file as multipart/form-data, "
            "or in chunks with the X-File-* headers."
        )
    if upload.size > policy.max_bytes:
        raise ApiValidationError(
            f"{UPLOAD_FIELD} is larger than the {policy.max_bytes // (1024 * 1024)} MB limit."
        )
    content = upload.read()
    name = safe_filename(upload.name or "upload")
    check_upload(name, content, policy)
    return SimpleUploadedFile(name, content, content_type=upload.content_type)


def _receive_chunk(request, policy: UploadPolicy) -> SimpleUploadedFile | UploadProgress:
    headers = request.headers
    file_id = headers.get("X-File-Id", "").strip()
    name = safe_filename(headers.get("X-File-Name", "").strip())
    errors = []
    if not file_id or len(file_id) > 200:
        errors.append("X-File-Id is required (at most 200 characters).")
    if not headers.get("X-File-Name", "").strip():
        errors.append("X-File-Name is required.")
    try:
        total_size = parse_int(headers.get("X-File-Size", ""))
        if total_size <= 0:
            raise ValueError
    except ValueError:
        errors.append("X-File-Size must be the final size of the file in bytes.")
        total_size = 0
    try:
        resume = parse_bool(headers.get("X-File-Resume", "false"))
    except ValueError:
        errors.append("X-File-Resume must be true or false.")
        resume = False
    if errors:
        raise ApiValidationError(errors)
    if total_size > policy.max_bytes:
        raise ApiValidationError(
            f"X-File-Size is larger than the {policy.max_bytes // (1024 * 1024)} MB limit."
        )
    if _extension(name) not in policy.extensions:
        raise ApiValidationError(
            f"X-File-Name must be one of these file types: {policy.describe()}."
        )
    path = _chunk_path(request, file_id, total_size)
    chunk = request.body
    if not chunk:
        raise ApiValidationError("The chunk is empty: send the next part of the file as the body.")
    # Chunks append to what this id already holds. Without X-File-Resume, a chunk
    # that would overflow it, or that comes after the upload lay idle, is the first
    # chunk of a fresh upload under the same id.
    existing = path.stat().st_size if path.exists() else 0
    idle = existing and time.time() - path.stat().st_mtime > CHUNK_IDLE_SECONDS
    starts_afresh = not resume and (existing + len(chunk) > total_size or idle)
    mode = "wb" if starts_afresh else "ab"
    with path.open(mode) as handle:
        handle.write(chunk)
    received = path.stat().st_size
    if received > total_size:
        path.unlink(missing_ok=True)
        raise ApiValidationError("The chunks add up to more than X-File-Size; start again.")
    if received < total_size:
        return UploadProgress(file_id=file_id)
    content = path.read_bytes()
    path.unlink(missing_ok=True)
    check_upload(name, content, policy)
    return SimpleUploadedFile(name, content)
