"""The activity types settings table."""

from config.reference_tables import Column, ReferenceTable

from . import services
from .forms import ActivityTypeForm
from .models import ActivityType

ACTIVITY_TYPES = ReferenceTable(
    slug="activity-types",
    title="Activity types",
    noun="Activity type",
    intro="The kinds of work people log time against.",
    model=ActivityType,
    form_class=ActivityTypeForm,
    columns=[Column("No.", lambda a: a.id, "num"), Column("Name", lambda a: a.name)],
    save=lambda obj, **values: services.save_activity_type(obj, **values),
    delete=services.delete_activity_type,
    initial=lambda a: {"name": a.name},
)
