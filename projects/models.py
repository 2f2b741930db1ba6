from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class ActivityType(models.Model):
    """A kind of work time is logged against (Design, Development, Meetings, ...).

    Ids are handed out from the account's `nextactivitytypeid` counter rather than
    the database sequence, because the Depot API lets clients set `nextid`.
    """

    id = models.PositiveIntegerField(primary_key=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.name


def _deadline_default():
    # A callable default, so each new project is due a week from the day it is added.
    return timezone.localdate() + timedelta(days=7)


class Project(models.Model):
    """A piece of work for one client (a company or a person), with its team.

    Ids are numbers from the account's `nextproposalid` counter ("next proposal/project
    ID" in Depot's settings), not the database sequence: the account may move it on,
    and a project made from an accepted proposal keeps the proposal's number.
    """

    CODE = "P"

    class Status(models.TextChoices):
        OPEN = "O", "Open"
        HELD = "H", "Held"
        PENDING = "P", "Pending"
        CANCELLED = "C", "Cancelled"
        FINISHED = "F", "Finished"

    id = models.PositiveIntegerField(primary_key=True)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=1, choices=Status.choices, default=Status.OPEN)
    # The client is one company or one person (Depot's `for`: C41 or I5).
    client_company = models.ForeignKey(
        "crm.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="projects"
    )
    client_contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="projects"
    )
    brief = models.TextField(blank=True)
    # [{"title": ..., "content": ...}, ...]
    expanded = models.JSONField(default=list, blank=True)
    conclusion = models.JSONField(default=list, blank=True)
    deadline = models.DateField(default=_deadline_default)
    discount = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="project_teams"
    )
    contacts = models.ManyToManyField("crm.Contact", blank=True, related_name="associated_projects")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="added_projects"
    )
    added = models.DateTimeField(default=timezone.now)
    lastupdated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "id"]), models.Index(fields=["title"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(client_company__isnull=False, client_contact__isnull=True)
                | models.Q(client_company__isnull=True, client_contact__isnull=False),
                name="project_has_one_client",
            ),
            models.CheckConstraint(
                condition=models.Q(discount__gte=0, discount__lte=100),
                name="project_discount_is_a_percentage",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def client(self):
        return self.client_company or self.client_contact


class Job(models.Model):
    """A piece of a project's work, with its own team, deadline and place in the
    project's list (`order`).

    Its id is the database's (Depot's "auto-assigned ID"); `number` is its place in
    the project's own count (Depot's `idinproject`), handed out under a lock on the
    project row so two jobs added at once never share one.
    """

    CODE = "J"

    # A job moves through the same states as its project.
    Status = Project.Status

    title = models.CharField(max_length=200)
    status = models.CharField(max_length=1, choices=Status.choices, default=Status.OPEN)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="jobs")
    number = models.PositiveIntegerField()
    brief = models.TextField(blank=True)
    deadline = models.DateField(default=_deadline_default)
    order = models.PositiveIntegerField(default=0)
    discount = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="job_teams")
    contacts = models.ManyToManyField("crm.Contact", blank=True, related_name="associated_jobs")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="added_jobs"
    )
    added = models.DateTimeField(default=timezone.now)
    lastupdated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project_id", "order", "id"]
        indexes = [
            models.Index(fields=["project", "order"]),
            models.Index(fields=["status", "id"]),
            models.Index(fields=["title"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="job_number_in_project"),
            models.CheckConstraint(
                condition=models.Q(discount__gte=0, discount__lte=100),
                name="job_discount_is_a_percentage",
            ),
        ]

    def __str__(self):
        return self.title


def _today():
    return timezone.localdate()


class JobItem(models.Model):
    """A line of a job's work: hours (or a quantity, for fixed and external items)
    allocated at a rate, with the team doing it and the time logged against it.

    Tax code and ledger category are billing's reference data, a layer above: they
    are kept here as their codes and checked through `projects.hooks` when billing
    is installed.
    """

    CODE = "T"

    Status = Project.Status

    class Type(models.TextChoices):
        HOURLY = "hourly", "Hourly"
        FIXED = "fixed", "Fixed price"
        EXTERNAL = "external", "External cost"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=1, choices=Status.choices, default=Status.OPEN)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.HOURLY)
    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="items")
    # Hours for an hourly item; the quantity for fixed and external ones.
    hours = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    # The unit rate or price (the markup percentage for an external cost).
    rate = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    team = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="item_teams")
    start = models.DateField(default=_today)
    deadline = models.DateField(default=_deadline_default)
    taxcode = models.CharField(max_length=20, blank=True)
    ledger = models.CharField(max_length=20, blank=True)
    order = models.PositiveIntegerField(default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="added_items"
    )
    added = models.DateTimeField(default=timezone.now)
    lastupdated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["job_id", "order", "id"]
        indexes = [
            models.Index(fields=["job", "order"]),
            models.Index(fields=["status", "id"]),
            models.Index(fields=["title"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gte=0), name="item_hours_not_negative"
            ),
            models.CheckConstraint(condition=models.Q(rate__gte=0), name="item_rate_not_negative"),
        ]

    def __str__(self):
        return self.title


class JobAction(models.Model):
    """A to-do on a job item: who it is assigned to and when it is due."""

    CODE = "A"

    class Status(models.TextChoices):
        UNFINISHED = "U", "Unfinished"
        COMPLETED = "C", "Completed"

    title = models.CharField(max_length=200)
    status = models.CharField(max_length=1, choices=Status.choices, default=Status.UNFINISHED)
    item = models.ForeignKey(JobItem, on_delete=models.PROTECT, related_name="actions")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_actions",
    )
    deadline = models.DateField(default=_deadline_default)
    completed = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="added_actions"
    )
    added = models.DateTimeField(default=timezone.now)
    lastupdated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["deadline", "id"]
        indexes = [
            # "My actions": one person's unfinished ones by due date.
            models.Index(fields=["assigned_to", "status", "deadline"]),
            models.Index(fields=["item", "status"]),
            models.Index(fields=["title"]),
        ]

    def __str__(self):
        return self.title


class TimeTarget(models.Model):
    """What time is logged against: a project, a job, an item or an action (Depot's
    P…, J…, T… and A… codes). Every level above the target is stored too, so the
    hours of an item, a job or a project are one indexed SUM each."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        JobItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.ForeignKey(
        JobAction, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


class TimeEntry(TimeTarget):
    """Hours one person spent on one day.

    `hours` is what counts (rounded up to the account's time rounding when the entry
    was saved); `hours_entered` is what the person typed, so the rounding shows and a
    later change of the setting leaves old entries as they were.
    """

    date = models.DateField()
    hours = models.DecimalField(max_digits=5, decimal_places=2)
    hours_entered = models.DecimalField(max_digits=5, decimal_places=2)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries"
    )
    notes = models.TextField(blank=True)
    activity_type = models.ForeignKey(
        ActivityType, null=True, blank=True, on_delete=models.PROTECT, related_name="time_entries"
    )
    is_internal = models.BooleanField(default=False)
    added = models.DateTimeField(default=timezone.now)
    lastupdated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name_plural = "time entries"
        indexes = [
            models.Index(fields=["user", "date"]),
            models.Index(fields=["project", "date"]),
            # Covers a project's hours: the over-budget sums read the index alone.
            models.Index(fields=["project", "hours"]),
            models.Index(fields=["job", "date"]),
            models.Index(fields=["item", "date"]),
            models.Index(fields=["date", "id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hours__gt=0, hours__lte=24), name="time_entry_hours_in_a_day"
            ),
            models.CheckConstraint(
                condition=models.Q(hours_entered__gt=0, hours_entered__lte=24),
                name="time_entry_hours_entered_in_a_day",
            ),
        ]

    def __str__(self):
        return f"{self.hours} h on {self.date}"


class RunningTimer(TimeTarget):
    """A person's running stopwatch, kept on the server so it carries on across
    reloads and devices. One per person: stopping it logs a time entry."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="running_timer"
    )
    started = models.DateTimeField(default=timezone.now)
    notes = models.TextField(blank=True)
    activity_type = models.ForeignKey(
        ActivityType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self):
        return f"timer of {self.user_id} since {self.started}"
