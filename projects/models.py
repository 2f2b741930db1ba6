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
