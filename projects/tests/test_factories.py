"""The factories make rows the app accepts."""

import pytest

from projects import services
from projects.tests.factories import ActivityTypeFactory

pytestmark = pytest.mark.django_db


def test_the_service_numbers_past_factory_activity_types():
    made = ActivityTypeFactory()
    made.full_clean()
    assert services.save_activity_type(None, name="Meetings").id > made.id
