"""Writes for projects' reference data: activity types."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import AccountSettings
from config.errors import field_error, field_message
from config.records import delete_unless_used
from config.text import required_text

from .models import ActivityType

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
