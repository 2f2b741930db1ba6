"""Limits on guessing passwords and on asking for password-reset emails.

Each limit is a counter per account (the email, lower-cased) and per client address
(REMOTE_ADDR), kept in the cache every web worker shares (the one the API rate limit
uses). A counter starts with the first attempt and lasts one window: `cache.add`
creates it with the window as its timeout and `cache.incr` counts. A sign-in attempt
is counted before its password is checked, so a burst of parallel guesses can't all
get in before the first failure is recorded; a successful sign-in gives its count
back. The numbers are settings (DOCKET_SIGNIN_*, DOCKET_RESET_*); 0 turns one off.
"""

import contextlib
import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


def client_address(request) -> str:
    """The address a request came from; behind a proxy, make it pass the client's
    address as REMOTE_ADDR, or every visitor shares the proxy's counter."""
    if request is None:
        return ""
    return request.META.get("REMOTE_ADDR", "") or ""


def _digest(value: str) -> str:
    # Emails and IPv6 addresses hold characters some cache backends refuse in keys.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Counter:
    key: str
    limit: int
    window: int

    @property
    def on(self) -> bool:
        return self.limit > 0

    @property
    def _until_key(self) -> str:
        return f"{self.key}:until"

    def count(self) -> int:
        return cache.get(self.key, 0)

    def take(self) -> int:
        """Count one more attempt and answer how many this window has seen."""
        if cache.add(self.key, 0, self.window):
            cache.set(self._until_key, time.time() + self.window, self.window)
        try:
            count = cache.incr(self.key)
        except ValueError:  # the window ended between add and incr: a new one
            cache.set(self.key, 1, self.window)
            cache.set(self._until_key, time.time() + self.window, self.window)
            return 1
        self._keep_window()
        return count

    def give_back(self) -> None:
        with contextlib.suppress(ValueError):  # the window has ended meanwhile
            cache.decr(self.key)
            self._keep_window()

    def _keep_window(self) -> None:
        # The database cache's incr/decr store the value again with the default
        # timeout; the window still ends where it began plus its length.
        cache.touch(self.key, self.seconds_left())

    def clear(self) -> None:
        cache.delete_many([self.key, self._until_key])

    def seconds_left(self) -> int:
        until = cache.get(self._until_key)
        if until is None:
            return self.window
        return max(1, math.ceil(until - time.time()))


def _counters(kind: str, email: str, address: str, limits: tuple[int, int], window: int):
    account_limit, address_limit = limits
    counters = [
        (
            "email",
            Counter(f"{kind}:account:{_digest(email.strip().lower())}", account_limit, window),
        )
    ]
    if address:
        counters.append(
            ("address", Counter(f"{kind}:address:{_digest(address)}", address_limit, window))
        )
    return [(about, counter) for about, counter in counters if counter.on]


def _sign_in_counters(email: str, address: str):
    return _counters(
        "signin",
        email,
        address,
        (settings.DOCKET_SIGNIN_FAILURES_PER_ACCOUNT, settings.DOCKET_SIGNIN_FAILURES_PER_ADDRESS),
        settings.DOCKET_SIGNIN_WINDOW_SECONDS,
    )


@dataclass(frozen=True)
class Refusal:
    about: str  # "email" or "address"
    seconds: int

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.seconds / 60))
        source = "for this email" if self.about == "email" else "from your network"
        return (
            f"Too many failed sign-ins {source}. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )


class SignInLocked(Exception):
    def __init__(self, refusal: Refusal):
        self.refusal = refusal
        super().__init__(refusal.message)


def sign_in_refusal(email: str, address: str) -> Refusal | None:
    """Whether sign-ins for this email or from this address are locked out now."""
    for about, counter in _sign_in_counters(email, address):
        if counter.count() >= counter.limit:
            return Refusal(about, counter.seconds_left())
    return None


def begin_sign_in(email: str, address: str) -> None:
    """Count a sign-in attempt before its password is checked; SignInLocked when
    this one is over a limit."""
    for about, counter in _sign_in_counters(email, address):
        if counter.take() > counter.limit:
            raise SignInLocked(Refusal(about, counter.seconds_left()))


def sign_in_succeeded(email: str, address: str) -> None:
    """The right password: the account starts afresh and the address gets its count
    back (others behind the same address keep theirs)."""
    for about, counter in _sign_in_counters(email, address):
        if about == "email":
            counter.clear()
        else:
            counter.give_back()


def allow_reset_email(email: str, address: str) -> bool:
    """Count a request for a password-reset email, for known and unknown emails
    alike (the answer must not tell them apart); False when over a limit."""
    counters = _counters(
        "reset",
        email,
        address,
        (settings.DOCKET_RESET_EMAILS_PER_ACCOUNT, settings.DOCKET_RESET_EMAILS_PER_ADDRESS),
        settings.DOCKET_RESET_WINDOW_SECONDS,
    )
    allowed = True
    for _, counter in counters:
        if counter.take() > counter.limit:
            allowed = False
    return allowed
