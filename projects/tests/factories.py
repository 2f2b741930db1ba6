"""One factory per projects model."""

import factory

from projects.models import ActivityType


class ActivityTypeFactory(factory.django.DjangoModelFactory):
    """A kind of work. Its id is given here, as the model has no sequence; the
    service hands out the next free one past it (projects.services)."""

    class Meta:
        model = ActivityType

    id = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Work {n}")
