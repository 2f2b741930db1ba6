"""The API's ways in, tried in order: Depot's account-wide `X-DEPOT-TOKEN` +
`X-DEPOT-SECRET` headers, `Authorization: Bearer <token>` acting as one user, and the
browser's own session (with its CSRF check). config/api/core.py hands API_AUTH to the
NinjaAPI instance; the media view asks the first and third for file downloads.
"""

from datetime import timedelta

from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from config.api.auth import ApiPrincipal, admit

from .models import AccessToken, ApiCredential, hash_secret

LAST_USED_PRECISION = timedelta(minutes=1)


def _touch_last_used(obj) -> None:
    now = timezone.now()
    if obj.last_used is None or now - obj.last_used > LAST_USED_PRECISION:
        type(obj).objects.filter(pk=obj.pk).update(last_used=now)


class DepotTokenAuth(APIKeyHeader):
    """X-DEPOT-TOKEN with X-DEPOT-SECRET."""

    param_name = "X-DEPOT-TOKEN"
    openapi_description = "Send the account token here and its secret in X-DEPOT-SECRET."

    def authenticate(self, request, key):
        secret = request.headers.get("X-DEPOT-SECRET", "")
        if not key and not secret:
            return None
        credential = ApiCredential.objects.filter(token=key).select_related("created_by").first()
        if credential is None or not credential.is_usable or not credential.check_secret(secret):
            # Credentials that were sent and failed are a 403 even if the browser
            # also has a session: a revoked integration must stop working.
            raise AuthenticationError()
        _touch_last_used(credential)
        return admit(request, ApiPrincipal(credential=credential, via="token"))


class DepotSecretHeader(APIKeyHeader):
    """Documents the secret header in the OpenAPI schema; DepotTokenAuth checks it."""

    param_name = "X-DEPOT-SECRET"

    def authenticate(self, request, key):
        return None


class UserBearerAuth(HttpBearer):
    """Authorization: Bearer <access token>, acting as the token's user."""

    def authenticate(self, request, token):
        if not token:
            return None
        access = (
            AccessToken.objects.filter(token_hash=hash_secret(token)).select_related("user").first()
        )
        if access is None or not access.is_usable:
            raise AuthenticationError()
        _touch_last_used(access)
        return admit(request, ApiPrincipal(user=access.user, via="bearer"))


class BrowserSessionAuth(SessionAuth):
    """The signed-in browser may call the API too (CSRF checked by ninja)."""

    def _get_key(self, request):
        # Without a signed-in session there is nothing to forge: a script with no
        # credentials gets the usual 403 about credentials, not a CSRF complaint.
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if not user or not user.is_active:
            return None
        return admit(request, ApiPrincipal(user=user, via="session"))


API_AUTH = [DepotTokenAuth(), DepotSecretHeader(), UserBearerAuth(), BrowserSessionAuth()]
