"""Database errors that are about timing, not about the request, and the answers
that say so: a database busy with another writer is a 503 with Retry-After (try
again shortly), a change that collided with another made at the same moment is a
409. Both keep the API's envelope under /api/ and are a short page elsewhere.

The pages get them from DatabaseErrorMiddleware (errors in views) and from
`server_error` (errors anywhere else, e.g. saving the session); the API from its
exception handlers in config/api/core.py.
"""

import logging
import sys

from django.db import IntegrityError, OperationalError
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger("docket.database")

RETRY_AFTER_SECONDS = 5
BUSY_MESSAGE = (
    f"The database is busy with other changes. Try again in {RETRY_AFTER_SECONDS} seconds."
)
CONFLICT_MESSAGE = (
    "The change clashed with another one made at the same moment. Reload and try again."
)
# PostgreSQL: lock_not_available (lock_timeout, NOWAIT), deadlock_detected,
# serialization_failure. SQLite says "database is locked" after its busy timeout.
BUSY_SQLSTATES = {"55P03", "40P01", "40001"}
# unique_violation, foreign_key_violation, exclusion_violation: what two changes made
# at once run into. A NOT NULL or CHECK violation is a bug, and stays a 500.
CONFLICT_SQLSTATES = {"23505", "23503", "23P01"}
SQLITE_CONFLICTS = ("UNIQUE constraint failed", "FOREIGN KEY constraint failed")


def _sqlstate(exc: Exception) -> str:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None) or ""


def is_busy(exc: BaseException | None) -> bool:
    if not isinstance(exc, OperationalError):
        return False
    return _sqlstate(exc) in BUSY_SQLSTATES or "is locked" in str(exc)


def conflict_message(exc: BaseException | None) -> str:
    """What to tell the client when `exc` is a collision between changes, else ""."""
    if isinstance(exc, ProtectedError | RestrictedError):
        blocking = getattr(exc, "protected_objects", None) or exc.restricted_objects
        counts: dict = {}
        for obj in blocking:
            counts[obj._meta] = counts.get(obj._meta, 0) + 1
        what = ", ".join(
            f"{count} {meta.verbose_name if count == 1 else meta.verbose_name_plural}"
            for meta, count in counts.items()
        )
        return f"This can't be deleted while other records refer to it ({what})."
    if isinstance(exc, IntegrityError) and (
        _sqlstate(exc) in CONFLICT_SQLSTATES or str(exc).startswith(SQLITE_CONFLICTS)
    ):
        return CONFLICT_MESSAGE
    return ""


def _answer(request, status: int, heading: str, message: str) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        from config.api.rendering import error_response

        return error_response(request, status, message)
    # Like the 500 page: no request context, so nothing here needs the database.
    html = render_to_string(
        "try_again.html", {"status": status, "heading": heading, "message": message}
    )
    return HttpResponse(html, status=status)


def busy_response(request) -> HttpResponse:
    response = _answer(request, 503, "Docket is busy", BUSY_MESSAGE)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def conflict_response(request, message: str) -> HttpResponse:
    return _answer(request, 409, "That change clashed with another", message)


def response_for(request, exc: BaseException | None) -> HttpResponse | None:
    """The 503 or 409 for `exc`, or None when it is some other error."""
    if is_busy(exc):
        logger.warning("Database busy on %s %s: %s", request.method, request.path, exc)
        return busy_response(request)
    message = conflict_message(exc)
    if message:
        logger.warning("Conflicting change on %s %s", request.method, request.path, exc_info=exc)
        return conflict_response(request, message)
    return None


class DatabaseErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return response_for(request, exception)


def server_error(request):
    """handler500: the errors raised outside a view (a middleware saving the session
    while another process writes) get their 503 or 409 too."""
    return response_for(request, sys.exc_info()[1]) or defaults.server_error(request)
