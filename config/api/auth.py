"""Who is calling the API.

Three ways in, tried in order: Depot's account-wide `X-DEPOT-TOKEN` +
`X-DEPOT-SECRET` headers, `Authorization: Bearer <token>` acting as one user, and
the browser's own session (with its CSRF check). Whatever authenticates becomes an
`ApiPrincipal` on `request.auth`; nothing that fails to authenticate gets further.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from accounts.models import AccessToken, ApiCredential, User, hash_secret

from .errors import ApiNotAllowed, ApiThrottled
from .throttle import take_request_token

LAST_USED_PRECISION = timedelta(minutes=1)


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class ApiPrincipal:
    credential: ApiCredential | None = None
    user: User | None = None
    via: str = "token"
    writes: bool = False  # the request changes something (needs an area's write scope)

    @property
    def actor(self) -> ApiCredential | User:
        """Who acts, for the services' rules: the credential (within its creator's
        access), or the user of a bearer token or session."""
        return self.credential if self.credential is not None else self.user

    @property
    def rate_key(self) -> str:
        if self.credential is not None:
            return f"credential:{self.credential.pk}"
        return f"user:{self.user.pk}"

    def can(self, area: str) -> bool:
        # Account-wide credentials open every area their scopes name.
        if self.credential is not None:
            return self.credential.allows(area, write=self.writes)
        return self.user.can(area)

    def require(self, area: str) -> None:
        if self.can(area):
            return
        if self.credential is not None:
            if self.credential.scope_allows(area, write=self.writes):
                raise ApiNotAllowed(
                    f"These credentials act within their creator's access, which no longer "
                    f"includes the {area} area."
                )
            needed = f"{area}:{'write' if self.writes else 'read'}"
            raise ApiNotAllowed(f"These credentials do not have the {needed} scope.")
        raise ApiNotAllowed()


def _touch_last_used(obj) -> None:
    now = timezone.now()
    if obj.last_used is None or now - obj.last_used > LAST_USED_PRECISION:
        type(obj).objects.filter(pk=obj.pk).update(last_used=now)


def _admit(request, principal: ApiPrincipal) -> ApiPrincipal:
    principal.writes = request.method not in READ_METHODS
    state = take_request_token(principal.rate_key)
    request.depot_ratelimit = state
    if state is not None and not state.allowed:
        raise ApiThrottled(state.retry_after)
    return principal


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
        return _admit(request, ApiPrincipal(credential=credential, via="token"))


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
        return _admit(request, ApiPrincipal(user=access.user, via="bearer"))


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
        return _admit(request, ApiPrincipal(user=user, via="session"))


def principal(request) -> ApiPrincipal:
    return request.auth


API_AUTH = [DepotTokenAuth(), DepotSecretHeader(), UserBearerAuth(), BrowserSessionAuth()]
