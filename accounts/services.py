"""Every write to users, credentials and account settings goes through here, for the
pages and the API alike."""

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypedDict, Unpack

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from config.addresses import ADDRESS_KEYS
from config.countries import COUNTRIES
from config.errors import field_error, field_message, request_error
from config.files import clear_file, replace_file
from config.keywords import only_known
from config.limits import (
    DOCUMENT_TEXT_MAX_CHARS,
    USER_NOTE_CONTENT_MAX_CHARS,
    USER_NOTE_TITLE_MAX_CHARS,
    USER_NOTES_MAX_ITEMS,
)
from config.money import to_cents
from config.text import clean_values, required_text
from config.web_addresses import normalise_website

from .models import (
    API_SCOPES,
    PERMISSION_AREAS,
    AccessToken,
    AccountSettings,
    ApiCredential,
    Notification,
    NotificationRecipient,
    PrivateTask,
    User,
    all_api_scopes,
    hash_secret,
)

USER_PROFILE_FIELDS = (
    "name",
    "jobtitle",
    "telephone",
    "notes",
    "address_line1",
    "address_line2",
    "address_line3",
    "address_city",
    "address_district",
    "address_country",
    "address_postcode",
)


class UserFields(TypedDict, total=False):
    """What create_user and update_user take; an update changes the fields given."""

    name: str
    email: str  # required when creating; kept lower-cased
    jobtitle: str
    telephone: str
    notes: list[dict] | str | None
    address: dict[str, str] | None  # Depot's object, ADDRESS_KEYS
    address_line1: str
    address_line2: str
    address_line3: str
    address_city: str
    address_district: str
    address_country: str
    address_postcode: str
    active: bool
    type: str  # User.Type
    collaborator: bool
    restricted: bool
    restrictions: list[str] | str | None  # the areas a restricted user may use
    jobs: list[int] | None  # a collaborator's job numbers


# Relations that belong to the user and go with them; anything else pointing at a
# user is a record (time, documents, journal entries) that keeps them in place.
# Their account credentials stay listed, revoked (ApiCredential.created_by).
OWNED_RELATIONS = {
    "access_tokens",
    "apicredential",
    "logentry",
    "groups",
    "user_permissions",
    "import_jobs",
    # Personal to them, and removed with them.
    "private_tasks",
    "running_timer",
    "notifications",
}


def normalise_permissions(value) -> list[str]:
    """Depot's `restrictions`: a list of area names, or an object of area → on/off."""
    if value in (None, "", [], {}):
        return []
    if isinstance(value, dict):
        areas = [area for area, allowed in value.items() if allowed in (True, 1, "1", "true")]
    elif isinstance(value, list):
        if not all(isinstance(area, str) for area in value):
            raise field_error(
                "restrictions", "%(field)s must be a list of area names.", "not_a_list"
            )
        areas = list(value)
    else:
        raise field_error(
            "restrictions",
            "%(field)s must be a list of areas or an object of area: true.",
            "shape",
        )
    unknown = sorted(set(areas) - set(PERMISSION_AREAS))
    if unknown:
        raise field_error(
            "restrictions",
            "%(field)s has unknown areas: %(unknown)s (known: %(known)s).",
            "unknown_area",
            unknown=", ".join(unknown),
            known=", ".join(PERMISSION_AREAS),
        )
    return sorted(set(areas))


def normalise_notes(value) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(
        isinstance(note, dict) and set(note) <= {"title", "content"} for note in value
    ):
        raise field_error("notes", "%(field)s must be a list of {title, content} objects.", "shape")
    if len(value) > USER_NOTES_MAX_ITEMS:
        raise field_error(
            "notes",
            "%(field)s can have at most %(limit)s notes.",
            "max_items",
            limit=USER_NOTES_MAX_ITEMS,
        )
    notes = []
    for note in value:
        title = _text(note.get("title"), "notes.title")
        content = _text(note.get("content"), "notes.content")
        for name, text, limit in (
            ("title", title, USER_NOTE_TITLE_MAX_CHARS),
            ("content", content, USER_NOTE_CONTENT_MAX_CHARS),
        ):
            if len(text) > limit:
                raise field_error(
                    "notes",
                    "%(part)s must be at most %(limit)s characters.",
                    "max_length",
                    part=f"notes.{name}",
                    limit=limit,
                )
        notes.append({"title": title, "content": content})
    return notes


def _text(value, field_name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list | tuple):
        raise field_error(
            field_name, "%(field)s must be text, not a list or an object.", "not_text"
        )
    return str(value).strip()


def _apply_profile(user: User, changes: dict) -> None:
    if "address" in changes:
        address = changes.pop("address") or {}
        if not isinstance(address, dict) or not set(address) <= set(ADDRESS_KEYS):
            raise field_error(
                "address",
                "%(field)s must be an object with keys %(keys)s.",
                "shape",
                keys=", ".join(ADDRESS_KEYS),
            )
        for key, value in address.items():
            text = _text(value, f"address.{key}")
            limit = User._meta.get_field(f"address_{key}").max_length
            if len(text) > limit:
                raise field_error(
                    "address",
                    "%(part)s must be at most %(limit)s characters.",
                    "max_length",
                    part=f"address.{key}",
                    limit=limit,
                )
            setattr(user, f"address_{key}", text)
    if "notes" in changes:
        changes["notes"] = normalise_notes(changes["notes"])
    for field_name in USER_PROFILE_FIELDS:
        if field_name in changes:
            setattr(user, field_name, changes[field_name])
    if "active" in changes:
        user.is_active = changes["active"]
    if "email" in changes:
        user.email = changes["email"].lower()
    if "collaborator" in changes:
        user.type = User.Type.COLLABORATOR if changes["collaborator"] else User.Type.STANDARD
    if "type" in changes:
        user.type = changes["type"]
    if "restrictions" in changes:
        user.permissions = normalise_permissions(changes["restrictions"])
        user.restricted = bool(user.permissions)
    if "restricted" in changes:
        user.restricted = changes["restricted"]
    if "jobs" in changes:
        jobs = sorted(set(changes["jobs"] or []))
        _check_jobs_exist(jobs)
        user.collaborator_jobs = jobs


# Which of a collaborator's job ids name no job. Jobs live in projects, a layer above:
# projects registers its check from AppConfig.ready (`register_job_check`); until
# then (accounts alone) any ids are kept.
_job_checks: list = []


def register_job_check(unknown_jobs) -> None:
    """`unknown_jobs(ids)` returns the ids among `ids` that name no job."""
    _job_checks.append(unknown_jobs)


def _check_jobs_exist(job_ids: list[int]) -> None:
    for unknown_jobs in _job_checks:
        unknown = unknown_jobs(job_ids) if job_ids else []
        if unknown:
            raise field_error(
                "jobs",
                "%(field)s: there is no job %(unknown)s.",
                "not_found",
                unknown=", ".join(str(job_id) for job_id in unknown[:10]),
            )


# Control characters, and the Unicode line and paragraph separators: any of them in
# a name that goes into an email header (a subject, a From name) breaks every email
# that carries it, or lets the name add headers of its own.
NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def is_one_line(text: str) -> bool:
    return not NOT_ONE_LINE.search(text)


def _check_name(user: User) -> None:
    # Checked when a name is given, so a user saved before this check can still be
    # deactivated without first retyping their name.
    if not is_one_line(user.name):
        raise field_error(
            "name", "%(field)s must be one line of text without control characters.", "not_one_line"
        )


def _check_user(user: User) -> None:
    if not user.name.strip():
        raise field_error("name", "%(field)s is required.", "required")
    clash = User.objects.filter(email__iexact=user.email).exclude(pk=user.pk)
    if clash.exists():
        raise field_error(
            "email",
            "%(field)s %(email)s is already used by another user.",
            "taken",
            email=user.email,
        )
    if user.is_collaborator:
        user.restricted = True
        user.permissions = []
    else:
        user.collaborator_jobs = []
        if user.restricted and not user.permissions and not user.is_superuser:
            raise field_error(
                "restrictions",
                "%(field)s must name at least one area for a restricted user.",
                "no_area",
            )


# --- who may manage whom ------------------------------------------------------------
#
# Nobody grants more than they hold: an actor adds, changes, invites or removes only
# users whose access is within its own, before and after the change. Otherwise a
# user (or credential) limited to the users area could make itself an unrestricted
# user, or take over an administrator's sign-in by changing their email.

# Who acts on users: a signed-in user or a bearer token's user, an account
# credential (within its creator's access), or None for the operator (the shell,
# management commands, the demo seed).
Actor = User | ApiCredential | None

ALL_AREAS = frozenset(PERMISSION_AREAS)


@dataclass(frozen=True)
class Reach:
    areas: frozenset[str]
    # Django's superuser/staff can also use /admin/, which is more than any area:
    # only another superuser (or the operator) may change one.
    superuser: bool = False

    def covers(self, other: "Reach") -> bool:
        return other.areas <= self.areas and (self.superuser or not other.superuser)


def user_reach(user: User) -> Reach:
    """The access a user's settings give them (whether or not they are active now,
    since reactivating them gives it back)."""
    superuser = user.is_superuser or user.is_staff
    if user.is_superuser or (not user.is_collaborator and not user.restricted):
        return Reach(ALL_AREAS, superuser)
    if user.is_collaborator:
        # A collaborator works inside the jobs they're given: part of projects.
        return Reach(frozenset({"projects"} if user.collaborator_jobs else ()), superuser)
    return Reach(frozenset(user.permissions) & ALL_AREAS, superuser)


def actor_reach(actor: Actor) -> Reach:
    """What an actor may hand out: the areas it can change today."""
    if actor is None:
        return Reach(ALL_AREAS, superuser=True)
    if isinstance(actor, ApiCredential):
        areas = frozenset(area for area in PERMISSION_AREAS if actor.allows(area, write=True))
        creator = actor.created_by
        # Full scopes from the operator or a superuser stand for them.
        superuser = areas == ALL_AREAS and (
            creator is None or creator.is_superuser or creator.is_staff
        )
        return Reach(areas, superuser)
    areas = frozenset(area for area in PERMISSION_AREAS if actor.can(area))
    return Reach(areas, actor.is_active and (actor.is_superuser or actor.is_staff))


def may_manage(actor: Actor, user: User) -> bool:
    """Whether the actor may change, invite or remove this user as they are now."""
    return actor_reach(actor).covers(user_reach(user))


def require_reach(actor: Actor, user: User) -> None:
    """PermissionDenied unless the actor may manage the user as they are now."""
    reach, theirs = actor_reach(actor), user_reach(user)
    if reach.covers(theirs):
        return
    if theirs.superuser or theirs.areas == ALL_AREAS:
        raise PermissionDenied(f"Only an administrator can change {user}.")
    beyond = ", ".join(area for area in PERMISSION_AREAS if area in theirs.areas - reach.areas)
    raise PermissionDenied(
        f"{user} can use areas you can't ({beyond}); only someone who can use them may change them."
    )


def sees_users(actor: Actor) -> bool:
    """Whether the actor may learn who the account's users are (names, emails, ids):
    a credential needs users:read within its creator's access; a standard user may
    read users anyway (config.api.auth.area_access with staff_reads), a collaborator not."""
    if actor is None:
        return True
    if isinstance(actor, ApiCredential):
        return actor.allows("users", write=False)
    return actor.is_active and not actor.is_collaborator


def named_author(actor: Actor, email: str, *, field: str = "addedby") -> User:
    """The user an API caller names as the author of something it writes (Depot's
    `addedby`). A user (bearer token or browser session) writes as themselves; a
    credential as any user if it may read users, else only as its creator. "No such
    user" and "not yours to name" read the same, so the answer doesn't tell which
    emails are users."""
    if isinstance(actor, User):
        if email.strip().lower() != actor.email.lower():
            raise field_error(
                field,
                "%(field)s must be your own email (%(email)s): you post as yourself.",
                "not_yourself",
                email=actor.email,
            )
        return actor
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is not None and not sees_users(actor) and user.pk != actor.created_by_id:
        user = None
    if user is None:
        raise field_error(
            field,
            "%(field)s %(email)s is not a user these credentials may act for.",
            "not_yours",
            email=email,
        )
    return user


def _check_grant(actor: Actor, user: User) -> None:
    """The access a user is about to have must be within the actor's."""
    reach, theirs = actor_reach(actor), user_reach(user)
    if reach.covers(theirs):
        return
    if user.is_collaborator:
        raise field_error(
            "jobs",
            "%(field)s can only be given by someone who can use the projects area.",
            "beyond_reach",
        )
    beyond = ", ".join(area for area in PERMISSION_AREAS if area in theirs.areas - reach.areas)
    raise field_error(
        "restrictions",
        "%(field)s must stay within your own access: you can't give %(areas)s.",
        "beyond_reach",
        areas=beyond,
    )


@transaction.atomic
def create_user(
    *, actor: Actor = None, send_invite: bool = True, **fields: Unpack[UserFields]
) -> User:
    """A standard user or collaborator. They get an email to set their password."""
    fields = clean_values(only_known(fields, UserFields))
    email = fields.get("email", "").strip().lower()
    if not email:
        raise field_error("email", "%(field)s is required.", "required")
    user = User(email=email, name=fields.get("name", ""))
    _apply_profile(user, fields)
    _check_user(user)
    _check_name(user)
    _check_grant(actor, user)
    user.set_unusable_password()
    user.save()
    if send_invite and user.is_active:  # an inactive user is a record, not a colleague yet
        invite_user(user, actor=actor)
    return user


def invite_user(user: User, *, actor: Actor = None) -> None:
    """Email them a link to set their password, once the user row is committed."""
    require_reach(actor, user)
    if not user.is_active:
        raise field_error("active", "Reactivate the user before inviting them.", "inactive")
    from .tasks import send_invitation

    # A new attempt: an earlier failure no longer describes where things stand.
    User.objects.filter(pk=user.pk, invitation_failed__isnull=False).update(
        invitation_failed=None, invitation_error=""
    )
    requested_at = timezone.now().isoformat()
    transaction.on_commit(lambda: send_invitation(user.pk, requested_at))


ACCESS_CHANGES = ("restrictions", "restricted", "collaborator", "type")


def has_full_access(user: User) -> bool:
    return user.is_active and (
        user.is_superuser or (not user.is_collaborator and not user.restricted)
    )


def _keep_an_administrator(before: bool, user: User, field_name: str | None) -> None:
    """Someone must always be able to manage users and settings: the last active
    user with full access can't lose it (or be removed) until someone else has it."""
    if not before or has_full_access(user):
        return
    # Lock every full-access row in one order, so two admins demoting each other at
    # once are serialised and the second sees the first's change (PostgreSQL; SQLite
    # write transactions are serial already).
    holders = (
        User.objects.filter(
            Q(is_active=True)
            & (Q(is_superuser=True) | Q(restricted=False, type=User.Type.STANDARD))
        )
        .select_for_update()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if any(pk != user.pk for pk in holders):
        return
    reason = "%(email)s is the last user with full access; give someone else full access first."
    if field_name is None:
        raise request_error(reason, "last_administrator", email=user.email)
    raise field_error(
        field_name, "%(field)s can't be changed: " + reason, "last_administrator", email=user.email
    )


@transaction.atomic
def update_user(user: User, *, actor: Actor = None, **changes: Unpack[UserFields]) -> User:
    changes = clean_values(only_known(changes, UserFields))
    require_reach(actor, user)
    if isinstance(actor, User) and actor.pk == user.pk:
        if changes.get("active") is False:
            raise field_error("active", "You cannot deactivate your own user.", "yourself")
        changed_access = [name for name in ACCESS_CHANGES if name in changes]
        current = {
            "restrictions": normalise_permissions(user.permissions) if user.restricted else [],
            "restricted": user.restricted,
            "collaborator": user.is_collaborator,
            "type": user.type,
        }
        if any(_access_value(name, changes[name]) != current[name] for name in changed_access):
            name = changed_access[0]
            raise field_error(
                name, "%(field)s can't be changed on your own user; ask another admin.", "yourself"
            )
    had_full_access = has_full_access(user)
    was_active = user.is_active
    _apply_profile(user, changes)
    _check_user(user)
    if "name" in changes:
        _check_name(user)
    _check_grant(actor, user)
    changed = next((name for name in ("active", *ACCESS_CHANGES) if name in changes), "active")
    _keep_an_administrator(had_full_access, user, changed)
    user.save()
    if was_active and not user.is_active:
        revoke_credentials_of(user)
    return user


def _access_value(name: str, value):
    """A requested access setting in the form the user row keeps it, to tell a real
    change from a form that sends the current value back."""
    if name == "restrictions":
        return normalise_permissions(value)
    return value


def user_has_records(user: User) -> bool:
    """Whether anything of the account's (time, documents, journal) points at them."""
    for relation in user._meta.related_objects:
        if relation.get_accessor_name() in OWNED_RELATIONS or relation.name in OWNED_RELATIONS:
            continue
        if relation.related_model._meta.app_label in {"admin", "auth"}:
            continue
        lookup = {relation.field.name: user}
        if relation.related_model._default_manager.filter(**lookup).exists():
            return True
    return False


@dataclass
class UserRemoval:
    deleted: bool  # False: deactivated, because records point at them


@transaction.atomic
def remove_user(user: User, *, actor: Actor = None) -> UserRemoval:
    """Delete a user with nothing to their name; deactivate one with records, so
    their time and documents keep their author."""
    require_reach(actor, user)
    if isinstance(actor, User) and actor.pk == user.pk:
        raise request_error("You cannot delete your own user.", "yourself")
    had_full_access = has_full_access(user)
    user.is_active = False  # as it will be, deleted or deactivated
    _keep_an_administrator(had_full_access, user, None)
    user.is_active = True
    # Deleting revokes their credentials too (ApiCredential.created_by's on_delete);
    # revoked first either way, so a deactivation does the same.
    revoke_credentials_of(user)
    if user_has_records(user):
        user.is_active = False
        user.save(update_fields=["is_active"])
        return UserRemoval(deleted=False)
    try:
        user.delete()
    except ProtectedError:
        user.is_active = False
        user.save(update_fields=["is_active"])
        return UserRemoval(deleted=False)
    return UserRemoval(deleted=True)


def revoke_credentials_of(user: User) -> None:
    """A user who leaves takes their account credentials and bearer tokens with them."""
    now = timezone.now()
    ApiCredential.objects.filter(created_by=user, revoked__isnull=True).update(revoked=now)
    AccessToken.objects.filter(user=user, revoked__isnull=True).update(revoked=now)


# --- API credentials -------------------------------------------------------------


def new_secret() -> str:
    return secrets.token_urlsafe(32)  # 32 random bytes


@dataclass
class IssuedCredential:
    credential: ApiCredential
    secret: str  # shown once; only its hash is kept


def clean_api_scopes(scopes) -> list[str]:
    """Known scopes only, each area once at its strongest level, in a stable order."""
    unknown = sorted(str(scope) for scope in scopes if scope not in API_SCOPES)
    if unknown:
        raise field_error(
            "scopes",
            "%(field)s has unknown values: %(unknown)s. "
            "Use <area>:read or <area>:write with an area of %(areas)s.",
            "unknown_scope",
            unknown=", ".join(unknown),
            areas=", ".join(PERMISSION_AREAS),
        )
    chosen = set(scopes)
    cleaned = []
    for area in PERMISSION_AREAS:
        if f"{area}:write" in chosen:
            cleaned.append(f"{area}:write")
        elif f"{area}:read" in chosen:
            cleaned.append(f"{area}:read")
    if not cleaned:
        raise field_error("scopes", "%(field)s must grant at least one area.", "no_area")
    return cleaned


@transaction.atomic
def create_api_credential(name: str, *, created_by: User | None = None, expires=None, scopes=None):
    name = (name or "").strip()
    if not name:
        raise field_error("name", "%(field)s is required.", "required")
    if len(name) > 100:
        raise field_error(
            "name", "%(field)s must be at most %(limit)s characters.", "max_length", limit=100
        )
    if expires is not None and expires <= timezone.now():
        raise field_error("expires", "%(field)s must be in the future.", "in_the_past")
    scopes = all_api_scopes() if scopes is None else clean_api_scopes(scopes)
    if created_by is not None and not has_full_access(created_by):
        # Credentials act with no user behind them, so they may reach only what
        # their creator can; otherwise they would be a way round restrictions.
        beyond = [scope for scope in scopes if not created_by.can(scope.split(":")[0])]
        if beyond:
            raise field_error(
                "scopes",
                "%(field)s can't include %(scopes)s: those areas aren't yours to give.",
                "beyond_reach",
                scopes=", ".join(beyond),
            )
    secret = new_secret()
    credential = ApiCredential.objects.create(
        name=name,
        token=secrets.token_hex(16),
        secret_hash=hash_secret(secret),
        created_by=created_by,
        expires=expires,
        scopes=scopes,
    )
    return IssuedCredential(credential=credential, secret=secret)


def may_revoke_credential(actor: Actor, credential: ApiCredential) -> bool:
    """Revoking cuts off whoever relies on a credential, so it follows the reach rule:
    your own, or one whose creator you may manage; one made by the operator (no
    creator) only with full access."""
    creator = credential.created_by
    if creator is None:
        return actor_reach(actor).areas == ALL_AREAS
    if isinstance(actor, User) and actor.pk == creator.pk:
        return True
    return may_manage(actor, creator)


def revoke_api_credential(credential: ApiCredential, *, actor: Actor = None) -> None:
    if not may_revoke_credential(actor, credential):
        raise PermissionDenied(
            f"“{credential.name}” was made by someone with more access than you; "
            "only they or an administrator can revoke it."
        )
    if credential.revoked is None:
        credential.revoked = timezone.now()
        credential.save(update_fields=["revoked"])


@dataclass
class IssuedAccessToken:
    access_token: AccessToken
    token: str


def create_access_token(user: User, name: str, *, expires=None) -> IssuedAccessToken:
    if not user.is_active:
        raise field_error("user", "The user is not active.", "inactive")
    token = new_secret()
    access = AccessToken.objects.create(
        user=user, name=name or "Access token", token_hash=hash_secret(token), expires=expires
    )
    return IssuedAccessToken(access_token=access, token=token)


def visible_access_tokens(user: User):
    """A user sees (and may revoke) their own bearer tokens; an administrator, all."""
    tokens = AccessToken.objects.select_related("user").order_by("-created", "-pk")
    return tokens if has_full_access(user) else tokens.filter(user=user)


def revoke_access_token(access: AccessToken) -> None:
    if access.revoked is None:
        access.revoked = timezone.now()
        access.save(update_fields=["revoked"])


# --- account settings ------------------------------------------------------------

NUMBER_LIMITS = {
    "timeround": (0, 1440),
    "nextproposalid": (1, 2_000_000_000),
    "nextinvoiceid": (1, 2_000_000_000),
    "nextcreditid": (1, 2_000_000_000),
    "default_payment_terms": (0, 3650),
}
# Long text printed on documents; the others are held to their columns' max_length.
DOCUMENT_TEXT_FIELDS = ("company_address", "bank_details")
TEXT_FIELDS = (
    "company_name",
    "company_email",
    "company_telephone",
    "company_website",
    "company_address",
    "company_number",
    "vat_number",
    "bank_details",
)


ONE_LINE_SETTINGS = ("company_name",)


@transaction.atomic
def update_account_settings(**changes) -> AccountSettings:
    """Change any of the account's settings; each value is checked before any is saved."""
    changes = clean_values(changes)
    account = AccountSettings.objects.select_for_update().get(pk=AccountSettings.load().pk)
    errors: dict[str, ValidationError] = {}
    for field_name, value in changes.items():
        if field_name in NUMBER_LIMITS:
            low, high = NUMBER_LIMITS[field_name]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                errors[field_name] = field_message(
                    field_name,
                    "%(field)s must be a whole number from %(low)s to %(high)s.",
                    "out_of_range",
                    low=low,
                    high=high,
                )
                continue
        elif field_name == "breakeven":
            if not isinstance(value, Decimal) or value < 0 or value >= Decimal("1e12"):
                errors[field_name] = field_message(
                    field_name, "%(field)s must be an amount of 0 or more.", "out_of_range"
                )
                continue
            value = to_cents(value)
        elif field_name == "company_website":
            try:
                value = normalise_website(value, field=field_name, max_length=200)
            except ValidationError as exc:
                errors[field_name] = exc.error_dict[field_name][0]
                continue
        elif field_name == "currency":
            if value not in AccountSettings.CURRENCIES:
                errors[field_name] = field_message(
                    field_name,
                    "%(field)s must be one of: %(choices)s.",
                    "invalid_choice",
                    choices=", ".join(AccountSettings.CURRENCIES),
                )
                continue
        elif field_name == "country":
            value = str(value or "").strip().upper()
            if value and value not in COUNTRIES:
                errors[field_name] = field_message(
                    field_name,
                    "%(field)s must be a two-letter ISO 3166 country code, such as GB or FR.",
                    "invalid_choice",
                )
                continue
        elif field_name not in TEXT_FIELDS:
            errors[field_name] = field_message(field_name, "%(field)s is not a setting.", "unknown")
            continue
        elif field_name in DOCUMENT_TEXT_FIELDS and len(value or "") > DOCUMENT_TEXT_MAX_CHARS:
            errors[field_name] = field_message(
                field_name,
                "%(field)s must be at most %(limit)s characters.",
                "max_length",
                limit=DOCUMENT_TEXT_MAX_CHARS,
            )
            continue
        elif field_name in ONE_LINE_SETTINGS and not is_one_line(str(value)):
            errors[field_name] = field_message(
                field_name,
                "%(field)s must be one line of text without control characters "
                "(it is used in email subjects).",
                "not_one_line",
            )
            continue
        setattr(account, field_name, value)
    if errors:
        raise ValidationError(errors)
    account.full_clean(exclude=["logo"])
    account.save()
    return account


def set_logo(upload: UploadedFile) -> AccountSettings:
    # Only the logo column: a full save would write back the document counters as
    # they were read, undoing a number issued meanwhile.
    return replace_file(AccountSettings.load(), "logo", upload, update_fields=["logo"])


def remove_logo() -> AccountSettings:
    return clear_file(AccountSettings.load(), "logo", update_fields=["logo"])


# --- notifications ------------------------------------------------------------------


def notify(
    kind: str, *, title: str, users, link: str = "", content: str = "", actor: User | None = None
) -> Notification | None:
    """Tell these people that something happened (`Notification.Type`). The person
    who did it is not told, nor is anyone inactive; nobody left means no
    notification. Runs inside the caller's transaction, so it is undone with it."""
    recipients = {
        user.pk
        for user in users
        if user is not None and user.is_active and (actor is None or user.pk != actor.pk)
    }
    if not recipients:
        return None
    title_limit = Notification._meta.get_field("title").max_length
    link_limit = Notification._meta.get_field("link").max_length
    notification = Notification.objects.create(
        type=kind, title=title[:title_limit], link=link[:link_limit], content=content
    )
    NotificationRecipient.objects.bulk_create(
        NotificationRecipient(notification=notification, user_id=pk) for pk in sorted(recipients)
    )
    return notification


def mark_notification_read(notification: Notification, user: User, *, field="readby") -> None:
    """`user` has read it (once: the first time stays the time it was read)."""
    copy = _copy_of(notification, user, field)
    if copy.read is None:
        copy.read = timezone.now()
        copy.save(update_fields=["read"])


def delete_notification_for(notification: Notification, user: User, *, field="deletedby") -> None:
    """`user` no longer wants to see it; the others' copies stay. Deleting reads it."""
    copy = _copy_of(notification, user, field)
    now = timezone.now()
    changed = []
    if copy.read is None:
        copy.read, changed = now, [*changed, "read"]
    if copy.deleted is None:
        copy.deleted, changed = now, [*changed, "deleted"]
    if changed:
        copy.save(update_fields=changed)


@transaction.atomic
def update_notification(
    notification: Notification, *, read_by: User | None = None, deleted_by: User | None = None
) -> None:
    """Depot's PATCH: read by one person and/or deleted by one, both or neither."""
    if read_by is not None:
        mark_notification_read(notification, read_by)
    if deleted_by is not None:
        delete_notification_for(notification, deleted_by)


def mark_all_notifications_read(user: User) -> int:
    """Every unread notification of theirs read now; how many there were."""
    return NotificationRecipient.objects.filter(
        user=user, read__isnull=True, deleted__isnull=True
    ).update(read=timezone.now())


def _copy_of(notification: Notification, user: User, field: str) -> NotificationRecipient:
    copy = NotificationRecipient.objects.filter(notification=notification, user=user).first()
    if copy is None:
        raise field_error(
            field,
            "%(field)s %(email)s is not one of the people this notification is for.",
            "not_a_recipient",
            email=user.email,
        )
    return copy


# Notifications are kept this many calendar months (the spec's "deleted after 3 months").
NOTIFICATION_KEEP_MONTHS = 3


def months_before(moment: datetime, months: int) -> datetime:
    """The same time `months` calendar months earlier; the 31st of May less three
    months is the last day of February."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    next_month = date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


@transaction.atomic
def purge_old_notifications(now: datetime | None = None) -> int:
    """Delete every notification older than three months, with everyone's copies;
    how many went."""
    cutoff = months_before(now or timezone.now(), NOTIFICATION_KEEP_MONTHS)
    old = Notification.objects.filter(date__lt=cutoff)
    NotificationRecipient.objects.filter(notification__in=old).delete()
    deleted, _ = old.delete()
    return deleted


# --- private tasks ------------------------------------------------------------------


class PrivateTaskFields(TypedDict, total=False):
    """A private task's writable fields: `text`, `date` and `user` are required on
    create; an update changes the fields given."""

    text: str
    date: date
    done: bool
    user: User  # whose task it is; only they see it


PRIVATE_TASK_TEXT_MAX_CHARS = PrivateTask._meta.get_field("text").max_length


def may_see_private_tasks_of(actor: Actor, user: User) -> bool:
    """A person's own tasks are theirs alone; an account-wide credential that may
    read users is the account, and sees everyone's."""
    if actor is None:
        return True
    if isinstance(actor, ApiCredential):
        return actor.allows("users", write=False)
    return actor.pk == user.pk


def _require_owner(actor: Actor, user: User) -> None:
    if not may_see_private_tasks_of(actor, user):
        raise PermissionDenied("A private task is only for the person it belongs to.")


@transaction.atomic
def create_private_task(*, actor: Actor = None, **fields: Unpack[PrivateTaskFields]) -> PrivateTask:
    task = PrivateTask()
    _write_private_task(task, actor, fields, creating=True)
    return task


@transaction.atomic
def update_private_task(
    task: PrivateTask, *, actor: Actor = None, **fields: Unpack[PrivateTaskFields]
) -> PrivateTask:
    _require_owner(actor, task.user)
    _write_private_task(task, actor, fields, creating=False)
    return task


def delete_private_task(task: PrivateTask, *, actor: Actor = None) -> None:
    _require_owner(actor, task.user)
    task.delete()


def _write_private_task(task: PrivateTask, actor: Actor, fields: dict, *, creating: bool) -> None:
    fields = clean_values(only_known(fields, PrivateTaskFields))
    errors = {}
    if creating or "text" in fields:
        try:
            task.text = required_text(
                fields.get("text"), "text", max_length=PRIVATE_TASK_TEXT_MAX_CHARS
            )
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if creating or "date" in fields:
        day = fields.get("date")
        if day is None:
            errors["date"] = [field_message("date", "%(field)s is required.", "required")]
        elif not isinstance(day, date) or isinstance(day, datetime):
            errors["date"] = [field_message("date", "%(field)s must be a date.", "invalid")]
        else:
            task.date = day
    if "done" in fields:
        if not isinstance(fields["done"], bool):
            errors["done"] = [field_message("done", "%(field)s must be true or false.", "invalid")]
        else:
            task.done = fields["done"]
    if creating or "user" in fields:
        owner = fields.get("user")
        if owner is None or not getattr(owner, "pk", None):
            errors["user"] = [field_message("user", "%(field)s is required.", "required")]
        elif not owner.is_active:
            errors["user"] = [
                field_message(
                    "user",
                    "%(field)s %(email)s is not an active user.",
                    "inactive",
                    email=owner.email,
                )
            ]
        elif not may_see_private_tasks_of(actor, owner):
            errors["user"] = [
                field_message(
                    "user",
                    "%(field)s must be your own email: a private task is only for you.",
                    "not_yourself",
                )
            ]
        else:
            task.user = owner
    if errors:
        raise ValidationError(errors)
    task.save()
