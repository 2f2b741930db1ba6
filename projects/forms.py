import re

from django import forms
from django.urls import reverse_lazy

from config.forms import AmountField

from .models import Job, JobAction, JobItem, Project


class ActivityTypeForm(forms.Form):
    name = forms.CharField(max_length=100)

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


CLIENT_CODE = re.compile(r"\s*([CcIi]\d{1,18})\b")


def client_label(client) -> str:
    """How a client reads in the client field and its suggestions: code first."""
    name = getattr(client, "fullname", None) or client.name
    return f"{client.CODE}{client.pk} · {name}"


def discount_field(help_text: str = "") -> forms.CharField:
    """A project's, job's or document's discount as typed: a percentage, checked by the
    service's `discount_percentage`."""
    return forms.CharField(
        label="Discount (%)",
        required=False,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class ProjectForm(forms.Form):
    """A project's title, client, status, deadline, discount, team and brief; the
    rules are the service's (projects.services), shown by add_service_errors."""

    title = forms.CharField(max_length=Project._meta.get_field("title").max_length)
    # A company's or person's code (C41, I5), picked from suggestions that follow what
    # is typed: a select of every client would be 110,000 options at scale.
    client = forms.CharField(
        max_length=200,
        help_text="Type a company's or person's name and pick them, or their code (C41, I5).",
        widget=forms.TextInput(
            attrs={
                "list": "client-suggestions",
                "autocomplete": "off",
                "hx-get": reverse_lazy("projects:client_suggestions"),
                "hx-trigger": "input changed delay:200ms",
                "hx-target": "#client-suggestions",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        ),
    )
    status = forms.ChoiceField(choices=Project.Status.choices, initial=Project.Status.OPEN)
    deadline = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    discount = discount_field("A percentage from 0 to 100.")
    team = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    brief = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}))

    # The service names the client `for`, as Depot does.
    service_field_names = {"for": "client"}

    def __init__(self, *args, team_choices, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = team_choices
        if creating:
            # The model's default (a week from today), shown so it can be changed.
            self.fields["deadline"].initial = Project._meta.get_field("deadline").get_default
            self.fields["deadline"].help_text = "Left empty, a week from today."
        else:
            # Emptied on an existing project it would keep the old date without a word.
            self.fields["deadline"].required = True

    def clean_client(self) -> str:
        # A suggestion reads "C41 · Acme Ltd"; the code leads, whatever follows it.
        match = CLIENT_CODE.match(self.cleaned_data["client"])
        if not match:
            raise forms.ValidationError(
                "Pick a company or person from the suggestions, or type their code (C41, I5)."
            )
        return match.group(1).upper()

    def service_values(self) -> dict:
        values = dict(self.cleaned_data)
        values["for_code"] = values.pop("client")
        return values

    @staticmethod
    def initial_for(project: Project) -> dict:
        client = project.client
        return {
            "title": project.title,
            "client": client_label(client),
            "status": project.status,
            "deadline": project.deadline,
            "discount": f"{project.discount.normalize():f}",
            "team": [user.pk for user in project.team.all()],
            "brief": project.brief,
        }


class JobForm(forms.Form):
    """A new job on the project page: its title, status and deadline; the rules are
    the service's (create_job)."""

    title = forms.CharField(label="Job title", max_length=Job._meta.get_field("title").max_length)
    status = forms.ChoiceField(choices=Job.Status.choices, initial=Job.Status.OPEN)
    deadline = forms.DateField(
        required=False,
        help_text="Left empty, a week from today.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def service_values(self) -> dict:
        values = dict(self.cleaned_data)
        if values["deadline"] is None:
            del values["deadline"]
        return values


class JobEditForm(JobForm):
    """A job edited in place on the project page: its title, status, deadline, team
    and brief; the rules are the service's (update_job)."""

    team = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    brief = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, team_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = team_choices
        # Emptied on an existing job it would keep the old date without a word.
        self.fields["deadline"].required = True
        self.fields["deadline"].help_text = ""

    @staticmethod
    def initial_for(job: Job) -> dict:
        return {
            "title": job.title,
            "status": job.status,
            "deadline": job.deadline,
            "team": [user.pk for user in job.team.all()],
            "brief": job.brief,
        }


class JobItemForm(forms.Form):
    """A job item on the project page: the add form shows the first fields, the
    edit form all of them; the rules are the service's (create/update_job_item)."""

    title = forms.CharField(
        label="Item title", max_length=JobItem._meta.get_field("title").max_length
    )
    type = forms.ChoiceField(choices=JobItem.Type.choices, initial=JobItem.Type.HOURLY)
    # What the two numbers mean follows the type, as in Depot: hours × an hourly rate,
    # a quantity × a price, or what an external cost came to plus a markup.
    hours = forms.CharField(
        label="Hours or quantity",
        initial="0",
        help_text="An external cost: what it cost.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    rate = AmountField(
        label="Rate or price",
        initial="0",
        help_text="An external cost: the markup in %.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    deadline = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def service_values(self) -> dict:
        values = dict(self.cleaned_data)
        for name in ("deadline", "start"):
            if name in values and values[name] is None:
                del values[name]
        return values


class JobItemEditForm(JobItemForm):
    status = forms.ChoiceField(choices=JobItem.Status.choices)
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    team = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    taxcode = forms.CharField(
        label="Tax code", required=False, max_length=JobItem._meta.get_field("taxcode").max_length
    )
    ledger = forms.CharField(
        label="Ledger category",
        required=False,
        max_length=JobItem._meta.get_field("ledger").max_length,
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    field_order = ["title", "type", "status", "hours", "rate", "start", "deadline"]

    def __init__(self, *args, team_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = team_choices
        self.fields["deadline"].required = True

    @staticmethod
    def initial_for(item: JobItem) -> dict:
        return {
            "title": item.title,
            "type": item.type,
            "status": item.status,
            "hours": f"{item.hours.normalize():f}",
            "rate": f"{item.rate.normalize():f}",
            "start": item.start,
            "deadline": item.deadline,
            "team": [user.pk for user in item.team.all()],
            "taxcode": item.taxcode,
            "ledger": item.ledger,
            "description": item.description,
        }


class JobActionForm(forms.Form):
    """A new action under an item, or an action's assignee and deadline changed on
    My actions; the rules are the service's (create/update_job_action)."""

    title = forms.CharField(
        label="Action", max_length=JobAction._meta.get_field("title").max_length
    )
    assigned_to = forms.TypedChoiceField(
        label="Assign to", coerce=int, required=False, empty_value=None
    )
    deadline = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    # The service names the assignee as the API does.
    service_field_names = {"assignedto": "assigned_to"}

    def __init__(self, *args, team_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].choices = [("", "Nobody"), *team_choices]

    def service_values(self) -> dict:
        values = dict(self.cleaned_data)
        if values.get("deadline") is None:
            values.pop("deadline", None)
        return values


class ActionScheduleForm(JobActionForm):
    """Reassign or reschedule one of my actions (My actions): its title stays."""

    title = None
