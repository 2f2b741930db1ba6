"""Uploaded files, served by Django in every mode.

The logo is public because documents and emails show it to clients. Everything else
is account data, fetched by a signed-in user or by the same API credentials the API
takes, each limited to the area the folder belongs to (a journal attachment needs
the contacts area or scope). Whether a file is public is decided on the resolved
path, never the raw URL, so `logo/../journal/…` is a journal file. Files that aren't
images are always downloads, never rendered inline, so an uploaded HTML or SVG file
can't run script on our origin.
"""

import mimetypes
from pathlib import Path

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpResponse
from django.utils._os import safe_join
from django.views.decorators.http import require_safe
from ninja.errors import AuthenticationError

from config.api.errors import ApiThrottled

from .api_auth import DepotTokenAuth, UserBearerAuth

PUBLIC_FOLDERS = ("logo",)
# The area a folder's files belong to; users/ holds colleagues' photos.
FOLDER_AREAS = {
    "companies": "contacts",
    "contacts": "contacts",
    "journal": "contacts",
    # Accountants' exports are downloaded from their page (billing.export_views), by
    # their requester; a media URL still needs the area.
    "exports": "invoices",
    # Documents' PDFs are downloaded from their pages and the API (billing.pdfs);
    # their media URL still needs the area.
    "documents": "invoices",
}
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def _resolve(path: str) -> tuple[Path, str]:
    """The path on disk and its folder inside MEDIA_ROOT; Http404 for anything that
    can't be a file in a folder below it. Whether the file exists is left to the
    caller, to ask only once the caller may know."""
    root = Path(settings.MEDIA_ROOT).resolve()
    try:
        full_path = Path(safe_join(root, path)).resolve()
        relative = full_path.relative_to(root)
    except (SuspiciousFileOperation, ValueError):
        raise Http404 from None
    if len(relative.parts) < 2:
        raise Http404
    return full_path, relative.parts[0]


def _api_principal(request):
    """The API caller these headers authenticate, or None."""
    token = request.headers.get("X-DEPOT-TOKEN", "")
    if token:
        return DepotTokenAuth().authenticate(request, token)
    authorization = request.headers.get("Authorization", "")
    if authorization.lower().startswith("bearer "):
        return UserBearerAuth().authenticate(request, authorization[7:].strip())
    return None


def _refusal(request, folder: str):
    """None when the caller may read files in `folder`, else the answer to give."""
    area = FOLDER_AREAS.get(folder)
    user = request.user
    if user.is_authenticated:
        allowed = user.is_active and not user.is_collaborator
        if allowed and area:
            allowed = user.can(area)
        return None if allowed else HttpResponse(status=403)
    try:
        who = _api_principal(request)
    except AuthenticationError:
        return HttpResponse(status=403)
    except ApiThrottled as throttled:
        response = HttpResponse(status=429)
        response["Retry-After"] = str(throttled.wait_seconds)
        return response
    if who is None:
        return redirect_to_login(request.get_full_path())
    if who.user is not None and who.user.is_collaborator:
        return HttpResponse(status=403)
    if area and not who.can(area):
        return HttpResponse(status=403)
    if not area and who.credential is not None and not who.credential.allows("users", write=False):
        return HttpResponse(status=403)
    return None


@require_safe
def serve_media(request, path: str):
    full_path, folder = _resolve(path)
    public = folder in PUBLIC_FOLDERS
    if not public:
        # Checked before the file's existence, so that someone who may not read the
        # folder gets the same answer for a missing file as for an existing one.
        refusal = _refusal(request, folder)
        if refusal is not None:
            return refusal
    if not full_path.is_file():
        raise Http404
    content_type = mimetypes.guess_type(full_path.name)[0] or "application/octet-stream"
    inline = content_type in INLINE_TYPES
    response = FileResponse(
        full_path.open("rb"),
        content_type=content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        filename=full_path.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"{'public' if public else 'private'}, max-age=3600"
    return response
