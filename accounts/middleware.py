from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

# Paths a signed-out visitor may reach. The API authenticates each call itself.
PUBLIC_PREFIXES = (
    "/api/",
    "/static/",
    "/accounts/login/",
    "/accounts/password-reset/",
    "/accounts/reset/",
    "/accounts/invite/",
    # An app swaps its code for a token with its own id and secret (no session);
    # /oauth/authorize is a page: signed-out visitors sign in first.
    "/oauth/token",
    # The media view decides per file: the logo is public, the rest needs a
    # signed-in user (it sends others to sign in) or API credentials.
    "/media/",
    "/favicon.ico",
)


class LoginRequiredMiddleware:
    """Every page needs a signed-in, active user unless it is listed as public."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if not path.startswith(PUBLIC_PREFIXES) and not request.user.is_authenticated:
            if request.htmx:
                # A swapped-in login form would be nonsense inside a table row: send
                # the whole window to sign in, and back to the page it was on.
                current = urlsplit(request.headers.get("HX-Current-URL", ""))
                back_to = current.path + (f"?{current.query}" if current.query else "")
                login = resolve_url(settings.LOGIN_URL)
                if back_to and url_has_allowed_host_and_scheme(
                    back_to, allowed_hosts={request.get_host()}
                ):
                    login += "?" + urlencode({REDIRECT_FIELD_NAME: back_to})
                reply = HttpResponse(status=204)
                reply["HX-Redirect"] = login
                return reply
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)
