"""Safe retries: a POST that carries `Idempotency-Key: <the client's string>` runs once
per caller and key. A repeat within KEPT_FOR (the same credential, or the same user
through a bearer token or the browser) gets the first answer again, its status, body
and content type, without running; the same key on a different request is a 409.

The steps, all in the shared API layer so every resource has them:

* `claim`, from `config.api.auth.admit` once the caller has authenticated (and passed
  the rate limit): checks the header, then inserts the (caller, key) row that marks
  the request as running. The row's unique constraint is the lock: of two requests
  with one key only one insert succeeds, in every worker and on every database; the
  other reads the row and answers from it (the stored answer, or a 409 while the
  first is still running). A request that changes nothing pays nothing: without the
  header there is no query, and GET, PATCH and DELETE ignore it.
* `settle`, from `config.api.middleware.DepotApiMiddleware` after the view: keeps
  the answer on the row, or deletes the row when the answer says nothing happened
  and the same request is worth sending again (a 5xx, 401 or 409), so that retry runs.
* `delete_expired_keys`, hourly from the worker (config/api/tasks.py); a claim
  deletes an expired row of its own key first, so an old row is never read.

The request's fingerprint is the SHA-256 of its method, path (with the `.json` /
`.xml` suffix and query string) and body. A multipart body is read as its fields and
files rather than its bytes: clients pick a new random boundary for each send.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone

from .errors import ApiError, ApiValidationError
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
META_KEY = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = IdempotencyKey._meta.get_field("key").max_length
KEPT_FOR = timedelta(hours=24)
# A row still marked running after this long belongs to a request that died with its
# worker (gunicorn kills a worker after 30 s): the next request with its key runs.
ABANDONED_AFTER = timedelta(minutes=10)
# Answers that change nothing and are worth retrying as they are: not kept.
NOT_KEPT = frozenset({401, 409, 429})
CLAIM_ATTEMPTS = 3

IN_PROGRESS = f"A request with this {HEADER} is still in progress; try again when it has finished."
OTHER_REQUEST = (
    f"This {HEADER} was already used for a different request (another method, address "
    "or body); send a new key for a new request."
)


class IdempotencyConflict(ApiError):
    status = 409

    def __init__(self, msg: str):
        self.msg = msg
        super().__init__(msg)


class IdempotentReplay(Exception):
    """The stored answer to give instead of running the request again."""

    def __init__(self, response: HttpResponse):
        self.response = response
        super().__init__("replay")


def claim(request, caller: str) -> None:
    """For a POST with the header: mark (caller, key) as running, or raise what to
    answer instead. `caller` is the principal's rate-limit key ("credential:3", "user:7")."""
    if request.method != "POST" or META_KEY not in request.META:
        return
    key = request.META[META_KEY]
    if not key.strip():
        raise ApiValidationError(f"{HEADER} must not be empty.", field=HEADER)
    if "\x00" in key:  # PostgreSQL refuses NUL in text
        raise ApiValidationError(f"{HEADER} must not contain NUL characters.", field=HEADER)
    if len(key) > MAX_KEY_LENGTH:
        raise ApiValidationError(
            f"{HEADER} must be at most {MAX_KEY_LENGTH} characters (it has {len(key)}).",
            field=HEADER,
        )
    fingerprint = request_fingerprint(request)
    for _ in range(CLAIM_ATTEMPTS):
        now = timezone.now()
        IdempotencyKey.objects.filter(
            Q(created_at__lt=now - KEPT_FOR)
            | Q(status_code__isnull=True, created_at__lt=now - ABANDONED_AFTER),
            caller=caller,
            key=key,
        ).delete()
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    caller=caller, key=key, fingerprint=fingerprint, created_at=now
                )
        except IntegrityError:
            pass
        else:
            request.depot_idempotency = row.pk
            return
        first = IdempotencyKey.objects.filter(caller=caller, key=key).first()
        if first is None or first.created_at < timezone.now() - KEPT_FOR:
            continue  # let go (or expired) since: try again
        if first.fingerprint != fingerprint:
            raise IdempotencyConflict(OTHER_REQUEST)
        if first.status_code is None:
            raise IdempotencyConflict(IN_PROGRESS)
        raise IdempotentReplay(replayed(first))
    raise IdempotencyConflict(IN_PROGRESS)


def replayed(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(row.body), status=row.status_code)
    if row.content_type:
        response["Content-Type"] = row.content_type
    else:
        del response["Content-Type"]
    response["Idempotent-Replayed"] = "true"
    return response


def settle(request, response: HttpResponse | None) -> None:
    """After the view of a claimed request: keep its answer, or let the key go."""
    pk = getattr(request, "depot_idempotency", None)
    if pk is None:
        return
    request.depot_idempotency = None
    rows = IdempotencyKey.objects.filter(pk=pk)
    if (
        response is None
        or response.streaming
        or response.status_code >= 500
        or response.status_code in NOT_KEPT
    ):
        rows.delete()
        return
    rows.update(
        status_code=response.status_code,
        content_type=response.get("Content-Type", ""),
        body=response.content,
    )


def request_fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\0")
    digest.update(request.get_full_path().encode())
    digest.update(b"\0")
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("multipart/form-data"):
        _digest_form(digest, request)
    else:
        digest.update(content_type.encode())
        digest.update(b"\0")
        digest.update(request.body)
    return digest.hexdigest()


def _digest_form(digest, request) -> None:
    digest.update(b"multipart\0")
    for name, values in sorted(request.POST.lists()):
        for value in values:
            _digest_part(digest, name, value.encode())
    for name, files in sorted(request.FILES.lists()):
        for upload in files:
            _digest_part(digest, name, f"{upload.name}\0{upload.size}".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)


def _digest_part(digest, name: str, value: bytes) -> None:
    # Lengths first, so no two different forms run together into the same bytes.
    encoded = name.encode()
    digest.update(f"{len(encoded)}:{len(value)}:".encode())
    digest.update(encoded)
    digest.update(value)


def delete_expired_keys() -> int:
    """Rows older than KEPT_FOR: their keys may run again. The worker runs this hourly."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEPT_FOR).delete()
    return deleted
