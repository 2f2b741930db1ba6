"""OAuth 2 apps (issue 14), the services room: registering an app, what a person has
allowed, revoking it. django-oauth-toolkit (DOT) speaks the protocol at
/oauth/authorize and /oauth/token (accounts/oauth_views.py); its tokens act as the
user who allowed the app, through the API's bearer authenticator
(accounts/api_auth.py `UserBearerAuth`, which looks them up by their SHA-256).

At rest: a client secret is a salted SHA-256 (accounts/hashers.py), shown once when
the app is registered; access and refresh tokens are kept only as their SHA-256
(`COMPLIANT_BCP_RFC9700_TOKEN_STORAGE`, DOT's `token` column stays blank); an
authorization code lives 60 seconds and is deleted when it is exchanged.
"""

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)

from config.errors import field_error, merge

from .models import PERMISSION_AREAS, User

Application = get_application_model()
OAuthAccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()

# The one scope an app gets: to act as the person who allowed it (settings.OAUTH2_PROVIDER).
OAUTH_SCOPE = "api"
APP_NAME_MAX = 100
REDIRECT_URIS_MAX = 5
REDIRECT_URI_MAX_LENGTH = 500
# Hosts an `http` redirect URI may name: the machine the app runs on (RFC 8252 §7.3).
LOOPBACK_HOSTS = ("localhost",)
# Each parameter of an authorization request, at most (a `state` is a few dozen).
REQUEST_PARAM_MAX_LENGTH = 2000


def pkce_required(client_id: str) -> bool:
    """PKCE is accepted from every app and required of public ones (no secret to
    prove who they are). Docket registers confidential apps only; Depot's flow, which
    their clients follow, sends no code challenge."""
    return not Application.objects.filter(
        client_id=client_id, client_type=Application.CLIENT_CONFIDENTIAL
    ).exists()


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _redirect_uri_problem(uri: str) -> str | None:
    """Why `uri` can't be a redirect URI, or None. https anywhere, http only to this
    machine; no fragment (RFC 6749 §3.1.2), no user name or password."""
    if len(uri) > REDIRECT_URI_MAX_LENGTH:
        return f"is longer than {REDIRECT_URI_MAX_LENGTH} characters"
    if any(char.isspace() for char in uri):
        return "has a space in it"
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "is not a URL"
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        return "must be an https:// URL"
    if parts.scheme == "http" and not _is_loopback(host):
        return "must use https:// (http:// only for 127.0.0.1, [::1] or localhost)"
    if parts.fragment or uri.endswith("#"):
        return "can't have a #fragment"
    if parts.username is not None or parts.password is not None:
        return "can't hold a user name or password"
    if "*" in uri:
        return "can't hold a wildcard"
    return None


def clean_redirect_uris(value) -> list[str]:
    """The redirect URIs, one a line (or a list), checked; the first wrong one named."""
    uris = value.split() if isinstance(value, str) else [str(uri).strip() for uri in value]
    uris = list(dict.fromkeys(uri for uri in uris if uri))
    if not uris:
        raise field_error("redirect_uris", "%(field)s: give at least one.", "required")
    if len(uris) > REDIRECT_URIS_MAX:
        raise field_error(
            "redirect_uris",
            "%(field)s: at most %(limit)s.",
            "too_many",
            limit=REDIRECT_URIS_MAX,
        )
    for uri in uris:
        problem = _redirect_uri_problem(uri)
        if problem:
            raise field_error(
                "redirect_uris",
                "%(field)s: %(uri)s %(problem)s.",
                "invalid",
                uri=uri[:80] + ("…" if len(uri) > 80 else ""),
                problem=problem,
            )
    return uris


def clean_app_name(name) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise field_error("name", "%(field)s is required.", "required")
    if len(name) > APP_NAME_MAX:
        raise field_error(
            "name",
            "%(field)s must be at most %(limit)s characters.",
            "max_length",
            limit=APP_NAME_MAX,
        )
    return name


@dataclass
class IssuedApp:
    app: Application  # type: ignore[valid-type]
    client_secret: str  # shown once; only its hash is kept


def create_app(name, redirect_uris, *, created_by: User | None = None) -> IssuedApp:
    """Register an app that signs people in with the authorization-code flow."""
    errors = []
    cleaned = {}
    for field, clean, value in (
        ("name", clean_app_name, name),
        ("redirect_uris", clean_redirect_uris, redirect_uris),
    ):
        try:
            cleaned[field] = clean(value)
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise merge(errors)
    secret = generate_client_secret()
    app = Application(
        name=cleaned["name"],
        redirect_uris=" ".join(cleaned["redirect_uris"]),
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        client_secret=secret,
        hash_client_secret=True,
        skip_authorization=False,
        user=created_by,
    )
    app.save()  # DOT's ClientSecretField hashes the secret as it saves
    return IssuedApp(app=app, client_secret=secret)


def registered_apps():
    """Every app, with how many people have it allowed now (for Settings → Apps)."""
    now = timezone.now()
    return (
        Application.objects.select_related("user")
        .annotate(
            people=Count(
                "accesstoken__user",
                filter=Q(accesstoken__expires__gt=now),
                distinct=True,
            )
        )
        .order_by("name", "pk")
    )


def delete_app(app) -> None:
    """Remove an app: its codes and tokens go with it (DOT's foreign keys cascade)."""
    app.delete()


def allowed_apps(user: User):
    """The apps `user` has allowed that can still act as them: those holding an
    unexpired access token or a live refresh token of theirs, with when they last
    allowed it (`allowed_on`)."""
    now = timezone.now()
    tokens = OAuthAccessToken.objects.filter(user=user)
    live_access = tokens.filter(expires__gt=now).values("application_id")
    live_refresh = RefreshToken.objects.filter(user=user, revoked__isnull=True).values(
        "application_id"
    )
    latest = tokens.filter(application=OuterRef("pk")).order_by("-created").values("created")
    return (
        Application.objects.filter(Q(pk__in=live_access) | Q(pk__in=live_refresh))
        .annotate(allowed_on=Subquery(latest[:1]))
        .order_by("name", "pk")
    )


@transaction.atomic
def revoke_app(user: User, app) -> int:
    """End everything `app` holds for `user`: codes not yet exchanged, access and
    refresh tokens. The next API call with them gets 403. Returns the tokens ended."""
    Grant.objects.filter(user=user, application=app).delete()
    # A refresh token points at its access token and the access token back at the
    # refresh token it came from: delete the refresh tokens first.
    RefreshToken.objects.filter(user=user, application=app).delete()
    ended, _ = OAuthAccessToken.objects.filter(user=user, application=app).delete()
    return ended


def reach_of(user: User) -> list[str]:
    """What an app allowed by `user` could reach, in words, for the consent page."""
    if user.is_collaborator:
        return ["The jobs you work on: their items and actions, and your time on them"]
    areas = [label for area, label in PERMISSION_AREAS.items() if user.can(area)]
    return areas or ["Nothing beyond your own notifications and tasks"]


def check_request_lengths(params) -> None:
    """An authorization request's parameters, each held to a sane length."""
    long = [key for key, value in params.items() if len(value) > REQUEST_PARAM_MAX_LENGTH]
    if long:
        raise merge(
            [
                field_error(
                    key[:40],
                    "%(field)s is longer than %(limit)s characters.",
                    "max_length",
                    limit=REQUEST_PARAM_MAX_LENGTH,
                )
                for key in long
            ]
        )
