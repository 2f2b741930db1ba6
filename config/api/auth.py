"""Who is calling the API: whatever authenticates becomes an `ApiPrincipal` on
`request.auth`, admitted past the rate limit; nothing that fails to authenticate gets
further. The authenticators themselves read accounts' credentials, so they live in
accounts/api_auth.py and config/api/core.py hands them to the NinjaAPI instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING

from .errors import ApiNotAllowed, ApiThrottled
from .idempotency import claim
from .throttle import RateLimitState, take_request_token

if TYPE_CHECKING:  # annotations only: the framework imports no app
    from accounts.models import ApiCredential, User


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The rate limit's buckets: one per credential, one per user for bearer tokens and
# sessions.
CREDENTIAL_BUCKET = "credential:"
USER_BUCKET = "user:"


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
            return f"{CREDENTIAL_BUCKET}{self.credential.pk}"
        return f"{USER_BUCKET}{self.user.pk}"

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

    def require_staff_reader(self, area: str) -> None:
        """Any standard user may read users and settings (they need the emails and
        codes to fill in other resources); collaborators only see their own jobs, and
        credentials need the area's read scope."""
        if self.user is not None and self.user.is_collaborator:
            raise ApiNotAllowed()
        if self.credential is not None:
            self.require(area)


def admit(request, principal: ApiPrincipal, taken: RateLimitState | None = None) -> ApiPrincipal:
    """Let `principal` in if its bucket has a token: the one `taken` already (read
    with the credential, throttle.RequestTake), or one taken now."""
    principal.writes = request.method not in READ_METHODS
    state = taken if taken is not None else take_request_token(principal.rate_key)
    request.depot_ratelimit = state
    if state is not None and not state.allowed:
        raise ApiThrottled(state.retry_after)
    # A POST with an Idempotency-Key runs once per caller and key (no query without it).
    claim(request, principal.rate_key)
    return principal


def principal(request) -> ApiPrincipal:
    return request.auth


def open_to_collaborators(view):
    """Marks an operation of an area's router that a collaborator may call too (an
    area is otherwise closed to them): the view keeps them to their own jobs."""
    view.open_to_collaborators = True
    return view


def area_access(area: str, *, staff_reads: bool = False):
    """A router's permission, declared once: `router.add_decorator(area_access("contacts"))`
    checks every operation of the router after authentication and before its view reads
    a parameter or the body. Reads and writes need the area (a credential its read or
    write scope); with `staff_reads` any standard user may read; an operation marked
    `open_to_collaborators` admits an active collaborator."""

    def decorate(view):
        collaborators_admitted = getattr(view, "open_to_collaborators", False)

        @wraps(view)
        def checked(request, *args, **kwargs):
            who = principal(request)
            user = who.user
            if collaborators_admitted and user is not None and user.is_collaborator:
                # A bearer token or session of their own: `user.is_active` was checked
                # when it authenticated, and credentials have no user.
                return view(request, *args, **kwargs)
            if staff_reads and not who.writes:
                who.require_staff_reader(area)
            else:
                who.require(area)
            return view(request, *args, **kwargs)

        return checked

    return decorate
