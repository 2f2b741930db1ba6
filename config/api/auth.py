"""Who is calling the API: whatever authenticates becomes an `ApiPrincipal` on
`request.auth`, admitted past the rate limit; nothing that fails to authenticate gets
further. The authenticators themselves read accounts' credentials, so they live in
accounts/api_auth.py and config/api/core.py hands them to the NinjaAPI instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import ApiNotAllowed, ApiThrottled
from .throttle import take_request_token

if TYPE_CHECKING:  # annotations only: the framework imports no app
    from accounts.models import ApiCredential, User


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


def admit(request, principal: ApiPrincipal) -> ApiPrincipal:
    principal.writes = request.method not in READ_METHODS
    state = take_request_token(principal.rate_key)
    request.depot_ratelimit = state
    if state is not None and not state.allowed:
        raise ApiThrottled(state.retry_after)
    return principal


def principal(request) -> ApiPrincipal:
    return request.auth
