"""The upload size limit (DOCKET_UPLOAD_MAX_BYTES), held while a request body
arrives rather than after it has been read, for pages and the API alike.

* RequestSizeLimitMiddleware refuses a body whose Content-Length is more than one
  file at the limit plus the form fields Django keeps in memory, before reading any
  of it.
* LimitedUploadHandler, first in FILE_UPLOAD_HANDLERS, counts each file's bytes as
  they arrive. Past the limit the rest of that file is read and dropped, and the
  form or API call finds an OversizedUpload in its place, which the upload checks
  (config.api.uploads) turn into an error that names the limit.
* What is kept waits in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE, on disk beyond.
"""

import io
import json

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.shortcuts import render

API_PREFIX = "/api/"


def upload_max_bytes() -> int:
    return settings.DOCKET_UPLOAD_MAX_BYTES


def request_max_bytes() -> int:
    """The largest body any page or API call takes: a file at the limit and the form
    fields beside it."""
    return settings.DOCKET_UPLOAD_MAX_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def human_size(size: int) -> str:
    """10485760 → "10 MB", 262144 → "256 KB", 2000 → "1.95 KB"."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if value >= 100 else f"{value:.3g} {unit}"
    return f"{size} bytes"


TOO_LARGE = "%(field)s is larger than the %(limit)s limit."


def too_large_message(noun: str) -> str:
    return TOO_LARGE % {"field": noun, "limit": human_size(upload_max_bytes())}


class OversizedUpload(UploadedFile):
    """Stands in for a file LimitedUploadHandler stopped keeping: its name and how
    big it was, none of its content."""

    def __init__(self, name: str, content_type: str, size: int):
        super().__init__(io.BytesIO(), name=name, content_type=content_type, size=size)


class LimitedUploadHandler(FileUploadHandler):
    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > upload_max_bytes():
            # The handlers after this one, which keep the file, see no more of it.
            return None
        return raw_data

    def file_complete(self, file_size):
        if self.received <= upload_max_bytes():
            return None
        # Let go of the part that was kept before the limit was passed.
        for handler in self.request.upload_handlers:
            kept = getattr(handler, "file", None) if handler is not self else None
            if kept is not None:
                kept.close()
        return OversizedUpload(self.file_name, self.content_type, self.received)


class RequestSizeLimitMiddleware:
    """Answers 413 to a request that declares a body past request_max_bytes(),
    without reading it: a page, a form's field or an API call never needs more."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django reads no body it can't measure
        if declared > request_max_bytes():
            return too_large_response(request)
        return self.get_response(request)


def too_large_response(request):
    message = f"The request is too large: files can be at most {human_size(upload_max_bytes())}."
    if request.path_info.startswith(API_PREFIX):
        from config.api.rendering import error_response

        return error_response(request, 413, "The request body is too large.", [message])
    response = render(request, "413.html", {"message": message}, status=413)
    if request.headers.get("HX-Request"):
        # htmx swaps nothing on an error; the page's flash message says why.
        response["HX-Trigger"] = json.dumps({"showMessage": {"level": "error", "text": message}})
    return response
