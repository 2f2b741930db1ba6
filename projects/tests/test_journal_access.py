"""Journal entries about projects and jobs are for callers who can read projects, as
entries about users are for those who can read users (crm/tests/test_api_activity_authors.py)."""

import pytest

from conftest import credential_client
from projects.tests.factories import JobFactory, ProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_api_rate_limit")]


@pytest.fixture
def contacts_only(db):
    return credential_client(["contacts:write"])


# --- entries about another area's items (P… projects) need that area --------------------


def test_entries_about_projects_need_the_projects_area(contacts_only, admin_user, depot):
    project = ProjectFactory(title="Secret rebrand")
    job = JobFactory(project=project, title="Secret logo")
    about_project = depot.post(
        "activity",
        {"title": "Kick-off", "type": "C", "addedby": admin_user.email, "for": f"P{project.pk}"},
    ).json()["id"]
    depot.post(
        "activity",
        {"title": "Sketches", "type": "C", "addedby": admin_user.email, "for": f"J{job.pk}"},
    )
    response = contacts_only.get("activity", {"for": f"P{project.pk}"})
    assert response.status_code == 401
    assert response.json()["msg"] == "for P… needs the projects:read scope."
    listed = contacts_only.get("activity")
    assert listed.json()["rows"] == [] and "Secret" not in listed.content.decode()
    assert contacts_only.get(f"activity/{about_project}").status_code == 404
    refused = contacts_only.post(
        "activity", {"title": "t", "type": "C", "addedby": admin_user.email, "for": f"J{job.pk}"}
    )
    assert refused.status_code == 401
    # With the projects area the entries and the titles are there.
    readers = credential_client(["contacts:read", "projects:read"])
    rows = readers.get("activity").json()["rows"]
    assert {row["for"]["name"] for row in rows} == {"Secret rebrand", "Secret logo"}
