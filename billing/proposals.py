"""Every write to proposals, for the pages and the API alike (DESIGN §4).

A proposal is an offer of work: jobs of items (hours × rate, each with its tax code),
checked here with billing.totals' `LineChecks` and priced by `totals.proposal_totals`,
the money columns written from the same computation in the same save. Its id is a
number from the account's proposal/project counter
(`projects.services.take_next_project_number`), and once it is accepted it can become
a project, with its jobs and items, that keeps the same number.
"""

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import webhooks
from config.errors import Refusals, field_error, field_message, merge, render, request_error
from config.keywords import only_known
from config.limits import (
    DOCUMENT_LINE_DESCRIPTION_MAX_CHARS,
    DOCUMENT_LINE_TITLE_MAX_CHARS,
    DOCUMENT_LINES_MAX_ITEMS,
    DOCUMENT_SECTIONS_MAX_ITEMS,
    PROJECT_BRIEF_MAX_CHARS,
    PROJECT_PEOPLE_MAX_ITEMS,
    PROPOSAL_ITEM_ACTIONS_MAX_ITEMS,
)
from config.money import CENT
from config.parsing import load_json, parse_bool, parse_date, parse_int
from config.text import clean_values, required_text
from crm import services as crm_services
from crm.models import Company, Contact
from projects import services as project_services
from projects.models import JobAction, JobItem, Project

from .models import Proposal
from .totals import (
    HUNDRED,
    NO_CATEGORY,
    LineChecks,
    Totals,
    check_sent_total,
    proposal_totals,
)

User = get_user_model()

CODE = "Q"
TITLE_MAX_CHARS = Proposal._meta.get_field("title").max_length
ITEM_TYPES = tuple(JobItem.Type.values)
# An item's start: a date, or "TBC" (Depot's word for not yet known).
NOT_YET_KNOWN = "TBC"
DURATION_MAX_DAYS = 3650
ACTION_TITLE_MAX_CHARS = JobAction._meta.get_field("title").max_length


class ProposalFields(TypedDict, total=False):
    """A proposal's fields, by their Depot names (the API's `items`, the jobs of items,
    is `jobs` here, as the proposal stores and shows them). `title`, `client` and
    `added_by` are required on create; `status` defaults to pending."""

    title: str
    status: str  # P (pending), A (accepted) or X (rejected)
    client: str  # C41 (a company) or I5 (a person)
    overview: str
    jobs: list | str | None  # [{"name", "brief", "discount", "print", "team", "items": [...]}]
    expanded: list | str | None  # [{"title", "content"}] or [{title: content}], or as JSON
    conclusion: list | str | None
    submitdate: date | str | int | None  # None, "" or 0: no date
    discount: Decimal | str | int | None  # a percentage
    printtotal: bool | str | int
    total: Any  # when given, must be the computed total to the cent
    added_by: Any  # a User


# --- the jobs of items -------------------------------------------------------------


class _Teams:
    """The people a proposal's jobs and items name for their teams, by email or id:
    collected while the jobs are checked, then found in one query."""

    def __init__(self):
        self.wanted: list[tuple[str, list, dict]] = []

    def take(self, checks: LineChecks, where: str, value, target: dict) -> None:
        if value in (None, ""):
            target["team"] = ""
            return
        if isinstance(value, str):
            tokens = value.split(",")
        elif isinstance(value, list):
            tokens = [
                member.get("email", member.get("id")) if isinstance(member, Mapping) else member
                for member in value
            ]
        else:
            checks.refuse(where, "team must be a list of users' emails.")
            return
        tokens = [str(token).strip() for token in tokens if str(token or "").strip()]
        if len(tokens) > PROJECT_PEOPLE_MAX_ITEMS:
            checks.refuse(
                where, "team can have at most %(limit)s people.", limit=PROJECT_PEOPLE_MAX_ITEMS
            )
            return
        target["team"] = ""
        self.wanted.append((where, tokens, target))

    def resolve(self, checks: LineChecks) -> None:
        tokens = {token for _, wanted, _ in self.wanted for token in wanted}
        if not tokens:
            return
        ids = {int(token) for token in tokens if token.isdigit() and len(token) <= 18}
        emails = {token.lower() for token in tokens if not token.isdigit()}
        users = User.objects.filter(is_active=True)
        by_id = dict(users.filter(pk__in=ids).values_list("pk", "email")) if ids else {}
        by_email = (
            {
                email.lower(): email
                for email in users.filter(email__in=emails).values_list("email", flat=True)
            }
            if emails
            else {}
        )
        for where, wanted, target in self.wanted:
            found, unknown = [], []
            for token in wanted:
                email = by_id.get(int(token)) if token.isdigit() and len(token) <= 18 else None
                email = email or by_email.get(token.lower())
                if email is None:
                    unknown.append(token[:80])
                elif email not in found:
                    found.append(email)
            if unknown:
                checks.refuse(
                    where,
                    "team: no active user with the id or email %(unknown)s.",
                    unknown=", ".join(unknown[:10]),
                )
            target["team"] = ",".join(found)


def _flag(checks: LineChecks, where: str, record: Mapping, key: str) -> bool:
    value = record.get(key)
    if value is None or value == "":
        return True
    try:
        return parse_bool(value)
    except ValueError:
        checks.refuse(where, f"{key} must be true or false.")
        return True


def _start(checks: LineChecks, where: str, item: Mapping) -> str:
    value = item.get("start")
    if value is None or str(value).strip().upper() in ("", NOT_YET_KNOWN):
        return NOT_YET_KNOWN
    if value == 0 or str(value).strip() == "0":
        return NOT_YET_KNOWN
    try:
        return parse_date(value).isoformat()
    except ValueError:
        checks.refuse(where, "start must be a date (YYYY-MM-DD or a Unix timestamp) or TBC.")
        return NOT_YET_KNOWN


def _duration(checks: LineChecks, where: str, item: Mapping) -> int:
    value = item.get("duration")
    if value is None or value == "":
        return 0
    try:
        days = -1 if isinstance(value, bool) else parse_int(value)
    except ValueError:
        days = -1
    if not 0 <= days <= DURATION_MAX_DAYS:
        checks.refuse(
            where,
            "duration must be a whole number of days from 0 to %(limit)s.",
            limit=DURATION_MAX_DAYS,
        )
        return 0
    return days


def _actions(checks: LineChecks, where: str, item: Mapping) -> list[dict]:
    value = item.get("actions")
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        checks.refuse(where, "actions must be a list of the actions' names.")
        return []
    if len(value) > PROPOSAL_ITEM_ACTIONS_MAX_ITEMS:
        checks.refuse(
            where,
            "actions can have at most %(limit)s actions.",
            limit=PROPOSAL_ITEM_ACTIONS_MAX_ITEMS,
        )
        return []
    actions = []
    for number, action in enumerate(value, start=1):
        if isinstance(action, Mapping):
            action = {"name": action.get("name", action.get("title"))}
        else:
            action = {"name": action}
        name = checks.text(
            f"{where}, action {number}", action, "name", ACTION_TITLE_MAX_CHARS, required=True
        )
        if name:
            actions.append({"name": name})
    return actions


def _item(checks: LineChecks, teams: _Teams, where: str, item) -> dict | None:
    if not isinstance(item, Mapping):
        checks.refuse(where, "must be an object with a name, hours, a rate and a taxcode.")
        return None
    name = checks.text(where, item, "name", DOCUMENT_LINE_TITLE_MAX_CHARS, required=True)
    brief = checks.text(where, item, "brief", DOCUMENT_LINE_DESCRIPTION_MAX_CHARS)
    kind = str(item.get("type") or "hourly").strip().lower()
    if kind not in ITEM_TYPES:
        checks.refuse(where, "type must be one of %(types)s.", types=", ".join(ITEM_TYPES))
    hours = checks.number(
        where, item, "hours", 0, high=project_services.ITEM_HOURS_MAX, places=CENT
    )
    rate = checks.number(
        where, item, "rate", None, high=project_services.ITEM_RATE_MAX, places=CENT
    )
    taxcode, category = checks.codes(where, item)
    cleaned = {
        "name": name,
        "brief": brief,
        "type": kind,
        "hours": f"{hours:.2f}",
        "rate": f"{rate:.2f}",
        "taxcode": taxcode,
        "taxrate": checks.rate_of(taxcode),
        "category": category,
        "print": _flag(checks, where, item, "print"),
        "start": _start(checks, where, item),
        "duration": _duration(checks, where, item),
        "actions": _actions(checks, where, item),
    }
    teams.take(checks, where, item.get("team"), cleaned)
    return cleaned


def clean_jobs(value, *, field: str = "jobs") -> list[dict]:
    """The stored form of a proposal's jobs of items, from a JSON string or a list.

    Every problem is reported at once, each naming its job and item ("jobs: job 1,
    item 2: tax code '009' does not exist."); each item's tax rate is kept with it, so
    the proposal prices the same as it was offered."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        try:
            value = load_json(value)
        except ValueError:
            raise field_error(
                field, "%(field)s must be JSON: a list of jobs, each with its items.", "invalid"
            ) from None
    if not isinstance(value, list):
        raise field_error(
            field, "%(field)s must be a list of jobs, each with its items.", "invalid"
        )
    if len(value) > DOCUMENT_SECTIONS_MAX_ITEMS:
        raise field_error(
            field,
            "%(field)s can have at most %(limit)s jobs.",
            "too_many",
            limit=DOCUMENT_SECTIONS_MAX_ITEMS,
        )
    checks, teams = LineChecks(field), _Teams()
    jobs, count = [], 0
    for number, job in enumerate(value, start=1):
        where = f"job {number}"
        if not isinstance(job, Mapping) or not isinstance(job.get("items") or [], list):
            checks.refuse(where, "must be an object with a name and a list of items.")
            continue
        items = job.get("items") or []
        count += len(items)
        if count > DOCUMENT_LINES_MAX_ITEMS:
            raise field_error(
                field,
                "%(field)s can have at most %(limit)s items in all.",
                "too_many",
                limit=DOCUMENT_LINES_MAX_ITEMS,
            )
        name = checks.text(where, job, "name", DOCUMENT_LINE_TITLE_MAX_CHARS, required=True)
        brief = checks.text(where, job, "brief", DOCUMENT_LINE_DESCRIPTION_MAX_CHARS)
        discount = checks.number(where, job, "discount", 0, high=HUNDRED, places=CENT)
        cleaned = {
            "name": name,
            "brief": brief,
            "discount": f"{discount:.2f}",
            "print": _flag(checks, where, job, "print"),
        }
        teams.take(checks, where, job.get("team"), cleaned)
        cleaned["items"] = [
            line
            for index, item in enumerate(items, start=1)
            if (line := _item(checks, teams, f"{where}, item {index}", item)) is not None
        ]
        jobs.append(cleaned)
    teams.resolve(checks)
    if checks.errors:
        raise merge(checks.errors)
    return jobs


# --- proposals ---------------------------------------------------------------------


def _status(value) -> str:
    status = str(value or "").strip().upper()
    if status not in Proposal.Status.values:
        raise field_error(
            "status",
            "%(field)s must be P (pending), A (accepted) or X (rejected).",
            "invalid_choice",
        )
    return status


def _overview(value) -> str:
    text = str(value or "").strip()
    if len(text) > PROJECT_BRIEF_MAX_CHARS:
        raise field_error(
            "overview",
            "%(field)s must be at most %(limit)s characters.",
            "max_length",
            limit=PROJECT_BRIEF_MAX_CHARS,
        )
    return text


def _submitdate(value) -> date | None:
    if value in (None, "", 0, "0"):
        return None
    if isinstance(value, date):
        return value
    try:
        return parse_date(value)
    except ValueError as problem:
        raise field_error(
            "submitdate", "%(field)s %(problem)s.", "invalid", problem=str(problem)
        ) from None


def _printtotal(value) -> bool:
    try:
        return parse_bool(value)
    except ValueError:
        raise field_error("printtotal", "%(field)s must be true or false.", "invalid") from None


def _author(user):
    if user is None:
        raise field_error("user", "%(field)s is required.", "required")
    if not isinstance(user, User) or not user.pk:
        raise field_error("user", "%(field)s must be an existing user.", "not_found")
    return user


def _write_proposal(proposal: Proposal, fields: dict, *, creating: bool) -> Totals:
    fields = clean_values(only_known(fields, ProposalFields))
    refusals = Refusals()
    check, errors = refusals.check, refusals.errors

    if creating or "title" in fields:
        title = check(required_text, fields.get("title"), "title", max_length=TITLE_MAX_CHARS)
        if title is not None:
            proposal.title = title
    if "status" in fields or (creating and fields.get("status") is not None):
        status = check(_status, fields.get("status"))
        if status is not None and proposal.project_id and status != Proposal.Status.ACCEPTED:
            errors["status"] = field_message(
                "status",
                "%(field)s stays accepted: the proposal became project %(project)s.",
                "has_project",
                project=proposal.project_id,
            )
        elif status is not None:
            proposal.status = status
    if creating or "client" in fields:
        client = check(project_services.client_from_code, fields.get("client"), field="client")
        if isinstance(client, Company):
            proposal.client_company, proposal.client_contact = client, None
        elif isinstance(client, Contact):
            proposal.client_company, proposal.client_contact = None, client
    if "overview" in fields:
        overview = check(_overview, fields["overview"])
        if overview is not None:
            proposal.overview = overview
    for name in ("expanded", "conclusion"):
        if name in fields:
            sections = check(project_services.titled_sections, name, fields[name])
            if sections is not None:
                setattr(proposal, name, sections)
    if creating or "jobs" in fields:
        try:
            proposal.jobs = clean_jobs(fields.get("jobs"))
        except ValidationError as exc:
            # Every problem with the jobs, not only the first (Refusals keeps one a field).
            errors["jobs"] = ValidationError(exc.error_dict["jobs"])
    if "submitdate" in fields:
        when = check(_submitdate, fields["submitdate"])
        if when is not None or "submitdate" not in errors:
            proposal.submitdate = when
    if creating or "discount" in fields:
        discount = check(project_services.discount_percentage, fields.get("discount"))
        if discount is not None:
            proposal.discount = discount
    if "printtotal" in fields:
        printtotal = check(_printtotal, fields["printtotal"])
        if printtotal is not None:
            proposal.printtotal = printtotal
    if creating or "added_by" in fields:
        user = check(_author, fields.get("added_by"))
        if user is not None:
            proposal.added_by = user
    if errors:
        raise ValidationError(errors)

    totals = proposal_totals(proposal.jobs, proposal.discount)
    if fields.get("total") not in (None, ""):
        check_sent_total(fields["total"], totals)
    for name, amount in totals.money_fields().items():
        setattr(proposal, name, amount)
    if creating:
        proposal.id = project_services.take_next_project_number()
    proposal.save(force_insert=creating)
    return totals


@transaction.atomic
def create_proposal(**fields: Unpack[ProposalFields]) -> Proposal:
    """A proposal numbered from the account's proposal/project counter."""
    proposal = Proposal()
    _write_proposal(proposal, fields, creating=True)
    if proposal.status == Proposal.Status.ACCEPTED:
        webhooks.record("proposal.accepted", proposal.pk)
    return proposal


@transaction.atomic
def update_proposal(proposal: Proposal, **fields: Unpack[ProposalFields]) -> Proposal:
    """Changes what is sent; accepting and rejecting are its `status` (A, X). One that
    became a project stays accepted."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    was = proposal.status
    _write_proposal(proposal, fields, creating=False)
    if proposal.status == Proposal.Status.ACCEPTED and was != Proposal.Status.ACCEPTED:
        webhooks.record("proposal.accepted", proposal.pk)
    return proposal


def price_jobs(jobs, discount) -> tuple[list[dict], Totals]:
    """What `jobs` (as a client or the editor sent them) would cost under `discount`,
    by the same checks and arithmetic as a save: the jobs as they would be stored, and
    their totals (the editor's live totals)."""
    problems = []
    try:
        cleaned = clean_jobs(jobs)
    except ValidationError as exc:
        problems.append(exc)
    try:
        percentage = project_services.discount_percentage(discount)
    except ValidationError as exc:
        problems.append(exc)
    if problems:
        raise merge(problems)
    return cleaned, proposal_totals(cleaned, percentage)


@transaction.atomic
def delete_proposal(proposal: Proposal) -> None:
    """The proposal and its journal. A project made from it stays: it is the work."""
    crm_services.delete_journal_of(CODE, proposal.pk)
    Proposal.objects.filter(pk=proposal.pk).delete()


# --- an accepted proposal becomes a project -----------------------------------------


def _day(value: str) -> date | None:
    return None if value == NOT_YET_KNOWN else date.fromisoformat(value)


def _active_emails(proposal: Proposal) -> set[str]:
    named = {
        email
        for job in proposal.jobs
        for owner in (job, *job["items"])
        for email in owner["team"].split(",")
        if email
    }
    if not named:
        return set()
    found = User.objects.filter(is_active=True, email__in=named).values_list("email", flat=True)
    return set(found)


def _still_active(team: str, active: set[str]) -> list[str]:
    # Someone named when it was offered may have left since: the work goes on without them.
    return [email for email in team.split(",") if email in active]


def _where(where: str, exc: ValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        problem = " ".join(exc.messages)
    else:
        problem = " ".join(
            render(error, field if field != NON_FIELD_ERRORS else "")
            for field, errors in exc.error_dict.items()
            for error in errors
        )
    return request_error("%(where)s: %(problem)s", "invalid_work", where=where, problem=problem)


@transaction.atomic
def create_project_from_proposal(proposal: Proposal, *, added_by, actor=None) -> Project:
    """The project an accepted proposal offers: its client, overview (the brief),
    sections and discount, and its jobs with their items (hours allocated, rate, tax
    code, ledger, team, dates) and the items' actions, all in one transaction. It keeps
    the proposal's number, unless a project already has it (then the counter's next).
    A proposal becomes one project only."""
    # The proposal's row only: its client is read beside it, not locked.
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("client_company", "client_contact")
        .get(pk=proposal.pk)
    )
    if proposal.project_id is not None:
        raise request_error(
            "Proposal %(number)s already became project %(project)s.",
            "has_project",
            number=proposal.pk,
            project=proposal.project_id,
        )
    if proposal.status != Proposal.Status.ACCEPTED:
        raise request_error(
            "Only an accepted proposal can become a project: accept proposal %(number)s first.",
            "not_accepted",
            number=proposal.pk,
        )
    number = None if Project.objects.filter(pk=proposal.pk).exists() else proposal.pk
    active = _active_emails(proposal)
    today = timezone.localdate()
    plans = []
    for job in proposal.jobs:
        items = []
        for item in job["items"]:
            start = _day(item["start"]) or today
            items.append((item, start, start + timedelta(days=item["duration"] or 7)))
        plans.append((job, items))
    deadlines = [deadline for _, items in plans for _, _, deadline in items]
    try:
        project = project_services.create_project(
            number=number,
            actor=actor,
            title=proposal.title,
            status=Project.Status.OPEN,
            for_code=proposal.client.code,
            brief=proposal.overview,
            expanded=proposal.expanded,
            conclusion=proposal.conclusion,
            deadline=max(deadlines, default=None),
            discount=proposal.discount,
            added_by=added_by,
        )
    except ValidationError as exc:
        raise _where("The project", exc) from None
    for job_number, (job, items) in enumerate(plans, start=1):
        try:
            made = project_services.create_job(
                actor=actor,
                title=job["name"],
                status=Project.Status.OPEN,
                project=project,
                brief=job["brief"],
                deadline=max((deadline for _, _, deadline in items), default=None),
                discount=job["discount"],
                team=_still_active(job["team"], active),
                added_by=added_by,
            )
        except ValidationError as exc:
            raise _where(f"Job {job_number}", exc) from None
        for item_number, (item, start, deadline) in enumerate(items, start=1):
            where = f"Job {job_number}, item {item_number}"
            try:
                line = project_services.create_job_item(
                    actor=actor,
                    title=item["name"],
                    description=item["brief"],
                    type=item["type"],
                    job=made,
                    hours=item["hours"],
                    rate=item["rate"],
                    taxcode=item["taxcode"],
                    ledger="" if item["category"] == NO_CATEGORY else item["category"],
                    team=_still_active(item["team"], active),
                    start=start,
                    deadline=deadline,
                    added_by=added_by,
                )
                for action in item["actions"]:
                    project_services.create_job_action(
                        actor=actor,
                        title=action["name"],
                        item=line,
                        deadline=deadline,
                        added_by=added_by,
                    )
            except ValidationError as exc:
                raise _where(where, exc) from None
    proposal.project = project
    proposal.save(update_fields=["project", "lastupdated"])
    return project
