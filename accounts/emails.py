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
    send_mail(
        subject=f"You're invited to {account.company_name} on Docket",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
    User.objects.filter(pk=user.pk).update(invitation_sent=timezone.now())
    return True
