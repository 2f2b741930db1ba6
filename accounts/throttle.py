"""Limits on guessing passwords and on asking for password-reset emails.

Each limit is a token bucket per account (the email, lower-cased) and per client
address (REMOTE_ADDR): LIMIT attempts, given back one by one over the window, so 5
sign-in failures per 15 minutes means 5 at once and then one more every 3 minutes.
The buckets are the API rate limit's (config.api.throttle): a take is one atomic step
in the database or in Redis, so a parallel burst of guesses gets exactly the limit
checked against the password. A sign-in attempt takes its tokens before its password
is checked; the right password fills the account's bucket again and gives the
address its token back. The numbers are settings (DOCKET_SIGNIN_*, DOCKET_RESET_*);
0 turns one off.
"""

import hashlib
import math
from dataclasses import dataclass

from django.conf import settings

from config.api.throttle import clear_bucket, give_token_back, peek_token, take_token


def client_address(request) -> str:
    """The address a request came from; behind a proxy, make it pass the client's
    address as REMOTE_ADDR, or every visitor shares the proxy's limit."""
    if request is None:
        return ""
    return request.META.get("REMOTE_ADDR", "") or ""


def _digest(value: str) -> str:
    # Emails run to 254 characters, a bucket's key to 100; and the table or Redis
    # need not hold who tried to sign in.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Refusal:
    about: str  # "email" or "address"
    seconds: int  # until the next attempt is let through

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.seconds / 60))
        source = "for this email" if self.about == "email" else "from your network"
        return (
            f"Too many failed sign-ins {source}. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )


@dataclass(frozen=True)
class Limit:
    about: str  # "email" or "address"
    key: str
    limit: int
    window: int

    def take(self) -> Refusal | None:
        token = take_token(self.key, self.limit, self.window)
        return None if token.allowed else Refusal(self.about, token.retry_after)

    def refusal(self) -> Refusal | None:
        token = peek_token(self.key, self.limit, self.window)
        return None if token.allowed else Refusal(self.about, token.retry_after)

    def give_back(self) -> None:
        give_token_back(self.key, self.limit, self.window)

    def clear(self) -> None:
        clear_bucket(self.key)


def _limits(kind: str, email: str, address: str, limits: tuple[int, int], window: int):
    account_limit, address_limit = limits
    found = [
        Limit("email", f"{kind}:account:{_digest(email.strip().lower())}", account_limit, window)
    ]
    if address:
        found.append(Limit("address", f"{kind}:address:{_digest(address)}", address_limit, window))
    return [limit for limit in found if limit.limit > 0]


def _sign_in_limits(email: str, address: str) -> list[Limit]:
    return _limits(
        "signin",
        email,
        address,
        (settings.DOCKET_SIGNIN_FAILURES_PER_ACCOUNT, settings.DOCKET_SIGNIN_FAILURES_PER_ADDRESS),
        settings.DOCKET_SIGNIN_WINDOW_SECONDS,
    )


def _take_all(limits: list[Limit]) -> Refusal | None:
    """One token from each limit, or none: an attempt refused by one limit gives back
    what it took from the others, as it is never made."""
    taken = []
    for limit in limits:
        if refusal := limit.take():
            for earlier in taken:
                earlier.give_back()
            return refusal
        taken.append(limit)
    return None


class SignInLocked(Exception):
    def __init__(self, refusal: Refusal):
        self.refusal = refusal
        super().__init__(refusal.message)


def sign_in_refusal(email: str, address: str) -> Refusal | None:
    """Whether sign-ins for this email or from this address are locked out now."""
    for limit in _sign_in_limits(email, address):
        if refusal := limit.refusal():
            return refusal
    return None


def begin_sign_in(email: str, address: str) -> None:
    """Take a sign-in attempt's tokens before its password is checked; SignInLocked
    when a limit has none left."""
    if refusal := _take_all(_sign_in_limits(email, address)):
        raise SignInLocked(refusal)


def sign_in_succeeded(email: str, address: str) -> None:
    """The right password: the account starts afresh and the address gets its token
    back (others behind the same address keep their failures)."""
    for limit in _sign_in_limits(email, address):
        if limit.about == "email":
            limit.clear()
        else:
            limit.give_back()


def allow_reset_email(email: str, address: str) -> bool:
    """Take a request for a password-reset email, for known and unknown emails alike
    (the answer must not tell them apart); False when over a limit."""
    limits = _limits(
        "reset",
        email,
        address,
        (settings.DOCKET_RESET_EMAILS_PER_ACCOUNT, settings.DOCKET_RESET_EMAILS_PER_ADDRESS),
        settings.DOCKET_RESET_WINDOW_SECONDS,
    )
    return _take_all(limits) is None
