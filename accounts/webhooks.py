"""Webhooks (issue 14): the services room of webhooks, their events and deliveries.

Events. The apps above register what they send (`register_webhook_events`: an object
kind such as "invoice", its actions, and the function that renders the object's API
GET row) from their `AppConfig.ready`, and their services call `record(event, pk)`
inside the transaction that made the change. `record` costs nothing unless some active
webhook wants that event (`wanted_events`, a set kept in each process's memory for
`WANTED_TTL` seconds and forgotten at once when this process saves a webhook); then it
renders the object as the API's GET returns it and writes one row, `WebhookEvent`,
whose body every delivery sends byte for byte. Rolled back, the row goes with the
change and nothing is sent.

Deliveries. Once the transaction commits the worker makes one `WebhookDelivery` per
active webhook wanting the event (`dispatch`, claimed with one conditional UPDATE of the
event's `dispatched`, so a task run twice makes them once) and posts each (`attempt`).
An attempt claims its delivery with one conditional UPDATE (queued or retrying, and
due, becomes sending): of two runs only one posts. A 2xx answer is success; anything
else (another status, a redirect, which is never followed, a refused address, no answer
within `TIMEOUT_SECONDS`) is retried after `RETRY_DELAYS` (10 s, 1 min, 5 min, 30 min,
2 h, then every 4 to 8 hours) until `GIVE_UP_AFTER` (24 hours) from the delivery, then the
delivery has failed. `WEBHOOK_FAILURES_TO_DISABLE` deliveries failed for good in a row
switch the webhook off and notify its owner. A worker that dies between the receiver's
answer and the mark leaves a delivery "sending"; after `LOST_AFTER` it is retried, so a
receiver may see an event twice: the `X-Docket-Delivery` header (the event's id) is the
same each time, for it to drop a repeat. `deliver_due` (the worker, every minute) is the
safety net for a lost task: events not yet dispatched, deliveries due.

Requests. `post` resolves the URL's host, refuses loopback, private, link-local and
other non-global addresses unless `DOCKET_WEBHOOK_ALLOW_PRIVATE`, and connects to the
address it checked (TLS still verifies the host name), so a second DNS answer can't
switch it; redirects are not followed.
"""

import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypedDict, Unpack
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from config.api.errors import ApiNotFound
from config.api.rendering import render_json
from config.errors import Refusals, field_error
from config.keywords import only_known
from config.text import clean_values

from .models import (
    PERMISSION_AREAS,
    ApiCredential,
    Notification,
    User,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)
from .services import has_full_access, notify

TIMEOUT_SECONDS = 10
RETRY_DELAYS = (10, 60, 5 * 60, 30 * 60, 2 * 3600, 4 * 3600, 8 * 3600, 8 * 3600)
GIVE_UP_AFTER = timedelta(hours=24)
LOST_AFTER = timedelta(minutes=10)
# Deliveries that failed for good in a row before the webhook is switched off.
WEBHOOK_FAILURES_TO_DISABLE = 5
WANTED_TTL = 5.0
RESPONSE_READ_LIMIT = 64 * 1024
USER_AGENT = "Docket-Webhooks/1"
URL_MAX = Webhook._meta.get_field("url").max_length
DESCRIPTION_MAX = Webhook._meta.get_field("description").max_length
REASON_MAX = WebhookDelivery._meta.get_field("reason").max_length
DELIVERIES_SHOWN = 50
# What one round of `deliver_due` takes on (the next round, a minute later, goes on).
SWEEP_LIMIT = 100
# Events (and their deliveries' log) are kept this long once nothing is left to send.
KEEP_EVENTS = timedelta(days=30)

# --- the events the apps send -----------------------------------------------------------


@dataclass(frozen=True)
class EventKind:
    kind: str
    actions: tuple[str, ...]
    render: Callable[[int], dict | None]


_KINDS: dict[str, EventKind] = {}


def register_webhook_events(
    kind: str, actions: tuple[str, ...], render: Callable[[int], dict | None]
) -> None:
    """An app's objects of `kind` ("invoice") send "<kind>.<action>" events;
    `render(pk)` gives the object as the API's GET returns it (None if it is gone)."""
    _KINDS[kind] = EventKind(kind, tuple(actions), render)


def event_names() -> list[str]:
    """Every event a webhook may want, in the apps' order: "contact.created", ..."""
    return [f"{kind.kind}.{action}" for kind in _KINDS.values() for action in kind.actions]


def api_request() -> HttpRequest:
    """The request the renderers read rows with: a GET with no parameters (every flag
    at its default, JSON), on DOCKET_BASE_URL for absolute links (images)."""
    base = urlsplit(settings.DOCKET_BASE_URL)
    request = HttpRequest()
    request.method = "GET"
    request.GET = QueryDict()
    secure = base.scheme == "https"
    request.META = {
        "SERVER_NAME": base.hostname or "localhost",
        "SERVER_PORT": str(base.port or (443 if secure else 80)),
        "HTTP_HOST": base.netloc or "localhost",
        "wsgi.url_scheme": base.scheme or "http",
    }
    request.depot_format = "json"
    request.is_secure = lambda: secure
    return request


def api_renderer(one: Callable) -> Callable[[int], dict | None]:
    """`render(pk)` from a resource's `one(request, pk)`, the function its GET answers
    with (ApiNotFound when there is no such object): the same row, byte for byte."""

    def render(pk: int) -> dict | None:
        try:
            return one(api_request(), pk)
        except ApiNotFound:
            return None

    return render


# --- which events are wanted ----------------------------------------------------------

_wanted: tuple[float, frozenset[str]] | None = None


def wanted_events() -> frozenset[str]:
    """The events some active webhook wants. Kept in this process's memory for
    WANTED_TTL seconds: a write's check costs no query; another process sees a webhook
    added or switched off within those seconds (one it no longer wants is not sent,
    `dispatch` checks again)."""
    global _wanted
    now = time.monotonic()
    if _wanted is None or _wanted[0] <= now:
        wanted: set[str] = set()
        for events in Webhook.objects.filter(active=True).values_list("events", flat=True):
            wanted.update(events or [])
        _wanted = (now + WANTED_TTL, frozenset(wanted))
    return _wanted[1]


def forget_wanted_events() -> None:
    global _wanted
    _wanted = None


def _webhooks_changed() -> None:
    forget_wanted_events()
    transaction.on_commit(forget_wanted_events)


# --- recording an event (inside the change's transaction) ------------------------------


def new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


def record(event: str, pk: int, *, data: dict | None = None) -> WebhookEvent | None:
    """Record that `event` ("invoice.issued") happened to the object `pk`, if any active
    webhook wants it; call it inside the transaction that made the change, after the
    change (a deletion: before it, or with `data` read before). One INSERT; the worker
    delivers it once the transaction commits."""
    if event not in wanted_events():
        return None
    if data is None:
        data = _KINDS[event.partition(".")[0]].render(pk)
        if data is None:
            return None
    now = timezone.now()
    uid = new_event_id()
    body = render_json({"id": uid, "event": event, "created": int(now.timestamp()), "data": data})
    recorded = WebhookEvent.objects.create(uid=uid, event=event, created=now, body=body.decode())
    _enqueue_dispatch(recorded.pk)
    return recorded


def render_for_deletion(kind: str, pk: int) -> dict | None:
    """An object's row read before it is deleted, for its "deleted" event: None (and no
    query) when nobody wants that event."""
    if f"{kind}.deleted" not in wanted_events():
        return None
    return _KINDS[kind].render(pk)


def record_deleted(kind: str, pk: int, data: dict | None) -> None:
    if data is not None:
        record(f"{kind}.deleted", pk, data=data)


def _enqueue_dispatch(event_pk: int) -> None:
    from .tasks import dispatch_webhook_event

    transaction.on_commit(lambda: dispatch_webhook_event(event_pk))


def _enqueue_attempt(delivery_pk: int, delay: float | None = None) -> None:
    from .tasks import deliver_webhook

    if delay:
        transaction.on_commit(lambda: deliver_webhook.schedule(args=(delivery_pk,), delay=delay))
    else:
        transaction.on_commit(lambda: deliver_webhook(delivery_pk))


# --- webhooks: add, change, remove ----------------------------------------------------


class WebhookFields(TypedDict, total=False):
    url: str
    events: list[str] | str
    active: bool
    description: str


def allow_private() -> bool:
    return bool(getattr(settings, "DOCKET_WEBHOOK_ALLOW_PRIVATE", False))


def _is_loopback_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def clean_url(value) -> str:
    url = str(value or "").strip()
    if not url:
        raise field_error("url", "%(field)s is required.", "required")
    if len(url) > URL_MAX:
        raise field_error(
            "url", "%(field)s must be at most %(limit)s characters.", "max_length", limit=URL_MAX
        )
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 (a bad port raises here)
    except ValueError:
        raise field_error("url", "%(field)s is not a valid URL.", "invalid") from None
    if parts.scheme not in ("http", "https") or not host or any(c in url for c in " \t\r\n"):
        raise field_error(
            "url", "%(field)s must be a web address such as https://example.com/hook.", "invalid"
        )
    if parts.username is not None or parts.password is not None:
        raise field_error("url", "%(field)s must not hold a user name or password.", "invalid")
    if parts.scheme == "http" and not (allow_private() and _is_loopback_host(host)):
        raise field_error(
            "url",
            "%(field)s must start with https:// (plain http:// only reaches this machine, "
            "in development).",
            "insecure",
        )
    literal = host.strip("[]")
    try:
        ipaddress.ip_address(literal)
    except ValueError:
        literal = ""
    if not allow_private() and (
        (literal and not _public(literal)) or _is_loopback_host(host) or host.endswith(".local")
    ):
        raise field_error(
            "url",
            "%(field)s must not point at a loopback, private or link-local address.",
            "private",
        )
    return url


def clean_events(value) -> list[str]:
    """A list of event names, or them comma separated, or JSON-encoded (as a GET shows
    them); each once, in the catalogue's order."""
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            raise field_error("events", "%(field)s must be valid JSON.", "invalid") from None
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list | tuple):
        items = list(value)
    elif value is None:
        items = []
    else:
        raise field_error("events", "%(field)s must be a list of event names.", "invalid")
    names = [str(item).strip() for item in items if str(item).strip()]
    if not names:
        raise field_error("events", "Choose at least one event.", "required")
    known = event_names()
    unknown = [name for name in dict.fromkeys(names) if name not in known]
    if unknown:
        raise field_error(
            "events",
            "%(field)s names events Docket doesn't send: %(names)s (see the list of events).",
            "unknown",
            names=", ".join(f"'{name[:40]}'" for name in unknown[:10]),
        )
    chosen = set(names)
    return [name for name in known if name in chosen]


def _clean_description(value) -> str:
    text = " ".join(str(value or "").split())
    if len(text) > DESCRIPTION_MAX:
        raise field_error(
            "description",
            "%(field)s must be at most %(limit)s characters.",
            "max_length",
            limit=DESCRIPTION_MAX,
        )
    return text


def _cleaned(fields: dict, *, partial: bool) -> dict:
    refusals = Refusals()
    check, errors = refusals.check, refusals.errors
    values = {}
    if "url" in fields or not partial:
        values["url"] = check(clean_url, fields.get("url"))
    if "events" in fields or not partial:
        values["events"] = check(clean_events, fields.get("events"))
    if "description" in fields:
        values["description"] = check(_clean_description, fields["description"])
    if "active" in fields and fields["active"] is not None:
        values["active"] = bool(fields["active"])
    if errors:
        raise ValidationError(errors)
    return values


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


@transaction.atomic
def create_webhook(*, created_by=None, **fields: Unpack[WebhookFields]) -> tuple[Webhook, str]:
    """A new webhook and its secret, which is shown this once."""
    values = _cleaned(clean_values(only_known(fields, WebhookFields)), partial=False)
    secret = new_secret()
    webhook = Webhook.objects.create(
        **values, secret=secret, created_by=created_by if isinstance(created_by, User) else None
    )
    _webhooks_changed()
    return webhook, secret


@transaction.atomic
def update_webhook(webhook: Webhook, **fields: Unpack[WebhookFields]) -> Webhook:
    """Change a webhook; switching it back on clears its count of failures."""
    values = _cleaned(clean_values(only_known(fields, WebhookFields)), partial=True)
    if values.get("active") and not webhook.active:
        values.update(failures=0, disabled_reason="")
    for name, value in values.items():
        setattr(webhook, name, value)
    webhook.save()
    _webhooks_changed()
    return webhook


@transaction.atomic
def delete_webhook(webhook: Webhook) -> None:
    webhook.delete()
    _webhooks_changed()


def redeliver(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's event to its webhook again, as a new delivery (same event id,
    so the receiver can tell it is the same event), whatever became of the first."""
    with transaction.atomic():
        again = WebhookDelivery.objects.create(webhook=delivery.webhook, event=delivery.event)
        _enqueue_attempt(again.pk)
    return again


def deliveries_of(webhook: Webhook) -> list[WebhookDelivery]:
    return list(webhook.deliveries.select_related("event")[:DELIVERIES_SHOWN])


# --- the worker: dispatching and posting ----------------------------------------------


def dispatch(event_pk: int) -> int:
    """Make the event's deliveries, one per active webhook that wants it, once; queue
    them after commit. Returns how many were made by this run."""
    with transaction.atomic():
        if not WebhookEvent.objects.filter(pk=event_pk, dispatched=False).update(dispatched=True):
            return 0
        event = WebhookEvent.objects.get(pk=event_pk)
        webhooks = [
            webhook
            for webhook in Webhook.objects.filter(active=True).only("pk", "events")
            if event.event in (webhook.events or [])
        ]
        made = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(webhook=webhook, event=event) for webhook in webhooks
        )
        for delivery in made:
            pk = delivery.pk
            if pk is None:  # backends that don't return ids from bulk_create
                pk = WebhookDelivery.objects.get(webhook=delivery.webhook, event=event).pk
            _enqueue_attempt(pk)
    return len(made)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<epoch seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class Refused(Exception):
    """The URL may not be called (its address), said in words for the log."""


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to now."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def checked_address(host: str, port: int) -> str:
    """The address to connect to: `host` resolved, every address it has checked."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Refused(f"The host {host} could not be found ({exc}).") from None
    addresses = [info[4][0] for info in found]
    if not addresses:
        raise Refused(f"The host {host} could not be found.")
    if not allow_private():
        for address in addresses:
            if not _public(address):
                raise Refused(
                    f"Refused: {host} resolves to {address}, a loopback, private or "
                    "link-local address."
                )
    return addresses[0]


@dataclass
class Answer:
    status: int
    duration_ms: int


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` to `url` at the address checked by `checked_address`; the answer's
    status (redirects not followed). Raises Refused, OSError or a timeout."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    host = parts.hostname or ""
    address = checked_address(host, port)
    connection_class = _PinnedHTTPSConnection if secure else _PinnedHTTPConnection
    connection = connection_class(host, port, address, TIMEOUT_SECONDS)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(RESPONSE_READ_LIMIT)
        status = response.status
    finally:
        connection.close()
    return Answer(status, int((time.monotonic() - started) * 1000))


def _failure(exc: Exception) -> str:
    if isinstance(exc, Refused):
        reason = str(exc)
    elif isinstance(exc, TimeoutError | socket.timeout):
        reason = f"No answer within {TIMEOUT_SECONDS} seconds."
    elif isinstance(exc, ssl.SSLError):
        reason = f"The secure connection failed: {exc.reason or exc}"
    elif isinstance(exc, OSError):
        reason = f"Could not connect: {exc.strerror or exc}"
    else:
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return reason if len(reason) <= REASON_MAX else reason[: REASON_MAX - 1] + "…"


def _claim(delivery_pk: int, now: datetime) -> bool:
    due = Q(next_attempt__isnull=True) | Q(next_attempt__lte=now)
    claimable = Q(state=WebhookDelivery.State.QUEUED) | Q(state=WebhookDelivery.State.RETRYING)
    return bool(
        WebhookDelivery.objects.filter(claimable & due, pk=delivery_pk).update(
            state=WebhookDelivery.State.SENDING, attempts=F("attempts") + 1, last_attempt=now
        )
    )


def next_delay(delivery: WebhookDelivery, now: datetime) -> float | None:
    """Seconds until the next attempt, or None when it is time to give up: 24 hours
    after the delivery was made (a Redeliver has its own 24 hours)."""
    delay = RETRY_DELAYS[min(delivery.attempts, len(RETRY_DELAYS)) - 1]
    if now + timedelta(seconds=delay) > delivery.created + GIVE_UP_AFTER:
        return None
    return delay


def attempt(delivery_pk: int, *, now: datetime | None = None) -> bool:
    """Post the delivery if it is due and no other run has it (see the module's note).
    Returns whether this run posted it and the receiver took it."""
    now = now or timezone.now()
    if not _claim(delivery_pk, now):
        return False
    delivery = WebhookDelivery.objects.select_related("webhook", "event").get(pk=delivery_pk)
    webhook, event = delivery.webhook, delivery.event
    status = duration = None
    if not webhook.active:
        reason = "The webhook is switched off."
    else:
        body = event.body.encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Docket-Event": event.event,
            "X-Docket-Delivery": event.uid,
            "X-Docket-Signature": signature(webhook.secret, timestamp, body),
        }
        try:
            answer = post(webhook.url, body, headers)
        except Exception as exc:  # noqa: BLE001 (every failure is retried, in words)
            reason = _failure(exc)
        else:
            status, duration = answer.status, answer.duration_ms
            if 200 <= status < 300:
                _record_success(delivery, status, duration)
                return True
            reason = f"The receiver answered {status}" + (
                " (redirects are not followed)." if 300 <= status < 400 else "."
            )
    _record_failure(delivery, now, reason, status, duration)
    return False


def _record_success(delivery: WebhookDelivery, status: int, duration: int) -> None:
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk, state=WebhookDelivery.State.SENDING).update(
            state=WebhookDelivery.State.SUCCEEDED,
            response_code=status,
            duration_ms=duration,
            reason="",
            next_attempt=None,
        )
        Webhook.objects.filter(pk=delivery.webhook_id, failures__gt=0).update(failures=0)


def _record_failure(delivery, now, reason: str, status, duration) -> None:
    delay = next_delay(delivery, now) if delivery.webhook.active else None
    with transaction.atomic():
        values = {"response_code": status, "duration_ms": duration, "reason": reason}
        if delay is not None:
            values.update(
                state=WebhookDelivery.State.RETRYING,
                next_attempt=now + timedelta(seconds=delay),
            )
        else:
            values.update(state=WebhookDelivery.State.FAILED, next_attempt=None)
        marked = WebhookDelivery.objects.filter(
            pk=delivery.pk, state=WebhookDelivery.State.SENDING
        ).update(**values)
        if not marked:
            return
        if delay is not None:
            _enqueue_attempt(delivery.pk, delay)
        elif delivery.webhook.active:
            _count_failure(delivery.webhook)


def _count_failure(webhook: Webhook) -> None:
    """A delivery failed for good: one more in a row; at the limit the webhook is
    switched off and its owner (or, without one, the administrators) told."""
    Webhook.objects.filter(pk=webhook.pk).update(failures=F("failures") + 1)
    webhook = Webhook.objects.select_for_update().get(pk=webhook.pk)
    if not webhook.active or webhook.failures < WEBHOOK_FAILURES_TO_DISABLE:
        return
    reason = (
        f"Switched off after {webhook.failures} deliveries in a row failed for 24 hours "
        "each. Check the receiver, then switch it back on."
    )
    webhook.active = False
    webhook.disabled_reason = reason
    webhook.save(update_fields=["active", "disabled_reason", "lastupdated"])
    _webhooks_changed()
    owner = webhook.created_by
    users = (
        [owner]
        if owner is not None and owner.is_active
        else list(User.objects.filter(is_active=True, is_superuser=True))
    )
    notify(
        Notification.Type.WEBHOOK_DISABLED,
        title=f"Webhook to {webhook.url} was switched off",
        users=users,
        link=f"webhook/{webhook.pk}",
        content=reason,
    )


def deliver_due(*, now: datetime | None = None) -> int:
    """The worker's round (every minute): events whose dispatch was lost, deliveries
    due whose task was lost, and those left "sending" by a worker that died. Returns
    how many deliveries it posted."""
    now = now or timezone.now()
    for event_pk in WebhookEvent.objects.filter(
        dispatched=False, created__lte=now - timedelta(minutes=1)
    ).values_list("pk", flat=True)[:SWEEP_LIMIT]:
        dispatch(event_pk)
    WebhookDelivery.objects.filter(
        state=WebhookDelivery.State.SENDING, last_attempt__lte=now - LOST_AFTER
    ).update(state=WebhookDelivery.State.RETRYING, next_attempt=now)
    due = WebhookDelivery.objects.filter(
        Q(state=WebhookDelivery.State.QUEUED, created__lte=now - timedelta(minutes=1))
        | Q(state=WebhookDelivery.State.RETRYING, next_attempt__lte=now)
    ).values_list("pk", flat=True)[:SWEEP_LIMIT]
    return sum(attempt(pk, now=now) for pk in list(due))


def may_manage_webhooks(actor) -> bool:
    """Webhooks carry changes from every area: a user with full access, or a credential
    that may read every area (within its creator's access)."""
    if isinstance(actor, ApiCredential):
        return all(actor.allows(area, write=False) for area in PERMISSION_AREAS)
    return actor is not None and has_full_access(actor)


def purge_old_events(*, now: datetime | None = None) -> int:
    """Events older than KEEP_EVENTS with nothing still to send go, with their
    deliveries (the log). Returns how many events went."""
    now = now or timezone.now()
    pending = WebhookDelivery.objects.filter(
        state__in=[
            WebhookDelivery.State.QUEUED,
            WebhookDelivery.State.SENDING,
            WebhookDelivery.State.RETRYING,
        ]
    ).values("event_id")
    old = WebhookEvent.objects.filter(created__lt=now - KEEP_EVENTS).exclude(pk__in=pending)
    deleted, by_model = old.delete()
    return by_model.get(WebhookEvent._meta.label, 0)
