"""Emails about accounts. Sending is idempotent per user and purpose, because huey
may run a task twice after a retry."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import AccountSettings, User
from .services import NOT_ONE_LINE


def set_password_url(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:invite_accept", kwargs={"uidb64": uid, "token": token})
    return settings.DOCKET_BASE_URL + path


def send_invitation(user_id: int, requested_at: datetime) -> bool:
    """Send the invitation asked for at `requested_at`, unless one already went out
    after that moment (a retried task) or they have set a password since."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password():
        return False
    if user.invitation_sent is not None and user.invitation_sent >= requested_at:
        return False
    account = AccountSettings.load()
    context = {"user": user, "account": account, "url": set_password_url(user)}
    try:
        send_mail(
            subject=f"You're invited to {header_text(account.company_name)} on Docket",
            message=render_to_string("accounts/email/invitation.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )
    except Exception as exc:
        # Recorded where an admin looks (the user's row and page), then raised for
        # huey to log and retry.
        User.objects.filter(pk=user.pk).update(
            invitation_failed=timezone.now(), invitation_error=failure_reason(exc)
        )
        raise
    User.objects.filter(pk=user.pk).update(
        invitation_sent=timezone.now(), invitation_failed=None, invitation_error=""
    )
    return True


def header_text(text: str) -> str:
    """A value for a header as one line: names are checked when saved, but one
    saved before that check must not break every email that carries it."""
    return " ".join(NOT_ONE_LINE.sub(" ", text).split())


def failure_reason(exc: Exception) -> str:
    """Why an email could not be sent, in words an admin can act on."""
    if isinstance(exc, OSError) and exc.strerror:
        reason = exc.strerror  # "Connection refused", without the errno
    else:
        reason = str(exc) or type(exc).__name__
    limit = User._meta.get_field("invitation_error").max_length
    return reason if len(reason) <= limit else reason[: limit - 1] + "…"
