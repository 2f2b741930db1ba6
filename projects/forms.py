from django import forms

from .models import Project


class ActivityTypeForm(forms.Form):
    name = forms.CharField(max_length=100)

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


class ProjectForm(forms.Form):
    """A project's title, client, status, deadline, discount, team and brief; the
    rules are the service's (projects.services), shown by add_service_errors."""

    title = forms.CharField(max_length=Project._meta.get_field("title").max_length)
    client = forms.ChoiceField(
        help_text="The company or person the work is for.",
    )
    status = forms.ChoiceField(choices=Project.Status.choices, initial=Project.Status.OPEN)
    deadline = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    discount = forms.CharField(
        label="Discount (%)",
        required=False,
        help_text="A percentage from 0 to 100.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    team = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    brief = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5}))

    # The service names the client `for`, as Depot does.
    service_field_names = {"for": "client"}

    def __init__(self, *args, client_choices, team_choices, creating: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", "Choose a company or person"), *client_choices]
        self.fields["team"].choices = team_choices
        if creating:
            # The model's default (a week from today), shown so it can be changed.
            self.fields["deadline"].initial = Project._meta.get_field("deadline").get_default
            self.fields["deadline"].help_text = "Left empty, a week from today."
        else:
            # Emptied on an existing project it would keep the old date without a word.
            self.fields["deadline"].required = True

    def service_values(self) -> dict:
        values = dict(self.cleaned_data)
        values["for_code"] = values.pop("client")
        return values

    @staticmethod
    def initial_for(project: Project) -> dict:
        client = project.client
        return {
            "title": project.title,
            "client": f"{client.CODE}{client.pk}",
            "status": project.status,
            "deadline": project.deadline,
            "discount": f"{project.discount.normalize():f}",
            "team": [user.pk for user in project.team.all()],
            "brief": project.brief,
        }
