from django.core.exceptions import SuspiciousOperation

from .idempotency import settle

API_PREFIX = "/api/v1/"
SUFFIXES = {".json": "json", ".xml": "xml"}


def sends_credentials(meta) -> bool:
    """The call carries an API credential or a bearer token: what authenticates it
    then is that alone (accounts/api_auth.py), a failed one being a 403, never the
    browser's session."""
    if meta.get("HTTP_X_DEPOT_TOKEN"):
        return True
    scheme, _, token = meta.get("HTTP_AUTHORIZATION", "").partition(" ")
    return scheme.lower() == "bearer" and bool(token)


def _is_depot_body(response) -> bool:
    content_type = response.get("Content-Type", "")
    return content_type.startswith(("application/json", "application/xml"))


class DepotApiMiddleware:
    """Depot picks the response format from the URL (`contacts.json`,
    `contacts/5.xml`). The suffix is taken off here, before URL resolution, so each
    route is declared once; views read `request.depot_format`.

    It also keeps API failures in Depot's shapes: a 404 for a route that doesn't
    exist gets the error envelope naming the path, and every authenticated response
    carries the rate-limit headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if not path.startswith(API_PREFIX):
            return self.get_response(request)
        request.depot_format = "json"
        # Authenticated by its own headers alone (accounts/api_auth.py), so the
        # browser's middleware has nothing to do for it (config/page_middleware.py).
        request.depot_credentialed = sends_credentials(request.META)
        for suffix, fmt in SUFFIXES.items():
            if path.endswith(suffix):
                request.depot_format = fmt
                request.path_info = path[: -len(suffix)]
                break
        try:
            query_items = list(request.GET.items())
        except SuspiciousOperation:  # more query parameters than Django will read
            from .rendering import error_response

            return error_response(
                request, 400, "Validation errors", ["The query string has too many parameters."]
            )
        nul_params = sorted({key for key, value in query_items if "\x00" in key + value})
        # PostgreSQL refuses NUL in any query, and a route's text part (users/<email>)
        # goes into one just as a query parameter does.
        nul_errors = ["The address must not contain NUL characters."] if "\x00" in path else []
        nul_errors += [f"{key} must not contain NUL characters." for key in nul_params]
        if nul_errors:
            from .rendering import error_response

            return error_response(request, 400, "Validation errors", nul_errors)
        # HEAD answers wherever GET does (ninja routes only list GET): the same
        # status and headers, no body.
        is_head = request.method == "HEAD"
        if is_head:
            request.method = "GET"
        try:
            response = self.get_response(request)
        except BaseException:
            settle(request, None)
            raise
        if is_head:
            request.method = "HEAD"
            if not response.streaming:
                response["Content-Length"] = str(len(response.content))
                response.content = b""
        if response.status_code == 404 and not _is_depot_body(response):
            from .rendering import not_found_response

            response = not_found_response(request)
        elif response.status_code == 405 and not _is_depot_body(response):
            # ninja answers a method a route lacks with plain text; Depot clients
            # look for the error flag in every answer.
            from .rendering import error_response

            allowed = response.get("Allow")
            response = error_response(request, 405, "Method not allowed")
            if allowed:
                response["Allow"] = allowed
        # A POST claimed under its Idempotency-Key keeps the answer it got (or lets
        # the key go): the answer as sent, 404 and 405 envelopes included.
        if getattr(request, "depot_idempotency", None) is not None:
            settle(request, response)
        state = getattr(request, "depot_ratelimit", None)
        if state is not None:
            for header, value in state.headers().items():
                response[header] = value
        return response
