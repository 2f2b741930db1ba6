import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

# Areas of the product a restricted user can be granted; an unrestricted standard
# user has all of them, a collaborator none (they only see the jobs they are given).
PERMISSION_AREAS = {
    "contacts": "Contacts and companies",
    "projects": "Projects and jobs",
    "timesheets": "Everyone's timesheets",
    "proposals": "Proposals",
    "invoices": "Invoices, credit notes and payments",
    "reports": "Reports",
    "users": "Users",
    "settings": "Account settings",
}

# What an API credential may do, DocumentHub-style: "<area>:read" or "<area>:write"
# (write includes read). New credentials get every scope unless narrowed.
SCOPE_LEVELS = ("read", "write")
API_SCOPES = [f"{area}:{level}" for area in PERMISSION_AREAS for level in SCOPE_LEVELS]


def all_api_scopes() -> list[str]:
    return [f"{area}:write" for area in PERMISSION_AREAS]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("A user needs an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, email):
        # People type their email with whatever capitals; it is stored lower-cased.
        # Matched exactly as the sign-in limits count it (accounts.throttle): a
        # database's case-insensitive match is wider (PostgreSQL reads a dotless ı as
        # an i), and each look-alike spelling would reach the account past its lock.
        return self.get(email=email.strip().lower())

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("name", (email or "").split("@")[0].lower())
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    class Type(models.TextChoices):
        STANDARD = "standard", "Standard user"
        COLLABORATOR = "collaborator", "Collaborator"

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150)
    jobtitle = models.CharField("job title", max_length=150, blank=True)
    telephone = models.CharField(max_length=50, blank=True)
    address_line1 = models.CharField("address line 1", max_length=200, blank=True)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    address_line3 = models.CharField("address line 3", max_length=200, blank=True)
    address_city = models.CharField("city", max_length=100, blank=True)
    address_district = models.CharField("district", max_length=100, blank=True)
    address_country = models.CharField("country", max_length=100, blank=True)
    address_postcode = models.CharField("postcode", max_length=20, blank=True)
    # Depot returns notes as ordered {"title", "content"} pairs.
    notes = models.JSONField(default=list, blank=True)
    image = models.ImageField(upload_to="users/", blank=True)
    is_active = models.BooleanField("active", default=True)
    restricted = models.BooleanField(default=False)
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.STANDARD)
    permissions = models.JSONField(default=list, blank=True)
    # Ids of the jobs a collaborator may work on; checked against jobs when they land.
    collaborator_jobs = models.JSONField(default=list, blank=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    invitation_sent = models.DateTimeField(null=True, blank=True)
    # The last invitation that could not be sent, and why: the worker's log is not
    # where an admin looks, the user's page is. Cleared when one goes out.
    invitation_failed = models.DateTimeField(null=True, blank=True)
    invitation_error = models.CharField(max_length=500, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    # Empty so `createsuperuser --noinput` works with just email and password;
    # the manager derives a name from the email.
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["type", "name"])]

    def __str__(self):
        return self.name or self.email

    @property
    def is_collaborator(self) -> bool:
        return self.type == self.Type.COLLABORATOR

    @property
    def address(self) -> dict:
        return {
            "line1": self.address_line1,
            "line2": self.address_line2,
            "line3": self.address_line3,
            "city": self.address_city,
            "district": self.address_district,
            "country": self.address_country,
            "postcode": self.address_postcode,
        }

    def can(self, area: str) -> bool:
        """Whether this user may use an area of the product (see PERMISSION_AREAS)."""
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        if self.is_collaborator:
            return False
        return not self.restricted or area in self.permissions

    def save(self, *args, **kwargs):
        # A new password (reset, change, admin, `changepassword`) ends every bearer
        # token of the user: whoever knew the old password may have minted one.
        # Django leaves `_password` unset for its own hash upgrades at sign-in.
        password_changed = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if password_changed:
            self.access_tokens.filter(revoked__isnull=True).update(revoked=timezone.now())
            self._end_oauth_tokens()

    def _end_oauth_tokens(self) -> None:
        """Apps the user allowed lose their codes and tokens too (they allow again)."""
        from oauth2_provider.models import (
            get_access_token_model,
            get_grant_model,
            get_refresh_token_model,
        )

        for model in (get_grant_model(), get_refresh_token_model(), get_access_token_model()):
            model.objects.filter(user=self).delete()

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name.split(" ")[0] if self.name else self.email


class AccountSettings(models.Model):
    """The account's one row of settings: numbering, rounding, currency, letterhead."""

    CURRENCIES = {
        "GBP": "£",
        "EUR": "€",
        "USD": "$",
        "AUD": "A$",
        "CAD": "C$",
        "NZD": "NZ$",
        "CHF": "CHF ",
        "SEK": "kr ",
        "DKK": "kr ",
        "NOK": "kr ",
        "ZAR": "R ",
    }

    company_name = models.CharField(max_length=200, default="My Studio")
    company_email = models.EmailField(blank=True)
    company_telephone = models.CharField(max_length=50, blank=True)
    company_website = models.CharField(max_length=200, blank=True)
    company_address = models.TextField(blank=True, help_text="Printed on documents.")
    # ISO 3166-1 alpha-2 (config.countries). Blank until the owner says: e-invoices
    # must name the seller's country (EN 16931 BR-09), and GBP, the default
    # currency, is no evidence of where the business is.
    country = models.CharField(max_length=2, blank=True)
    company_number = models.CharField("company registration number", max_length=50, blank=True)
    vat_number = models.CharField("VAT number", max_length=50, blank=True)
    bank_details = models.TextField(blank=True, help_text="Printed at the foot of invoices.")
    currency = models.CharField(
        max_length=3, choices=[(code, code) for code in CURRENCIES], default="GBP"
    )
    default_payment_terms = models.PositiveIntegerField("default payment terms (days)", default=30)
    breakeven = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    timeround = models.PositiveIntegerField("time rounding (minutes)", default=0)
    nextproposalid = models.PositiveIntegerField("next proposal/project number", default=1)
    nextinvoiceid = models.PositiveIntegerField("next invoice number", default=1)
    nextcreditid = models.PositiveIntegerField("next credit note number", default=1)
    nextactivitytypeid = models.PositiveIntegerField(default=1)
    logo = models.ImageField(upload_to="logo/", blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "account settings"

    def __str__(self):
        return "Account settings"

    @property
    def currency_symbol(self) -> str:
        return self.CURRENCIES.get(self.currency, self.currency + " ")

    @classmethod
    def load(cls) -> "AccountSettings":
        settings_row, _ = cls.objects.get_or_create(pk=1)
        return settings_row


def hash_secret(secret: str) -> str:
    """API secrets are high-entropy random strings, so one SHA-256 is enough to store
    them safely, and verifying costs microseconds, not a password hasher's ~1 s."""
    return hashlib.sha256(secret.encode()).hexdigest()


def revoke_with_creator(collector, field, sub_objs, using):
    """on_delete for a credential's creator: forget them and revoke the credential.
    Left usable with no creator it would read as an operator's credential (made with
    `manage.py apikey`) and act with its whole scopes."""
    collector.add_field_update(field, None, sub_objs)
    usable = [credential for credential in sub_objs if credential.revoked is None]
    if usable:
        collector.add_field_update(field.model._meta.get_field("revoked"), timezone.now(), usable)


class ApiCredential(models.Model):
    """An account-wide token/secret pair (X-DEPOT-TOKEN / X-DEPOT-SECRET).

    One made by a user acts with at most that user's current access (its scopes
    narrowed to the areas they can use now) and stops when they are deactivated.
    One with no creator was made by the operator and acts with its scopes."""

    name = models.CharField(max_length=100)
    token = models.CharField(max_length=64, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=revoke_with_creator
    )
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField(null=True, blank=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)
    scopes = models.JSONField(default=all_api_scopes)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return self.name

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return (
            self.revoked is None
            and (self.expires is None or self.expires > now)
            and (self.created_by is None or self.created_by.is_active)
        )

    def check_secret(self, secret: str) -> bool:
        return secrets.compare_digest(self.secret_hash, hash_secret(secret))

    def allows(self, area: str, *, write: bool) -> bool:
        """What the credential may do now: its scopes, within its creator's access."""
        if self.created_by is not None and not self.created_by.can(area):
            return False
        return self.scope_allows(area, write=write)

    def scope_allows(self, area: str, *, write: bool) -> bool:
        """What its scopes say, whatever its creator may do today."""
        if f"{area}:write" in self.scopes:
            return True
        return not write and f"{area}:read" in self.scopes

    @property
    def scope_summary(self) -> str:
        if sorted(self.scopes) == sorted(all_api_scopes()):
            return "Full access"
        parts = []
        for area, label in PERMISSION_AREAS.items():
            level = self.scope_level(area)
            if level:
                parts.append(f"{label}: {'read and write' if level == 'write' else 'read only'}")
        return "; ".join(parts) or "No access"

    def scope_level(self, area: str) -> str:
        """The strongest level granted for one area: write, read, or an empty string."""
        if f"{area}:write" in self.scopes:
            return "write"
        return "read" if f"{area}:read" in self.scopes else ""


class AccessToken(models.Model):
    """A bearer token that acts as one user (Authorization: Bearer ...).

    The spec's OAuth flow hands these out; operators can mint one with
    `manage.py apikey --user EMAIL`.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField(null=True, blank=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"{self.name} ({self.user})"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return (
            self.revoked is None
            and (self.expires is None or self.expires > now)
            and self.user.is_active
        )


class PrivateTask(models.Model):
    """A note to self for one day, seen only by the person who wrote it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="private_tasks")
    date = models.DateField()
    text = models.CharField(max_length=500)
    done = models.BooleanField(default=False)
    added = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["user", "date"])]

    def __str__(self):
        return self.text


class Notification(models.Model):
    """Something that happened that people should know about (added to a team,
    given an action, an action of theirs completed). Each recipient reads and
    deletes it on their own; all of it is purged after three months."""

    class Type(models.TextChoices):
        TEAM_ADD = "teamadd", "Added to a team"
        ACTION_ASSIGNED = "actionassigned", "Action assigned"
        ACTION_COMPLETED = "actioncompleted", "Action completed"
        WEBHOOK_DISABLED = "webhookdisabled", "Webhook switched off"

    type = models.CharField(max_length=30, choices=Type.choices)
    date = models.DateTimeField(default=timezone.now, db_index=True)
    title = models.CharField(max_length=200)
    # A path inside Docket, Depot-style ("job/3"), without the leading slash.
    link = models.CharField(max_length=200, blank=True)
    content = models.TextField(blank=True)
    users = models.ManyToManyField(
        User, through="NotificationRecipient", related_name="notifications"
    )

    class Meta:
        ordering = ["date", "id"]

    def __str__(self):
        return self.title


class NotificationRecipient(models.Model):
    """One person's copy of a notification: when they read it and deleted it."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="recipients"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    read = models.DateTimeField(null=True, blank=True)
    deleted = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "user"], name="one_copy_of_a_notification_each"
            )
        ]
        indexes = [
            # The header's unread count: one person's unread, undeleted copies.
            models.Index(fields=["user", "read", "deleted"]),
        ]

    def __str__(self):
        return f"notification {self.notification_id} for user {self.user_id}"


class Webhook(models.Model):
    """An integration's URL that is sent the events it wants (accounts.webhooks).

    The secret signs each delivery (HMAC-SHA256), so Docket must keep the secret
    itself, not a fingerprint: it is stored as it is, shown once when the webhook is
    made and never again (not by the API, not on a page). A leak of the database gives
    away far more than these keys: they only let someone sign messages to the
    receivers, and each receiver can be given a new webhook."""

    url = models.URLField("URL", max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    secret = models.CharField(max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added = models.DateTimeField(default=timezone.now)
    lastupdated = models.DateTimeField(auto_now=True)
    # Deliveries that failed for good in a row; at WEBHOOK_FAILURES_TO_DISABLE it is
    # switched off and this says why.
    failures = models.PositiveIntegerField(default=0)
    disabled_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["added", "id"]

    def __str__(self):
        return self.url


class WebhookEvent(models.Model):
    """Something that happened that a webhook wanted, recorded in the transaction that
    made the change: its id, its name and the JSON body every delivery sends."""

    uid = models.CharField(max_length=40, unique=True)
    event = models.CharField(max_length=40)
    created = models.DateTimeField(default=timezone.now)
    body = models.TextField()
    # Its deliveries have been made (one per webhook wanting it when the worker saw it).
    dispatched = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["dispatched", "created"])]

    def __str__(self):
        return f"{self.event} {self.uid}"


class WebhookDelivery(models.Model):
    """One event sent to one webhook: where it stands, how the receiver answered."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        RETRYING = "retrying", "Retrying"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    created = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt = models.DateTimeField(null=True, blank=True)
    last_attempt = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["webhook", "-created"]),
            models.Index(fields=["state", "next_attempt"]),
        ]

    def __str__(self):
        return f"delivery {self.pk} of {self.event_id} to {self.webhook_id}"
