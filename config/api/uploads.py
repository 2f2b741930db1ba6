"""Depot's uploader, built once for every resource that takes files.

Two ways in: a standard multipart POST with the file in `_tbxFile1`, or chunked,
where each request's raw body is the next piece and `X-File-Id`, `X-File-Name`,
`X-File-Size` and `X-File-Resume` say which file it belongs to. Either way the
finished file is size- and type-checked before the caller gets to store it.
"""

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile

from config.limits import CHUNKED_UPLOADS_MAX_OPEN, CHUNKED_UPLOADS_PARKED_FACTOR
from config.parsing import parse_bool, parse_int
from config.upload_limits import human_size, upload_max_bytes
from config.uploads import (
    DOCUMENT_POLICY,
    IMAGE_POLICY,
    UPLOAD_FIELD,
    UploadPolicy,
    check_file,
    check_upload,
    file_extension,
    safe_filename,
)

from .errors import ApiValidationError

__all__ = ["DOCUMENT_POLICY", "IMAGE_POLICY", "UploadProgress", "receive_upload"]


# The OpenAPI request body of every upload endpoint: a standard upload in _tbxFile1,
# or a chunk of a chunked upload as the raw body.
UPLOAD_DOC = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"_tbxFile1": {"type": "string", "format": "binary"}},
                }
            },
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        }
    }
}


@dataclass
class UploadProgress:
    file_id: str


def _api_refusal(check, *args) -> None:
    """The shared checks' refusal as the API's 400, about `_tbxFile1`."""
    try:
        check(*args)
    except ValidationError as exc:
        raise ApiValidationError.from_service(exc) from None


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
        try:
            modified = part.stat().st_mtime
        except FileNotFoundError:  # finished or cleared by a request meanwhile
            continue
        if modified < cutoff:
            part.unlink(missing_ok=True)
            removed += 1
    return removed


def _owner(request) -> str:
    """Whose unfinished uploads a chunk counts against: the credential or token."""
    key = request.auth.rate_key if getattr(request, "auth", None) else "anonymous"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _chunk_path(request, owner: str, file_id: str, total_size: int) -> Path:
    """Where one upload's pieces gather. The caller, the URL (which item it is for),
    the id and the declared size all name it: chunks sent to another item or with
    another final size belong to a different upload, never to this one. The name
    starts with the owner and ends with the size, so the quota can count both."""
    identity = f"{owner}\n{request.path_info}\n{file_id}\n{total_size}"
    digest = hashlib.sha256(identity.encode()).hexdigest()
    folder = Path(settings.DOCKET_UPLOAD_TMP)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{owner}.{digest}.{total_size}.part"


def receive_upload(request, policy: UploadPolicy) -> UploadedFile | UploadProgress:
    """The finished, checked file, or UploadProgress while chunks are still coming."""
    if "HTTP_X_FILE_ID" in request.META:
        return _receive_chunk(request, policy)
    upload = request.FILES.get(UPLOAD_FIELD)
    if upload is None:
        # request.FILES is only filled for POST; make sure the body was parsed.
        from .body import request_data

        request_data(request)
        upload = request.FILES.get(UPLOAD_FIELD)
    if upload is None:
        raise ApiValidationError(
            f"{UPLOAD_FIELD} is required: send the file as multipart/form-data, "
            "or in chunks with the X-File-* headers.",
            field=UPLOAD_FIELD,
        )
    name = safe_filename(upload.name or "upload")
    _api_refusal(check_file, name, upload, upload.size or 0, policy)
    upload.name = name
    return upload


COPY_PIECE = 64 * 1024


def _declared_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _receive_chunk(request, policy: UploadPolicy) -> SimpleUploadedFile | UploadProgress:
    headers = request.headers
    file_id = headers.get("X-File-Id", "").strip()
    name = safe_filename(headers.get("X-File-Name", "").strip())
    errors = []
    if not file_id or len(file_id) > 200:
        errors.append(("X-File-Id", "X-File-Id is required (at most 200 characters)."))
    if not headers.get("X-File-Name", "").strip():
        errors.append(("X-File-Name", "X-File-Name is required."))
    try:
        total_size = parse_int(headers.get("X-File-Size", ""))
        if total_size <= 0:
            raise ValueError
    except ValueError:
        errors.append(("X-File-Size", "X-File-Size must be the final size of the file in bytes."))
        total_size = 0
    try:
        resume = parse_bool(headers.get("X-File-Resume", "false"))
    except ValueError:
        errors.append(("X-File-Resume", "X-File-Resume must be true or false."))
        resume = False
    if errors:
        raise ApiValidationError.by_field(errors)
    if total_size > policy.max_bytes:
        raise ApiValidationError(
            f"X-File-Size is larger than the {human_size(policy.max_bytes)} limit.",
            field="X-File-Size",
        )
    if file_extension(name) not in policy.extensions:
        raise ApiValidationError(
            f"X-File-Name must be one of these file types: {policy.describe()}.",
            field="X-File-Name",
        )
    chunk_length = _declared_length(request)
    if not chunk_length:
        raise ApiValidationError("The chunk is empty: send the next part of the file as the body.")
    owner = _owner(request)
    path = _chunk_path(request, owner, file_id, total_size)
    # Chunks append to what this id already holds. Without X-File-Resume, a chunk
    # that would overflow it, or that comes after the upload lay idle, is the first
    # chunk of a fresh upload under the same id.
    existing = path.stat().st_size if path.exists() else 0
    idle = existing and time.time() - path.stat().st_mtime > CHUNK_IDLE_SECONDS
    starts_afresh = not existing or (not resume and (existing + chunk_length > total_size or idle))
    if starts_afresh:
        _make_room(owner, path, total_size, parks=chunk_length < total_size)
    room = total_size - (0 if starts_afresh else existing)
    # The body goes straight to the file, a piece at a time: a chunk may be a whole
    # upload, and is never held in memory.
    with path.open("wb" if starts_afresh else "ab") as handle:
        copied = 0
        while copied <= room and (piece := request.read(COPY_PIECE)):
            handle.write(piece)
            copied += len(piece)
    if copied > room:
        path.unlink(missing_ok=True)
        raise ApiValidationError("The chunks add up to more than X-File-Size; start again.")
    received = path.stat().st_size
    if received < total_size:
        return UploadProgress(file_id=file_id)
    content = path.read_bytes()
    path.unlink(missing_ok=True)
    _api_refusal(check_upload, name, content, policy)
    return SimpleUploadedFile(name, content)


def _make_room(owner: str, path: Path, total_size: int, *, parks: bool) -> None:
    """Before a new upload starts: the owner's expired pieces go, and if it will be
    left unfinished (`parks`), it must fit the owner's quota of open uploads, which
    ones idle past CHUNK_IDLE_SECONDS make room in, oldest first."""
    now = time.time()
    open_uploads = []
    for part in Path(settings.DOCKET_UPLOAD_TMP).glob(f"{owner}.*.part"):
        try:
            modified = part.stat().st_mtime
        except FileNotFoundError:  # finished or cleaned meanwhile
            continue
        if now - modified > CHUNK_KEEP_SECONDS:
            part.unlink(missing_ok=True)
        elif part != path:
            open_uploads.append((modified, part, int(part.name.split(".")[-2])))
    if not parks:
        return
    open_uploads.sort()
    most_bytes = CHUNKED_UPLOADS_PARKED_FACTOR * upload_max_bytes()

    def over() -> bool:
        reserved = sum(size for _, _, size in open_uploads)
        return len(open_uploads) >= CHUNKED_UPLOADS_MAX_OPEN or reserved + total_size > most_bytes

    while over() and open_uploads and now - open_uploads[0][0] > CHUNK_IDLE_SECONDS:
        open_uploads.pop(0)[1].unlink(missing_ok=True)
    make_way = (
        "Finish one of them first, or wait: one left for "
        f"{CHUNK_IDLE_SECONDS // 60} minutes makes way."
    )
    if len(open_uploads) >= CHUNKED_UPLOADS_MAX_OPEN:
        raise ApiValidationError(
            "X-File-Id can't start another upload: these credentials already have "
            f"{len(open_uploads)} unfinished, the most they may have. {make_way}",
            field="X-File-Id",
        )
    reserved = sum(size for _, _, size in open_uploads)
    if reserved + total_size > most_bytes:
        factor = (
            "twice"
            if CHUNKED_UPLOADS_PARKED_FACTOR == 2
            else (f"{CHUNKED_UPLOADS_PARKED_FACTOR} times")
        )
        raise ApiValidationError(
            "X-File-Size can't be reserved: the unfinished uploads of these credentials "
            f"may add up to at most {human_size(most_bytes)} ({factor} the upload limit), "
            f"and {human_size(reserved)} is taken. {make_way}",
            field="X-File-Size",
        )
