"""The one NinjaAPI instance: auth, Depot's error shapes, and every app's router."""

import logging

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from accounts.api_auth import API_AUTH  # the one import of an app outside the router wiring
from config import database_errors

from .errors import (
    ApiError,
    ApiNotAllowed,
    ApiNotFound,
    ApiThrottled,
    ApiValidationError,
)
from .rendering import error_response, not_found_response

logger = logging.getLogger("docket.api")

DESCRIPTION = """
Docket speaks the Depot API. Every resource answers at `/api/v1/<resource>.json`,
`.xml`, or with no suffix (JSON). Authenticate with the `X-DEPOT-TOKEN` and
`X-DEPOT-SECRET` headers (create a pair under Settings → API credentials, or with
`manage.py apikey --name NAME`), or with `Authorization: Bearer <token>` to act as
one user.

Bodies may be form data (urlencoded or multipart) or JSON; a field the resource
doesn't have is a 400 naming it, while what a GET returned may be sent back as read.
Lists take `rows` (default 10, max 1000), `start`, `order` and `orderasc`, and answer
`{"error": false, "rows": [...], "total": N}`. Writes answer `{"error": false, "id": ID}`.
Validation errors are 400 with `errors` (one sentence per problem) and `fields` (the
same sentences keyed by field); an unknown id or route is 404 with `{"error": true,
"msg": ...}` saying which ("No contact with id 99." or "No such resource: ..."); credentials
that don't authenticate get 403, and a call outside the credential's scopes 401.
Reports (`/api/v1/reports/invoices.json`, ...) answer `rows` as an object keyed by
group: a month `2014-03`, a client code `C41`. In XML a key that is not a valid element
name (it starts with a digit, or holds a character XML names can't) is written with an
underscore in front, the key itself in a `key` attribute: `<_2014-03 key="2014-03">`.
Each credential may make 60 requests a minute on average (429 beyond that; see the
`X-RateLimit-*` headers).
"""

api = NinjaAPI(
    title="Docket API (Depot compatible)",
    version="1",
    description=DESCRIPTION,
    auth=API_AUTH,
    urls_namespace="api",
    docs_url="/docs",
    # Deep links put a link inside each operation's toggle button: nested controls a
    # screen reader can't reach (axe: nested-interactive).
    docs=Swagger(settings={"deepLinking": False}),
    openapi_url="/openapi",
)


@api.exception_handler(ApiValidationError)
def on_validation_error(request, exc: ApiValidationError):
    return error_response(request, 400, exc.msg, exc.errors, exc.fields)


@api.exception_handler(DjangoValidationError)
def on_service_validation_error(request, exc: DjangoValidationError):
    refusal = ApiValidationError.from_service(exc)
    return error_response(request, 400, refusal.msg, refusal.errors, refusal.fields)


@api.exception_handler(ApiNotFound)
def on_not_found(request, exc: ApiNotFound):
    return not_found_response(request, exc.msg)


@api.exception_handler(Http404)
def on_http404(request, exc):
    return not_found_response(request)


@api.exception_handler(ApiNotAllowed)
def on_not_allowed(request, exc: ApiNotAllowed):
    return error_response(request, 401, exc.msg)


@api.exception_handler(PermissionDenied)
def on_service_refusal(request, exc: PermissionDenied):
    # A service's "not yours to do" (e.g. changing a user with more access than the
    # caller): the spec's 401 for an authenticated caller that isn't allowed.
    return error_response(request, 401, str(exc) or ApiNotAllowed().msg)


@api.exception_handler(ApiThrottled)
def on_throttled(request, exc: ApiThrottled):
    response = error_response(request, 429, str(exc))
    response["Retry-After"] = str(exc.wait_seconds)
    return response


@api.exception_handler(ApiError)
def on_api_error(request, exc: ApiError):
    return error_response(request, exc.status, getattr(exc, "msg", str(exc)))


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return error_response(request, 403, "The credentials did not authenticate.")


@api.exception_handler(NinjaValidationError)
def on_ninja_validation_error(request, exc: NinjaValidationError):
    problems = []
    for error in exc.errors:
        location = ".".join(str(part) for part in error.get("loc", ())[1:]) or "request"
        problems.append((location, f"{location}: {error.get('msg', 'is invalid')}."))
    refusal = ApiValidationError.by_field(problems)
    return error_response(request, 400, refusal.msg, refusal.errors, refusal.fields)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return error_response(request, exc.status_code, str(exc))


@api.exception_handler(RequestDataTooBig)
def on_body_too_big(request, exc):
    return error_response(request, 413, "The request body is too large.")


@api.exception_handler(SuspiciousOperation)
def on_unreadable_request(request, exc):
    # Django's own limits and parser refusals: too many fields or files, a bad
    # multipart boundary, markup it won't strip. The client's request, not our fault.
    return error_response(
        request, 400, "Validation errors", [f"The request could not be read: {exc}"]
    )


@api.exception_handler(BadRequest)
def on_bad_request(request, exc):
    return error_response(
        request, 400, "Validation errors", [f"The request could not be read: {exc}"]
    )


@api.exception_handler(MultiPartParserError)
def on_bad_multipart(request, exc):
    return error_response(
        request, 400, "Validation errors", ["The multipart body could not be read."]
    )


@api.exception_handler(DatabaseError)
def on_database_error(request, exc: DatabaseError):
    # A busy database (503, Retry-After) or changes that collided (409) say so; any
    # other database error is ours.
    return database_errors.response_for(request, exc) or on_unexpected_error(request, exc)


@api.exception_handler(ProtectedError)
@api.exception_handler(RestrictedError)
def on_protected(request, exc: ProtectedError | RestrictedError):
    return database_errors.response_for(request, exc)


@api.exception_handler(Exception)
def on_unexpected_error(request, exc: Exception):
    logger.exception("Unhandled API error on %s %s", request.method, request.path)
    return error_response(request, 500, "System error")


def _register_routers():
    from accounts.api import me_router, notes_router, settings_router
    from accounts.api import router as accounts_router
    from billing.api import invoices_router, periodicals_router, proposals_router, reports_router
    from billing.api import router as billing_router
    from crm.api import activity_router
    from crm.api import router as crm_router
    from projects.api import projects_router, timesheet_router
    from projects.api import router as project_settings_router

    api.add_router("/", me_router)
    api.add_router("/", accounts_router)
    api.add_router("/", notes_router)
    api.add_router("/settings", settings_router)
    api.add_router("/settings", billing_router)
    api.add_router("/settings", project_settings_router)
    api.add_router("/", crm_router)
    api.add_router("/", activity_router)
    api.add_router("/", projects_router)
    api.add_router("/", timesheet_router)
    api.add_router("/", invoices_router)
    api.add_router("/", proposals_router)
    api.add_router("/", periodicals_router)
    api.add_router("/reports", reports_router)


_register_routers()
