"""The factories make rows the app accepts."""

import pytest

from projects import services
from projects.tests.factories import ActivityTypeFactory, JobFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_the_service_numbers_past_factory_activity_types():
    made = ActivityTypeFactory()
    made.full_clean()
    assert services.save_activity_type(None, name="Meetings").id > made.id


def test_factory_projects_are_valid_and_the_service_numbers_past_them():
    from accounts.tests.factories import UserFactory

    made = ProjectFactory()
    made.full_clean()
    created = services.create_project(
        title="Next", status="O", for_code=f"C{made.client_company_id}", added_by=UserFactory()
    )
    assert created.id > made.id


def test_factory_jobs_are_valid_and_the_service_numbers_past_them():
    from accounts.tests.factories import UserFactory

    made = JobFactory()
    made.full_clean()
    created = services.create_job(
        title="Next", status="O", project=made.project, added_by=UserFactory()
    )
    assert (created.number, created.order) == (made.number + 1, made.order + 1)
