"""Every write to projects and their reference data (activity types), for the pages
and the API alike."""

import json
from datetime import date
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts import services as account_services
from accounts import webhooks
from accounts.models import AccountSettings, Notification
from config.errors import Refusals, field_error, field_message, request_error
from config.keywords import only_known
from config.limits import (
    MAX_ID,
    PROJECT_BRIEF_MAX_CHARS,
    PROJECT_PEOPLE_MAX_ITEMS,
    PROJECT_SECTION_CONTENT_MAX_CHARS,
    PROJECT_SECTION_TITLE_MAX_CHARS,
    PROJECT_SECTIONS_MAX_ITEMS,
)
from config.money import to_cents
from config.records import delete_unless_used
from config.text import clean_values, required_text
from crm import services as crm_services
from crm.journal import parse_item_code, resolve_item
from crm.models import Company, Contact

from .hooks import highest_shared_number, reference_exists
from .models import ActivityType, Job, JobAction, JobItem, Project, RunningTimer, TimeEntry
from .queries import jobs_in_reach

# Activity type ids share the account's 32-bit counters' range.
MAX_ACTIVITY_TYPE_ID = 2_000_000_000


def _clean_name(value) -> str:
    return required_text(value, "name", max_length=ActivityType._meta.get_field("name").max_length)


def _take_next_id(account: AccountSettings) -> int:
    highest = ActivityType.objects.order_by("-id").values_list("id", flat=True).first() or 0
    new_id = max(account.nextactivitytypeid, highest + 1)
    account.nextactivitytypeid = new_id + 1
    account.save(update_fields=["nextactivitytypeid"])
    return new_id


@transaction.atomic
def save_activity_type(instance: ActivityType | None, *, name) -> ActivityType:
    name = _clean_name(name)
    clash = ActivityType.objects.filter(name__iexact=name)
    if instance is not None and instance.pk:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        # Time is logged against a type picked by name: two "Design"s can't be told apart.
        raise field_error("name", "%(field)s “%(value)s” is already in use.", "taken", value=name)
    if instance is None:
        account = AccountSettings.objects.select_for_update().get(pk=AccountSettings.load().pk)
        instance = ActivityType(id=_take_next_id(account))
    instance.name = name
    instance.save()
    return instance


def delete_activity_type(instance: ActivityType) -> None:
    delete_unless_used(instance)


@transaction.atomic
def replace_activity_types(value) -> None:
    """Depot's PATCH: `{"nextid": N, "tasks": [{"id", "name"}, ...]}`. Listed ids are
    kept or created, unlisted ones removed, rows without an id take the next id."""
    if not isinstance(value, dict) or not isinstance(value.get("tasks"), list):
        raise field_error(
            "value", '%(field)s must be an object with a "tasks" list (and "nextid").', "shape"
        )
    errors: dict[str, list[ValidationError]] = {}
    wanted, seen, names = [], set(), set()

    def task_error(index: int, problem: str) -> None:
        errors.setdefault("tasks", []).append(
            field_message(
                "tasks",
                "%(field)s item %(index)s: %(problem)s",
                "task",
                index=index,
                problem=problem,
            )
        )

    for index, task in enumerate(value["tasks"], start=1):
        if not isinstance(task, dict):
            errors.setdefault("tasks", []).append(
                field_message(
                    "tasks",
                    "%(field)s item %(index)s must be an object.",
                    "not_an_object",
                    index=index,
                )
            )
            continue
        try:
            name = _clean_name(task.get("name"))
        except ValidationError as exc:
            for message in exc.messages:
                task_error(index, message)
            continue
        if name.casefold() in names:
            task_error(index, f"name “{name}” is repeated.")
            continue
        names.add(name.casefold())
        task_id = task.get("id")
        if task_id not in (None, ""):
            try:
                task_id = int(str(task_id))
                if not 0 < task_id <= MAX_ACTIVITY_TYPE_ID:
                    raise ValueError
            except ValueError:
                task_error(index, f"id must be a whole number from 1 to {MAX_ACTIVITY_TYPE_ID}.")
                continue
            if task_id in seen:
                task_error(index, f"id {task_id} is repeated.")
                continue
            seen.add(task_id)
        else:
            task_id = None
        wanted.append((task_id, name))
    next_id = value.get("nextid")
    if next_id is not None:
        try:
            next_id = int(str(next_id))
            if not 0 < next_id <= MAX_ACTIVITY_TYPE_ID:
                raise ValueError
        except ValueError:
            errors["nextid"] = [
                field_message(
                    "nextid",
                    "%(field)s must be a whole number from 1 to %(high)s.",
                    "out_of_range",
                    high=MAX_ACTIVITY_TYPE_ID,
                )
            ]
    if errors:
        raise ValidationError(errors)
    account = AccountSettings.objects.select_for_update().get(pk=AccountSettings.load().pk)
    if next_id is not None:
        highest = max(seen, default=0)
        if next_id <= highest:
            raise field_error(
                "nextid",
                "%(field)s must be greater than the highest id (%(highest)s).",
                "too_low",
                highest=highest,
            )
        account.nextactivitytypeid = next_id
        account.save(update_fields=["nextactivitytypeid"])
    for obj in ActivityType.objects.exclude(id__in=seen):
        delete_activity_type(obj)
    for task_id, name in wanted:
        if task_id is None:
            ActivityType.objects.create(id=_take_next_id(account), name=name)
        else:
            ActivityType.objects.update_or_create(id=task_id, defaults={"name": name})
    if seen and account.nextactivitytypeid <= max(seen):
        account.nextactivitytypeid = max(seen) + 1
        account.save(update_fields=["nextactivitytypeid"])


# --- projects ---------------------------------------------------------------------


class ProjectFields(TypedDict, total=False):
    """A project's writable fields. Every one is optional on update; `title`,
    `status`, `for_code` and `added_by` are required on create."""

    title: str
    status: str  # O, H, P, C or F
    for_code: str  # the client: C41 (a company) or I5 (a person)
    brief: str
    expanded: list | str | None  # [{"title", "content"}] or [{title: content}], or as JSON
    conclusion: list | str | None
    deadline: date | None  # None: a week from today
    discount: Decimal | str | int | None  # a percentage
    team: list[int | str] | str | None  # users by id or email
    contacts: list[int] | None  # people's ids
    added_by: Any  # a User


CLIENT_LETTERS = (Company.CODE, Contact.CODE)
TITLE_MAX_CHARS = Project._meta.get_field("title").max_length


def titled_sections(field: str, value) -> list[dict[str, str]]:
    """The expanded or conclusion sections as [{"title", "content"}]. Each section
    may come as that object or as Depot's one-pair object {title: content}
    (a project's, and a proposal's that becomes one)."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise field_error(
                field, "%(field)s must be a JSON array of title and content pairs.", "invalid"
            ) from None
    if not isinstance(value, list):
        raise field_error(field, "%(field)s must be a list of title and content pairs.", "invalid")
    if len(value) > PROJECT_SECTIONS_MAX_ITEMS:
        raise field_error(
            field,
            "%(field)s must have at most %(limit)s sections.",
            "too_many",
            limit=PROJECT_SECTIONS_MAX_ITEMS,
        )
    sections = []
    for index, item in enumerate(value, start=1):
        # {"content": ...} alone is a section without its title, not one called "content".
        if isinstance(item, dict) and "title" in item and set(item) <= {"title", "content"}:
            title, content = item["title"], item.get("content", "")
        elif isinstance(item, dict) and len(item) == 1 and "content" not in item:
            ((title, content),) = item.items()
        else:
            raise field_error(
                field,
                '%(field)s section %(index)s must be {"title": ..., "content": ...}.',
                "invalid_section",
                index=index,
            )
        if not isinstance(title, str) or not isinstance(content, str | int | float):
            raise field_error(
                field, "%(field)s section %(index)s must hold text.", "not_text", index=index
            )
        title, content = title.strip(), str(content).strip()
        if not title:
            raise field_error(
                field, "%(field)s section %(index)s needs a title.", "required", index=index
            )
        if len(title) > PROJECT_SECTION_TITLE_MAX_CHARS or (
            len(content) > PROJECT_SECTION_CONTENT_MAX_CHARS
        ):
            raise field_error(
                field,
                "%(field)s section %(index)s: a title may have %(title_limit)s characters "
                "and its content %(content_limit)s.",
                "max_length",
                index=index,
                title_limit=PROJECT_SECTION_TITLE_MAX_CHARS,
                content_limit=PROJECT_SECTION_CONTENT_MAX_CHARS,
            )
        sections.append({"title": title, "content": content})
    return sections


def client_from_code(value, *, field: str = "for") -> Company | Contact:
    """A client by Depot's code: C41 (a company) or I5 (a person); billing's
    documents name theirs the same way."""
    code = str(value or "").strip()
    if not code:
        raise field_error(field, "%(field)s is required.", "required")
    letter, _ = parse_item_code(code, field=field)
    if letter not in CLIENT_LETTERS:
        raise field_error(
            field,
            "%(field)s must be a company (C…) or a person (I…), not '%(code)s'.",
            "not_a_client",
            code=code[:40],
        )
    return resolve_item(code, field=field)


def _listed(field: str, value) -> list:
    if value in (None, ""):
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    items = [item.strip() if isinstance(item, str) else item for item in items]
    items = [item for item in items if item not in ("", None)]
    if len(items) > PROJECT_PEOPLE_MAX_ITEMS:
        raise field_error(
            field,
            "%(field)s must list at most %(limit)s people.",
            "too_many",
            limit=PROJECT_PEOPLE_MAX_ITEMS,
        )
    return items


def _as_id(item) -> int | None:
    if isinstance(item, bool):
        return None
    if isinstance(item, int):
        return item
    text = str(item)
    return int(text) if text.isdigit() and len(text) <= 18 else None


def _team(value) -> list:
    """Active users, each named by id or by email."""
    items = _listed("team", value)
    ids = {number for item in items if (number := _as_id(item)) is not None}
    emails = {str(item).lower() for item in items if _as_id(item) is None}
    users = get_user_model().objects.filter(is_active=True)
    by_id = {user.pk: user for user in users.filter(pk__in=ids)} if ids else {}
    by_email = (
        {user.email.lower(): user for user in users.filter(email__in=emails)} if emails else {}
    )
    team, unknown = {}, []
    for item in items:
        number = _as_id(item)
        user = by_id.get(number) if number is not None else by_email.get(str(item).lower())
        if user is None:
            unknown.append(str(item))
        else:
            team[user.pk] = user
    if unknown:
        raise field_error(
            "team",
            "%(field)s: no active user with the id or email %(unknown)s.",
            "not_found",
            unknown=", ".join(unknown[:10]),
        )
    return list(team.values())


def _contacts(value) -> list[Contact]:
    items = _listed("contacts", value)
    ids = [_as_id(item) for item in items]
    if any(number is None for number in ids):
        raise field_error("contacts", "%(field)s must be a list of people's ids.", "invalid")
    found = Contact.objects.in_bulk(ids)
    unknown = [str(number) for number in dict.fromkeys(ids) if number not in found]
    if unknown:
        raise field_error(
            "contacts",
            "%(field)s: no person with the id %(unknown)s.",
            "not_found",
            unknown=", ".join(unknown[:10]),
        )
    return list(found.values())


def discount_percentage(value) -> Decimal:
    """A discount as a percentage to the cent, 0 to 100 (projects' and documents')."""
    if value in (None, ""):
        return Decimal("0.00")
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        number = None
    if number is None or not number.is_finite() or isinstance(value, bool):
        raise field_error("discount", "%(field)s must be a number.", "invalid")
    number = to_cents(number)
    if not Decimal(0) <= number <= Decimal(100):
        raise field_error(
            "discount", "%(field)s must be a percentage from 0 to 100.", "out_of_range"
        )
    return number


def _status(value) -> str:
    """A project's or a job's status letter (they share their states)."""
    status = str(value or "").strip().upper()
    if status not in Project.Status.values:
        raise field_error(
            "status",
            "%(field)s must be one of: %(choices)s.",
            "invalid_choice",
            choices=", ".join(Project.Status.values),
        )
    return status


def _brief(value) -> str:
    brief = str(value or "").strip()
    if len(brief) > PROJECT_BRIEF_MAX_CHARS:
        raise field_error(
            "brief",
            "%(field)s must be at most %(limit)s characters.",
            "max_length",
            limit=PROJECT_BRIEF_MAX_CHARS,
        )
    return brief


def _author(user):
    if user is None:
        raise field_error("addedby", "%(field)s is required.", "required")
    if not getattr(user, "pk", None):
        raise field_error("addedby", "%(field)s must be an existing user.", "not_found")
    return user


def take_next_project_number() -> int:
    """The next number from the account's proposal/project counter, under a lock on
    the settings row so two projects (or proposals, which billing numbers from the
    same counter) added at once never get the same one."""
    account = AccountSettings.objects.select_for_update().get(pk=AccountSettings.load().pk)
    highest = Project.objects.order_by("-id").values_list("id", flat=True).first() or 0
    # The counter may have been set back below numbers already used, by projects or
    # by the rows a higher layer numbers from it (hooks.register_shared_numbers).
    new_id = max(account.nextproposalid, highest + 1, highest_shared_number() + 1)
    account.nextproposalid = new_id + 1
    account.save(update_fields=["nextproposalid"])
    return new_id


@transaction.atomic
def create_project(
    *, actor=None, number: int | None = None, **fields: Unpack[ProjectFields]
) -> Project:
    """`actor` is who makes the change (not told of it); by default the adder.
    `number` is one already taken from the counter that the project keeps (an
    accepted proposal's, DESIGN §4); by default the counter's next."""
    if number is not None and Project.objects.filter(pk=number).exists():
        raise request_error("Project %(number)s already exists.", "taken", number=number)
    project = Project()
    _write_project(project, fields, creating=True, actor=actor, number=number)
    webhooks.record("project.created", project.pk)
    return project


@transaction.atomic
def update_project(project: Project, *, actor=None, **fields: Unpack[ProjectFields]) -> Project:
    _write_project(project, fields, creating=False, actor=actor)
    webhooks.record("project.updated", project.pk)
    return project


def notification_link(kind: str, pk: int) -> str:
    """A notification's link, Depot-style ("job/3"): the kind and its id. The
    notifications page turns it into the page's URL through the link targets this
    app registers (projects/apps.py), so a link stays right if the page moves."""
    return f"{kind}/{pk}"


def _tell_new_members(owner, team: list, *, noun: str, link: str, actor) -> None:
    """`teamadd` for the people on `team` who weren't on the owner's team before the
    change (run before `team.set`); the actor isn't told."""
    before = set(owner.team.values_list("pk", flat=True)) if owner.pk else set()
    added = [user for user in team if user.pk not in before]
    account_services.notify(
        Notification.Type.TEAM_ADD,
        title=f"You were added to the team of the {noun} {owner}",
        users=added,
        link=link,
        actor=_acting_user(actor, owner),
    )


def _acting_user(actor, owner):
    # An API credential is not a user: it can't be left out of a user's notifications.
    # Without an actor, whoever added the thing is taken to be making the change.
    if actor is None:
        actor = getattr(owner, "added_by", None)
    return actor if isinstance(actor, get_user_model()) else None


def _write_project(
    project: Project, fields: dict, *, creating: bool, actor=None, number: int | None = None
) -> None:
    fields = clean_values(only_known(fields, ProjectFields))
    refusals = Refusals()
    check, errors = refusals.check, refusals.errors
    people: dict[str, list] = {}

    if creating or "title" in fields:
        title = check(required_text, fields.get("title"), "title", max_length=TITLE_MAX_CHARS)
        if title is not None:
            project.title = title
    if creating or "status" in fields:
        status = check(_status, fields.get("status"))
        if status is not None:
            project.status = status
    if creating or "for_code" in fields:
        client = check(client_from_code, fields.get("for_code"))
        if isinstance(client, Company):
            project.client_company, project.client_contact = client, None
        elif isinstance(client, Contact):
            project.client_company, project.client_contact = None, client
    if "brief" in fields:
        brief = check(_brief, fields["brief"])
        if brief is not None:
            project.brief = brief
    for name in ("expanded", "conclusion"):
        if name in fields:
            sections = check(titled_sections, name, fields[name])
            if sections is not None:
                setattr(project, name, sections)
    if "deadline" in fields and fields["deadline"] is not None:
        if not isinstance(fields["deadline"], date):
            errors["deadline"] = field_message("deadline", "%(field)s must be a date.", "invalid")
        else:
            project.deadline = fields["deadline"]
    if "discount" in fields:
        discount = check(discount_percentage, fields["discount"])
        if discount is not None:
            project.discount = discount
    if "team" in fields:
        team = check(_team, fields["team"])
        if team is not None:
            people["team"] = team
    if "contacts" in fields:
        contacts = check(_contacts, fields["contacts"])
        if contacts is not None:
            people["contacts"] = contacts
    if creating or "added_by" in fields:
        user = check(_author, fields.get("added_by"))
        if user is not None:
            project.added_by = user
    if errors:
        raise ValidationError(errors)
    if creating:
        project.id = number if number is not None else take_next_project_number()
    project.save()
    if "team" in people:
        _tell_new_members(
            project,
            people["team"],
            noun="project",
            link=notification_link("project", project.pk),
            actor=actor,
        )
    for name, related in people.items():
        getattr(project, name).set(related)


@transaction.atomic
def delete_project(project: Project) -> None:
    """The project, its team and contacts links, and its journal; refused while it
    has jobs, which hold the work and (later) the time logged against it."""
    # Whoever adds a job locks the project row too (_locked_project): they go first
    # and this refusal counts their job, or they wait and find the project gone.
    if _locked_project(project.pk) is None:
        return
    _refuse_while_held(project, project=project)
    row = webhooks.render_for_deletion("project", project.pk)
    project_id = project.pk
    crm_services.delete_journal_of(Project.CODE, project.pk)
    project.delete()
    webhooks.record_deleted("project", project_id, row)


def _retarget_time(**levels) -> None:
    """Time entries (and running timers) store every level above their target, so the
    roll-ups are one SUM each: when a job, an item or an action moves, those logged
    on it (the first of `levels`, by id) follow it to its new parents."""
    (owner, owner_id), *parents = levels.items()
    columns = {f"{level}_id": parent_id for level, parent_id in parents}
    for model in (TimeEntry, RunningTimer):
        model.objects.filter(**{f"{owner}_id": owner_id}).update(**columns)


def _refuse_while_held(obj, **time_target) -> None:
    """A 400 naming what still holds `obj`: rows protecting it, and time logged on it."""
    references = crm_services.blocking_references(obj) + _time_logged(**time_target)
    if references:
        raise request_error(
            "%(name)s can't be deleted while it has %(references)s.",
            "in_use",
            name=str(obj),
            references=", ".join(references),
        )


# --- jobs -------------------------------------------------------------------------


class JobFields(TypedDict, total=False):
    """A job's writable fields. Every one is optional on update; `title`, `status`,
    `project` and `added_by` are required on create."""

    title: str
    status: str  # O, H, P, C or F, as a project's
    project: Project | int | str  # the project, or its id
    brief: str
    deadline: date | None  # None: a week from today
    order: int | str | None  # its place among the project's jobs; None: after the last
    discount: Decimal | str | int | None  # a percentage
    team: list[int | str] | str | None  # users by id or email
    contacts: list[int] | None  # people's ids
    added_by: Any  # a User


JOB_TITLE_MAX_CHARS = Job._meta.get_field("title").max_length
# A PositiveIntegerField holds up to this on every database Django supports.
JOB_ORDER_MAX = 2_147_483_647


def _locked_project(pk) -> Project | None:
    """The project row, locked until the transaction ends; None if it is gone. On
    SQLite write transactions already run one at a time (IMMEDIATE)."""
    return Project.objects.select_for_update().filter(pk=pk).first()


def _job_project(value) -> Project:
    if isinstance(value, Project):
        value = value.pk
    if value in (None, ""):
        raise field_error("project", "%(field)s is required.", "required")
    number = _as_id(value)
    project = _locked_project(number) if number is not None and number <= MAX_ID else None
    if project is None:
        shown = str(value)
        raise field_error(
            "project",
            "%(field)s: no project with the id %(value)s.",
            "not_found",
            value=shown if len(shown) <= 40 else f"{shown[:40]}…",
        )
    return project


def _order(value) -> int | None:
    if value in (None, ""):
        return None
    number = _as_id(value)
    if number is None or not 0 <= number <= JOB_ORDER_MAX:
        raise field_error(
            "order",
            "%(field)s must be a whole number from 0 to %(high)s.",
            "out_of_range",
            high=JOB_ORDER_MAX,
        )
    return number


def _next_in_project(project: Project, column: str) -> int:
    # Read under the project's row lock (_job_project), so no other job takes it.
    highest = project.jobs.aggregate(highest=Max(column))["highest"]
    return (highest or 0) + 1


@transaction.atomic
def create_job(*, actor=None, **fields: Unpack[JobFields]) -> Job:
    """`actor` is who makes the change (not told of it); by default the adder."""
    job = Job()
    _write_job(job, fields, creating=True, actor=actor)
    webhooks.record("job.created", job.pk)
    return job


@transaction.atomic
def update_job(job: Job, *, actor=None, **fields: Unpack[JobFields]) -> Job:
    _write_job(job, fields, creating=False, actor=actor)
    webhooks.record("job.updated", job.pk)
    return job


def _write_job(job: Job, fields: dict, *, creating: bool, actor=None) -> None:
    fields = clean_values(only_known(fields, JobFields))
    refusals = Refusals()
    check, errors = refusals.check, refusals.errors
    people: dict[str, list] = {}

    if creating or "title" in fields:
        title = check(required_text, fields.get("title"), "title", max_length=JOB_TITLE_MAX_CHARS)
        if title is not None:
            job.title = title
    if creating or "status" in fields:
        status = check(_status, fields.get("status"))
        if status is not None:
            job.status = status
    project = None
    if creating or "project" in fields:
        project = check(_job_project, fields.get("project"))
    if "brief" in fields:
        brief = check(_brief, fields["brief"])
        if brief is not None:
            job.brief = brief
    if "deadline" in fields and fields["deadline"] is not None:
        if not isinstance(fields["deadline"], date):
            errors["deadline"] = field_message("deadline", "%(field)s must be a date.", "invalid")
        else:
            job.deadline = fields["deadline"]
    order = check(_order, fields.get("order"))
    if "discount" in fields:
        discount = check(discount_percentage, fields["discount"])
        if discount is not None:
            job.discount = discount
    if "team" in fields:
        team = check(_team, fields["team"])
        if team is not None:
            people["team"] = team
    if "contacts" in fields:
        contacts = check(_contacts, fields["contacts"])
        if contacts is not None:
            people["contacts"] = contacts
    if creating or "added_by" in fields:
        user = check(_author, fields.get("added_by"))
        if user is not None:
            job.added_by = user
    if errors:
        raise ValidationError(errors)
    if project is not None and project.pk != job.project_id:
        # A job moved to another project is numbered, and placed last, in that one.
        job.project = project
        job.number = _next_in_project(project, "number")
        if order is None:
            job.order = _next_in_project(project, "order")
        if job.pk:
            _retarget_time(job=job.pk, project=project.pk)
    if order is not None:
        job.order = order
    job.save()
    if "team" in people:
        link = notification_link("job", job.pk)
        _tell_new_members(job, people["team"], noun="job", link=link, actor=actor)
    for name, related in people.items():
        getattr(job, name).set(related)


def _time_logged(**target) -> list[str]:
    """Time logged and timers running against a target, as phrases for a refusal:
    the entries point at every level above them (TimeTarget), through protecting
    keys the journal's blocking_references can't see."""
    phrases = []
    entries = TimeEntry.objects.filter(**target).count()
    if entries:
        phrases.append(f"{entries} time {'entry' if entries == 1 else 'entries'}")
    timers = RunningTimer.objects.filter(**target).count()
    if timers:
        phrases.append(f"{timers} running {'timer' if timers == 1 else 'timers'}")
    return phrases


@transaction.atomic
def delete_job(job: Job) -> None:
    """The job, its team and contacts links, and its journal; refused while it has
    items or time logged on it."""
    _refuse_while_held(job, job=job)
    row = webhooks.render_for_deletion("job", job.pk)
    job_id = job.pk
    crm_services.delete_journal_of(Job.CODE, job.pk)
    job.delete()
    webhooks.record_deleted("job", job_id, row)


# --- job items --------------------------------------------------------------------


class JobItemFields(TypedDict, total=False):
    """A job item's writable fields. Every one is optional on update; `title` and
    `job` and `added_by` are required on create (status, type, hours and rate
    default to open, hourly, 0 and 0)."""

    title: str
    description: str
    status: str  # O, H, P, C or F, as a project's
    type: str  # hourly, fixed or external
    job: Job | int | str  # the job, or its id
    hours: Decimal | str | int | float | None  # hours, or the quantity of a fixed/external item
    rate: Decimal | str | int | float | None  # the unit rate (a markup % for external costs)
    team: list[int | str] | str | None  # users by id or email
    start: date | None  # None: today
    deadline: date | None  # None: a week from today
    taxcode: str | None  # a billing tax code
    ledger: str | None  # a billing ledger category code
    order: int | str | None  # its place among the job's items; None: after the last
    added_by: Any  # a User


ITEM_TITLE_MAX_CHARS = JobItem._meta.get_field("title").max_length
# More hours than a person works in fifty years is a typing mistake, not a plan.
ITEM_HOURS_MAX = Decimal("100000")
ITEM_RATE_MAX = Decimal("1000000000")
ITEM_TEXT_CODE_MAX_CHARS = JobItem._meta.get_field("taxcode").max_length
ITEM_ORDER_MAX = JOB_ORDER_MAX
# A job's items, or a project's jobs, reordered in one request; past this a list is
# not a plan anyone drags.
REORDERED_MAX = 1000


def _locked_job(value) -> Job:
    """The job an item goes in, locked until the transaction ends, so two items
    added at once are placed one after the other."""
    if isinstance(value, Job):
        value = value.pk
    if value in (None, ""):
        raise field_error("job", "%(field)s is required.", "required")
    number = _as_id(value)
    job = (
        Job.objects.select_for_update().filter(pk=number).first()
        if number is not None and number <= MAX_ID
        else None
    )
    if job is None:
        shown = str(value)
        raise field_error(
            "job",
            "%(field)s: no job with the id %(value)s.",
            "not_found",
            value=shown if len(shown) <= 40 else f"{shown[:40]}…",
        )
    return job


def _item_type(value) -> str:
    kind = str(value or "").strip().lower()
    if kind not in JobItem.Type.values:
        raise field_error(
            "type",
            "%(field)s must be one of: %(choices)s.",
            "invalid_choice",
            choices=", ".join(JobItem.Type.values),
        )
    return kind


def _amount(field: str, value, *, high: Decimal) -> Decimal:
    if value in (None, ""):
        return Decimal("0.00")
    try:
        number = None if isinstance(value, bool) else Decimal(str(value).strip())
    except ArithmeticError:
        number = None
    if number is None or not number.is_finite():
        raise field_error(field, "%(field)s must be a number.", "invalid")
    number = to_cents(number)
    if not Decimal(0) <= number <= high:
        raise field_error(
            field, "%(field)s must be from 0 to %(high)s.", "out_of_range", high=f"{high:,}"
        )
    return number


def _reference_code(field: str, value) -> str:
    code = str(value or "").strip()
    if not code:
        return ""
    if len(code) > ITEM_TEXT_CODE_MAX_CHARS:
        raise field_error(
            field,
            "%(field)s must be at most %(limit)s characters.",
            "max_length",
            limit=ITEM_TEXT_CODE_MAX_CHARS,
        )
    if not reference_exists(field, code):
        kind = "tax code" if field == "taxcode" else "ledger category"
        raise field_error(
            field,
            "%(field)s: no %(kind)s with the code %(code)s.",
            "not_found",
            kind=kind,
            code=code,
        )
    return code


def _day(field: str, value) -> date:
    if not isinstance(value, date):
        raise field_error(field, "%(field)s must be a date.", "invalid")
    return value


def _next_item_order(job: Job) -> int:
    # Read under the job's row lock (_locked_job), so no other item takes it.
    return (job.items.aggregate(highest=Max("order"))["highest"] or 0) + 1


@transaction.atomic
def create_job_item(*, actor=None, **fields: Unpack[JobItemFields]) -> JobItem:
    """`actor` is who makes the change (not told of it); by default the adder."""
    item = JobItem()
    _write_job_item(item, fields, creating=True, actor=actor)
    return item


@transaction.atomic
def update_job_item(item: JobItem, *, actor=None, **fields: Unpack[JobItemFields]) -> JobItem:
    _write_job_item(item, fields, creating=False, actor=actor)
    return item


def _write_job_item(item: JobItem, fields: dict, *, creating: bool, actor) -> None:
    fields = clean_values(only_known(fields, JobItemFields))
    refusals = Refusals()
    check = refusals.check

    if creating or "title" in fields:
        title = check(required_text, fields.get("title"), "title", max_length=ITEM_TITLE_MAX_CHARS)
        if title is not None:
            item.title = title
    if "description" in fields:
        description = check(_long_text, "description", fields["description"])
        if description is not None:
            item.description = description
    if "status" in fields or (creating and fields.get("status") is not None):
        status = check(_status, fields.get("status"))
        if status is not None:
            item.status = status
    if "type" in fields or (creating and fields.get("type") is not None):
        kind = check(_item_type, fields.get("type"))
        if kind is not None:
            item.type = kind
    job = None
    if creating or "job" in fields:
        job = check(_locked_job, fields.get("job"))
    for name, high in (("hours", ITEM_HOURS_MAX), ("rate", ITEM_RATE_MAX)):
        if name in fields:
            amount = check(_amount, name, fields[name], high=high)
            if amount is not None:
                setattr(item, name, amount)
    for name in ("start", "deadline"):
        if fields.get(name) is not None:
            day = check(_day, name, fields[name])
            if day is not None:
                setattr(item, name, day)
    for name in ("taxcode", "ledger"):
        if name in fields:
            code = check(_reference_code, name, fields[name])
            if code is not None:
                setattr(item, name, code)
    order = check(_order, fields.get("order"))
    team = check(_team, fields["team"]) if "team" in fields else None
    if creating or "added_by" in fields:
        user = check(_author, fields.get("added_by"))
        if user is not None:
            item.added_by = user
    if refusals.errors:
        raise ValidationError(refusals.errors)
    if job is not None and job.pk != item.job_id:
        # An item moved to another job goes last in that one, unless placed.
        item.job = job
        if order is None:
            item.order = _next_item_order(job)
        if item.pk:
            _retarget_time(item=item.pk, job=job.pk, project=job.project_id)
    if order is not None:
        item.order = order
    item.save()
    if team is not None:
        link = notification_link("item", item.pk)
        _tell_new_members(item, team, noun="item", link=link, actor=actor)
        item.team.set(team)


def _long_text(field: str, value) -> str:
    text = str(value or "").strip()
    if len(text) > PROJECT_BRIEF_MAX_CHARS:
        raise field_error(
            field,
            "%(field)s must be at most %(limit)s characters.",
            "max_length",
            limit=PROJECT_BRIEF_MAX_CHARS,
        )
    return text


@transaction.atomic
def delete_job_item(item: JobItem) -> None:
    """The item and its team links; refused while it has actions or time logged
    on it (its actions' time counts as its own)."""
    _refuse_while_held(item, item=item)
    crm_services.delete_journal_of(JobItem.CODE, item.pk)
    item.delete()


def _put_in_order(rows, wanted_ids: list, *, field: str, owner: str) -> None:
    """Numbers `rows` (1, 2, 3, ...) in the order of `wanted_ids`, which must name
    each of them once: a list read before someone added or removed one is refused
    rather than half applied. The caller holds the owner's row lock."""
    if len(wanted_ids) > REORDERED_MAX:
        raise field_error(
            field,
            "%(field)s must list at most %(limit)s %(noun)s.",
            "too_many",
            limit=REORDERED_MAX,
            noun=field,
        )
    wanted = [_as_id(row_id) for row_id in wanted_ids]
    rows = list(rows)
    if None in wanted or len(set(wanted)) != len(wanted) or set(wanted) != {r.pk for r in rows}:
        raise field_error(
            field,
            "%(field)s must list each of the %(owner)s's %(noun)s once; reload the page and"
            " try again.",
            "stale",
            owner=owner,
            noun=field,
        )
    place = {row_id: index for index, row_id in enumerate(wanted, start=1)}
    for row in rows:
        row.order = place[row.pk]
    if rows:
        type(rows[0]).objects.bulk_update(rows, ["order"])


def _moved(ids: list[int], moving: int, offset: int) -> list[int]:
    index = ids.index(moving)
    target = min(max(index + offset, 0), len(ids) - 1)
    ids.insert(target, ids.pop(index))
    return ids


@transaction.atomic
def reorder_job_items(job: Job, item_ids: list) -> None:
    """Puts the job's items in the order of `item_ids`, each named once."""
    job = _locked_job(job)
    _put_in_order(job.items.all(), item_ids, field="items", owner="job")


def move_job_item(item: JobItem, offset: int) -> None:
    """Moves the item `offset` places up (negative) or down its job's list, as the
    page's move buttons do."""
    ids = list(item.job.items.order_by("order", "pk").values_list("pk", flat=True))
    reorder_job_items(item.job, _moved(ids, item.pk, offset))


@transaction.atomic
def reorder_jobs(project: Project, job_ids: list) -> None:
    """Puts the project's jobs in the order of `job_ids`, each named once."""
    project = _locked_project(project.pk) or project
    _put_in_order(project.jobs.all(), job_ids, field="jobs", owner="project")


def move_job(job: Job, offset: int) -> None:
    """Moves the job `offset` places up (negative) or down its project's list."""
    ids = list(job.project.jobs.order_by("order", "pk").values_list("pk", flat=True))
    reorder_jobs(job.project, _moved(ids, job.pk, offset))


# --- job actions ------------------------------------------------------------------


class JobActionFields(TypedDict, total=False):
    """An action's writable fields. Every one is optional on update; `title`,
    `item` and `added_by` are required on create (status defaults to unfinished)."""

    title: str
    status: str  # C (completed) or U (unfinished)
    item: JobItem | int | str  # the job item, or its id
    assigned_to: Any  # a User, a user's email or id; None or "" for nobody
    deadline: date | None  # None: a week from today
    added_by: Any  # a User


ACTION_TITLE_MAX_CHARS = JobAction._meta.get_field("title").max_length


def _action_status(value) -> str:
    status = str(value or "").strip().upper()
    if status not in JobAction.Status.values:
        raise field_error(
            "status",
            "%(field)s must be C (completed) or U (unfinished).",
            "invalid_choice",
        )
    return status


def _action_item(value) -> JobItem:
    if isinstance(value, JobItem):
        value = value.pk
    if value in (None, ""):
        raise field_error("item", "%(field)s is required.", "required")
    number = _as_id(value)
    item = (
        JobItem.objects.select_related("job").filter(pk=number).first()
        if number is not None and number <= MAX_ID
        else None
    )
    if item is None:
        shown = str(value)
        raise field_error(
            "item",
            "%(field)s: no job item with the id %(value)s.",
            "not_found",
            value=shown if len(shown) <= 40 else f"{shown[:40]}…",
        )
    return item


def _assignee(value):
    if value in (None, ""):
        return None
    if isinstance(value, get_user_model()):
        return value
    (user,) = _team_for("assignedto", [value])
    return user


def _team_for(field: str, value) -> list:
    # The team rule (active users by id or email), worded for another field.
    try:
        return _team(value)
    except ValidationError as exc:
        raise field_error(
            field,
            "%(field)s: no active user with the id or email %(value)s.",
            "not_found",
            value=str(value[0])[:80],
        ) from exc


@transaction.atomic
def create_job_action(*, actor=None, **fields: Unpack[JobActionFields]) -> JobAction:
    """`actor` is who makes the change (not told of it); by default the adder."""
    action = JobAction()
    _write_job_action(action, fields, creating=True, actor=actor)
    return action


@transaction.atomic
def update_job_action(
    action: JobAction, *, actor=None, **fields: Unpack[JobActionFields]
) -> JobAction:
    _write_job_action(action, fields, creating=False, actor=actor)
    return action


def require_job_in_reach(actor, job_id: int) -> None:
    """A collaborator works only in the jobs they are given (`queries.jobs_in_reach`):
    anything else is refused as not theirs (the API's 401, a page's 403)."""
    reach = jobs_in_reach(actor)
    if reach is not None and job_id not in reach:
        raise PermissionDenied("Collaborators can only work on the jobs they are given.")


def _write_job_action(action: JobAction, fields: dict, *, creating: bool, actor) -> None:
    fields = clean_values(only_known(fields, JobActionFields))
    if not creating:
        require_job_in_reach(actor, action.item.job_id)
    refusals = Refusals()
    check = refusals.check
    was_assigned_to = action.assigned_to_id
    was_completed = action.status == JobAction.Status.COMPLETED and not creating

    if creating or "title" in fields:
        title = check(
            required_text, fields.get("title"), "title", max_length=ACTION_TITLE_MAX_CHARS
        )
        if title is not None:
            action.title = title
    if "status" in fields or (creating and fields.get("status") is not None):
        status = check(_action_status, fields.get("status"))
        if status is not None:
            action.status = status
    moved_to = None
    if creating or "item" in fields:
        item = check(_action_item, fields.get("item"))
        if item is not None:
            require_job_in_reach(actor, item.job_id)
            moved_to = item if not creating and item.pk != action.item_id else None
            action.item = item
    if "assigned_to" in fields:
        assignee = check(_assignee, fields["assigned_to"])
        if assignee is not None or fields["assigned_to"] in (None, ""):
            action.assigned_to = assignee
    if fields.get("deadline") is not None:
        deadline = check(_day, "deadline", fields["deadline"])
        if deadline is not None:
            action.deadline = deadline
    if creating or "added_by" in fields:
        user = check(_author, fields.get("added_by"))
        if user is not None:
            action.added_by = user
    if refusals.errors:
        raise ValidationError(refusals.errors)
    if moved_to is not None:
        _retarget_time(
            action=action.pk,
            item=moved_to.pk,
            job=moved_to.job_id,
            project=moved_to.job.project_id,
        )
    completed_now = action.status == JobAction.Status.COMPLETED and not was_completed
    if completed_now:
        action.completed = timezone.now()
    elif action.status == JobAction.Status.UNFINISHED:
        action.completed = None
    action.save()
    link = notification_link("action", action.pk)
    acting = _acting_user(actor, action)
    if action.assigned_to_id is not None and action.assigned_to_id != was_assigned_to:
        account_services.notify(
            Notification.Type.ACTION_ASSIGNED,
            title=f"Action assigned to you: {action.title}",
            users=[action.assigned_to],
            link=link,
            content=f"Due {action.deadline:%d %b %Y}, on {action.item.title}.",
            actor=acting,
        )
    if completed_now:
        account_services.notify(
            Notification.Type.ACTION_COMPLETED,
            title=f"Action completed: {action.title}",
            users=[action.added_by],
            link=link,
            actor=acting,
        )


@transaction.atomic
def delete_job_action(action: JobAction) -> None:
    """The action; refused while time is logged on it."""
    _refuse_while_held(action, action=action)
    crm_services.delete_journal_of(JobAction.CODE, action.pk)
    action.delete()
