"""The API's ways in, tried in order: Depot's account-wide `X-DEPOT-TOKEN` +
`X-DEPOT-SECRET` headers, `Authorization: Bearer <token>` acting as one user, and the
browser's own session (with its CSRF check). config/api/core.py hands API_AUTH to the
NinjaAPI instance; the media view asks the first and third for file downloads.
"""

import functools
from datetime import timedelta

from django.db import connections, router
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from config.api.auth import CREDENTIAL_BUCKET, USER_BUCKET, ApiPrincipal, admit
from config.api.rows import KeptSelect, ReadAhead
from config.api.throttle import TAKEN_COLUMN, RequestTake, request_take
from config.page_middleware import goes_round_pages

from .models import AccessToken, ApiCredential, User, hash_secret
from .oauth import OAUTH_SCOPE, OAuthAccessToken

LAST_USED_PRECISION = timedelta(minutes=1)


def _with_user(
    model,
    key: str,
    value,
    user_field: str,
    take=None,
    own: tuple[str, ...] | None = None,
    read_ahead: ReadAhead | None = None,
):
    """The `model` row whose unique `key` is `value`, with its `user_field` user filled
    in, or None: one query, compiled once per connection (KeptSelect). Every API call
    asks this, and the ORM spent 0.4–0.7 ms building it, a third of a small call.
    None too when the row names a user that has gone since: a credential must not
    then read as having no creator (an operator's, with its whole scopes).

    With `take` (a RequestTake, the SQL selecting the bucket's key and its
    parameters) the same statement takes the rate-limit token: returned second, the
    bucket's new full_at or None. `own` names the model's columns to read (all of
    them unless given). A `read_ahead` (the row the view will answer with) is read
    by the same statement, only when it took the token: the token and secret matched
    and the bucket had one."""
    own, users, columns = _read_columns(model, user_field, own)
    using = router.db_for_read(model)
    before = None
    if take is not None:
        along, source, source_params = take
        columns = (*columns, TAKEN_COLUMN)
        before = along.statement(source, source_params)
    selector = KeptSelect.of(model, columns, key=key, using=using)
    read_along = None
    if (
        take is not None
        and read_ahead is not None
        and read_ahead.kept.connection is selector.connection
    ):
        read_along = (read_ahead, RequestTake.TOOK_SQL)
    found = selector.fetch([value], before, read_along)
    if not found:
        return None, None
    obj = model.from_db(using, own, found[0][: len(own)])
    user_values = found[0][len(own) : len(own) + len(users)]
    full_at = found[0][-1] if take is not None else None
    if user_values[users.index(User._meta.pk.attname)] is not None:
        setattr(obj, user_field, User.from_db(using, users, user_values))
    elif getattr(obj, f"{user_field}_id") is not None:
        return None, full_at
    return obj, full_at


@functools.cache
def _read_columns(model, user_field: str, own: tuple[str, ...] | None):
    """The columns `_with_user` reads, worked out once per model and columns."""
    if own is None:
        own = tuple(field.attname for field in model._meta.concrete_fields)
    users = [field.attname for field in User._meta.concrete_fields]
    return list(own), users, (*own, *(f"{user_field}__{name}" for name in users))


@functools.cache
def _bucket_source(model, bucket: str, owner: str, *matches: str) -> str:
    """SQL selecting the rate-limit bucket (`bucket` + the `owner` column) of the
    `model` row whose `matches` columns equal the parameters that follow."""
    quote = connections[router.db_for_read(model)].ops.quote_name
    meta = model._meta
    where = " AND ".join(f"{quote(meta.get_field(name).column)} = %s" for name in matches)
    owner_column = quote(meta.get_field(owner).column)
    return f"SELECT CONCAT(%s::text, {owner_column}) FROM {quote(meta.db_table)} WHERE {where}"


def _taken_state(take, bucket: str, full_at, usable: bool):
    """The take made with the read, as `admit` wants it; given back when the row
    read turned out not to let the caller in."""
    if take is None:
        return None
    if not usable:
        if full_at is not None:
            take.give_back(bucket)
        return None
    return take.state(bucket, full_at)


def _touch_last_used(obj) -> None:
    now = timezone.now()
    if obj.last_used is None or now - obj.last_used > LAST_USED_PRECISION:
        type(obj).objects.filter(pk=obj.pk).update(last_used=now)


class DepotTokenAuth(APIKeyHeader):
    """X-DEPOT-TOKEN with X-DEPOT-SECRET."""

    param_name = "X-DEPOT-TOKEN"
    openapi_description = "Send the account token here and its secret in X-DEPOT-SECRET."

    def _get_key(self, request):
        # From the environ itself: `request.headers` copies every header into a new
        # mapping first, on each call.
        return request.META.get("HTTP_X_DEPOT_TOKEN")

    def authenticate(self, request, key):
        secret = request.META.get("HTTP_X_DEPOT_SECRET", "")
        if not key and not secret:
            return None
        # The rate-limit token is taken in the same statement when the buckets are in
        # the same PostgreSQL database, and only from the bucket of a credential whose
        # secret matches: a wrong secret spends nothing.
        take = request_take(router.db_for_read(ApiCredential))
        along = None
        if take is not None:
            source = _bucket_source(ApiCredential, CREDENTIAL_BUCKET, "id", "token", "secret_hash")
            along = (take, source, [CREDENTIAL_BUCKET, key, hash_secret(secret)])
        credential, full_at = _with_user(
            ApiCredential,
            "token",
            key,
            "created_by",
            along,
            read_ahead=getattr(request, "docket_read_ahead", None),
        )
        usable = credential is not None and credential.is_usable and credential.check_secret(secret)
        bucket = f"{CREDENTIAL_BUCKET}{credential.pk}" if credential is not None else ""
        taken = _taken_state(take, bucket, full_at, usable)
        if not usable:
            # Credentials that were sent and failed are a 403 even if the browser
            # also has a session: a revoked integration must stop working.
            raise AuthenticationError()
        _touch_last_used(credential)
        return admit(request, ApiPrincipal(credential=credential, via="token"), taken)


class DepotSecretHeader(APIKeyHeader):
    """Documents the secret header in the OpenAPI schema; DepotTokenAuth checks it."""

    param_name = "X-DEPOT-SECRET"

    def authenticate(self, request, key):
        return None


# What the API reads of an OAuth token (DOT's row also has the blank `token`, the
# ID token, resources...).
OAUTH_TOKEN_COLUMNS = ("id", "user_id", "application_id", "expires", "scope")


def _oauth_user(token_hash: str) -> User | None:
    """The user an app's OAuth access token acts as, or None: one query on DOT's
    unique `token_checksum` (the token's SHA-256, all DOT keeps of it), with the user.
    A revoked token is deleted, so it isn't found; an expired one, one for no user (a
    client-credentials token) or for an inactive user doesn't act."""
    access, _ = _with_user(
        OAuthAccessToken, "token_checksum", token_hash, "user", own=OAUTH_TOKEN_COLUMNS
    )
    if access is None or access.user_id is None or access.is_expired():
        return None
    if OAUTH_SCOPE not in access.scope.split() or not access.user.is_active:
        return None
    return access.user


class UserBearerAuth(HttpBearer):
    """Authorization: Bearer <access token>, acting as the token's user: a personal
    token (`manage.py apikey --user`) or one an OAuth app got when the user allowed it.
    Both are found by the token's SHA-256; a personal token is tried first."""

    openapi_description = (
        "A token that acts as one user: from the OAuth flow (/oauth/authorize, then "
        "/oauth/token) or `manage.py apikey --user`."
    )

    def authenticate(self, request, token):
        if not token:
            return None
        token_hash = hash_secret(token)
        take = request_take(router.db_for_read(AccessToken))
        along = None
        if take is not None:
            source = _bucket_source(AccessToken, USER_BUCKET, "user", "token_hash")
            along = (take, source, [USER_BUCKET, token_hash])
        access, full_at = _with_user(
            AccessToken,
            "token_hash",
            token_hash,
            "user",
            along,
            read_ahead=getattr(request, "docket_read_ahead", None),
        )
        if access is None:
            # Not a personal token (none was taken from a bucket): an OAuth app's,
            # whose bucket is the user's, taken by `admit`.
            user = _oauth_user(token_hash)
            if user is None:
                raise AuthenticationError()
            return admit(request, ApiPrincipal(user=user, via="oauth"))
        usable = access.is_usable
        taken = _taken_state(take, f"{USER_BUCKET}{access.user_id}", full_at, usable)
        if not usable:
            raise AuthenticationError()
        _touch_last_used(access)
        return admit(request, ApiPrincipal(user=access.user, via="bearer"), taken)


class BrowserSessionAuth(SessionAuth):
    """The signed-in browser may call the API too (CSRF checked by ninja)."""

    def _get_key(self, request):
        # A call that sent credentials is theirs alone, and went round the session
        # middleware (config/page_middleware.py). Without a signed-in session there
        # is nothing to forge: a script with no credentials gets the usual 403 about
        # credentials, not a CSRF complaint.
        if goes_round_pages(request) or not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if not user or not user.is_active:
            return None
        return admit(request, ApiPrincipal(user=user, via="session"))


API_AUTH = [DepotTokenAuth(), DepotSecretHeader(), UserBearerAuth(), BrowserSessionAuth()]
