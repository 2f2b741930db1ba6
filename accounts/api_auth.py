"""The API's ways in, tried in order: Depot's account-wide `X-DEPOT-TOKEN` +
`X-DEPOT-SECRET` headers, `Authorization: Bearer <token>` acting as one user, and the
browser's own session (with its CSRF check). config/api/core.py hands API_AUTH to the
NinjaAPI instance; the media view asks the first and third for file downloads.
"""

from datetime import timedelta

from django.db import router
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from config.api.auth import ApiPrincipal, admit
from config.api.rows import KeptSelect

from .models import AccessToken, ApiCredential, User, hash_secret

LAST_USED_PRECISION = timedelta(minutes=1)


def _with_user(model, key: str, value, user_field: str):
    """The `model` row whose unique `key` is `value`, with its `user_field` user filled
    in, or None: one query, compiled once per connection (KeptSelect). Every API call
    asks this, and the ORM spent 0.4–0.7 ms building it, a third of a small call.
    None too when the row names a user that has gone since: a credential must not
    then read as having no creator (an operator's, with its whole scopes)."""
    own = [field.attname for field in model._meta.concrete_fields]
    users = [field.attname for field in User._meta.concrete_fields]
    columns = (*own, *(f"{user_field}__{name}" for name in users))
    found = KeptSelect.of(model, columns, key=key, using=router.db_for_read(model)).fetch([value])
    if not found:
        return None
    using = router.db_for_read(model)
    obj = model.from_db(using, own, found[0][: len(own)])
    user_values = found[0][len(own) :]
    if user_values[users.index(User._meta.pk.attname)] is not None:
        setattr(obj, user_field, User.from_db(using, users, user_values))
    elif getattr(obj, f"{user_field}_id") is not None:
        return None
    return obj


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
        credential = _with_user(ApiCredential, "token", key, "created_by")
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
        access = _with_user(AccessToken, "token_hash", hash_secret(token), "user")
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
