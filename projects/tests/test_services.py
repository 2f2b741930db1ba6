"""Activity types refuse a second type with the same name (ignoring case), on the
settings page and through the API's replace-all PATCH alike."""

import json

import pytest
from django.core.exceptions import ValidationError

from projects import services
from projects.models import ActivityType

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def test_a_second_activity_type_with_the_same_name_is_refused():
    design = services.save_activity_type(None, name="Design")
    with pytest.raises(ValidationError) as caught:
        services.save_activity_type(None, name=" design ")
    assert caught.value.message_dict == {"name": ["name “design” is already in use."]}
    assert ActivityType.objects.count() == 1
    # Renaming a type to a new case of its own name is fine; to another's is not.
    services.save_activity_type(design, name="DESIGN")
    meetings = services.save_activity_type(None, name="Meetings")
    with pytest.raises(ValidationError):
        services.save_activity_type(meetings, name="design")


def test_a_refused_type_takes_no_number():
    services.save_activity_type(None, name="Design")
    with pytest.raises(ValidationError):
        services.save_activity_type(None, name="Design")
    assert services.save_activity_type(None, name="Meetings").id == 2


def test_replace_all_refuses_repeated_names():
    with pytest.raises(ValidationError) as caught:
        services.replace_activity_types(
            {"tasks": [{"id": "1", "name": "Design"}, {"name": "DESIGN"}]}
        )
    assert caught.value.messages == ["tasks item 2: name “DESIGN” is repeated."]
    assert not ActivityType.objects.exists()


def test_api_activity_types_with_a_repeated_name_are_400(depot):
    value = {"tasks": [{"id": "1", "name": "Design"}, {"id": "2", "name": "design"}]}
    response = depot.patch("settings/activitytypes", {"value": json.dumps(value)})
    assert response.status_code == 400
    assert response.json()["errors"] == ["tasks item 2: name “design” is repeated."]
    assert ActivityType.objects.count() == 0


def test_settings_page_shows_the_duplicate_name_inline(staff_client):
    services.save_activity_type(None, name="Design")
    html = staff_client.post(
        "/settings/activity-types/add/", {"new-name": "Design"}, headers=HTMX
    ).content.decode()
    name_cell = html.split('name="new-name"')[1].split("</td>")[0]
    assert "Name “Design” is already in use." in name_cell
    assert ActivityType.objects.count() == 1
