"""The dashboard's My week (projects adds it) and a client's projects with their
hours on the company page."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.tests.factories import CompanyFactory
from projects.tests.factories import (
    JobActionFactory,
    JobItemFactory,
    ProjectFactory,
    TimeEntryFactory,
)

pytestmark = pytest.mark.django_db


def monday():
    today = timezone.localdate()
    return today - timedelta(days=today.weekday())


def week_panel(html: str) -> str:
    return re.search(r'<section class="card my-week".*?</section>', html, re.S).group(0)


def test_my_week_adds_up_this_weeks_hours_only(staff_client, admin_user):
    TimeEntryFactory(user=admin_user, date=monday(), hours=Decimal("7.5"))
    TimeEntryFactory(user=admin_user, date=monday() + timedelta(days=1), hours=Decimal("2.25"))
    TimeEntryFactory(user=admin_user, date=monday() - timedelta(days=1), hours=Decimal("8"))
    TimeEntryFactory(date=monday(), hours=Decimal("5"))  # someone else's
    panel = week_panel(staff_client.get("/").content.decode())
    assert "<strong>9.75</strong> of 37.5 hours logged, 27.75 to go." in panel
    assert 'value="9.75" max="37.5"' in panel


def test_my_week_lists_the_actions_waiting_soonest_first(staff_client, admin_user, member):
    today = timezone.localdate()
    JobActionFactory(title="Late one", assigned_to=admin_user, deadline=today - timedelta(days=2))
    JobActionFactory(title="Due now", assigned_to=admin_user, deadline=today)
    JobActionFactory(title="Next week", assigned_to=admin_user, deadline=today + timedelta(days=7))
    JobActionFactory(title="Done", assigned_to=admin_user, deadline=today, status="C")
    JobActionFactory(title="Not mine", assigned_to=member, deadline=today)
    panel = week_panel(staff_client.get("/").content.decode())
    assert "1 overdue" in panel and "1 due today" in panel and "1 later" in panel
    shown = re.findall(r"</span> (.+?) <span class=\"muted", panel)
    assert shown == ["Late one", "Due now", "Next week"]


def test_a_collaborator_sees_only_actions_on_their_jobs(collaborator):
    from conftest import signed_in_client

    today = timezone.localdate()
    theirs = JobActionFactory(title="On my job", assigned_to=collaborator, deadline=today)
    JobActionFactory(title="On a job taken away", assigned_to=collaborator, deadline=today)
    collaborator.collaborator_jobs = [theirs.item.job_id]
    collaborator.save()
    panel = week_panel(signed_in_client(collaborator).get("/").content.decode())
    assert "On my job" in panel and "On a job taken away" not in panel


@pytest.mark.parametrize("count", [1, 50])
def test_my_week_keeps_its_queries_flat(restricted_to, django_assert_max_num_queries, count):
    from conftest import signed_in_client

    # Someone with contacts only: the owner's panels (money, everyone's hours, projects
    # over budget; billing/tests/test_dashboard.py) are not theirs.
    person = restricted_to("contacts")
    client = signed_in_client(person)
    for _index in range(count):
        TimeEntryFactory(user=person, date=monday(), hours=Decimal("0.25"))
        JobActionFactory(assigned_to=person, deadline=timezone.localdate())
    # The dashboard's own eleven (session, user, counts, the journal, My day) and My
    # week's three, at 1 row as at 50.
    with django_assert_max_num_queries(14):
        html = client.get("/").content.decode()
    assert f"{Decimal('0.25') * count}".rstrip("0").rstrip(".") in week_panel(html)


def test_a_clients_projects_show_their_hours(staff_client):
    company = CompanyFactory(name="Harbour Lights")
    project = ProjectFactory(title="Rebrand", client_company=company)
    item = JobItemFactory(job__project=project, hours=Decimal("10"))
    TimeEntryFactory(item=item, hours=Decimal("4.5"))
    html = staff_client.get(f"/connections/companies/{company.pk}/").content.decode()
    assert "Rebrand" in html
    assert "4.5 / 10 h · 5.5 h left" in html
    assert "4.5 hours logged for this client in all." in html
