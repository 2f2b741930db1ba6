"""Uploaded files, served by Django in every mode.

The logo is public because documents and emails show it to clients. Everything else
(people's photos, company images, journal attachments) is account data: it needs a
signed-in staff user (the login middleware sends anyone else to sign in) or the same
API credentials the API takes, so a leaked link reveals nothing. Files that aren't
images are always downloads, never rendered inline, so an uploaded HTML or SVG file
can't run script on our origin.
"""

import mimetypes
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpResponse
from django.utils._os import safe_join
from django.views.decorators.http import require_safe
from ninja.errors import AuthenticationError

from config.api.auth import DepotTokenAuth, UserBearerAuth

PUBLIC_FOLDERS = ("logo/",)
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def _api_caller_allowed(request) -> bool:
    try:
        token = request.headers.get("X-DEPOT-TOKEN", "")
        if token:
            who = DepotTokenAuth().authenticate(request, token)
        else:
            bearer = request.headers.get("Authorization", "")[len("bearer ") :].strip()
            who = UserBearerAuth().authenticate(request, bearer)
    except AuthenticationError:
        return False
    return who is not None and (who.user is None or not who.user.is_collaborator)


def _allowed(request, path: str) -> bool:
    if path.startswith(PUBLIC_FOLDERS):
        return True
    if request.user.is_authenticated:
        return request.user.is_active and not request.user.is_collaborator
    return _api_caller_allowed(request)


@require_safe
def serve_media(request, path: str):
    if not _allowed(request, path):
        return HttpResponse(status=403)
    try:
        full_path = Path(safe_join(settings.MEDIA_ROOT, path))
    except SuspiciousFileOperation:
        raise Http404 from None
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
    public = path.startswith(PUBLIC_FOLDERS)
    response["Cache-Control"] = f"{'public' if public else 'private'}, max-age=3600"
    return response
