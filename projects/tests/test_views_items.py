"""The project page's items and actions (htmx partials calling the services), and
My actions: grouping, completing, reassigning, who may see what, query counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Notification
from accounts.tests.factories import CollaboratorFactory, UserFactory
from conftest import signed_in_client
from projects.models import JobAction, JobItem
from projects.tests.factories import (
    JobActionFactory,
    JobFactory,
    JobItemFactory,
    TimeEntryFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_project_page_shows_each_jobs_items_with_hours_and_actions(staff_client):
    job = JobFactory(title="Design")
    item = JobItemFactory(job=job, title="Sketches", hours=4, team=[UserFactory(name="Ada")])
    TimeEntryFactory(item=item, hours=Decimal("5"))
    JobActionFactory(item=item, title="Send drafts")
    page = staff_client.get(f"/projects/{job.project_id}/").content.decode()
    assert f'id="job-{job.pk}-items"' in page
    assert "Sketches" in page and "Ada" in page and "Send drafts" in page
    assert "5 / 4 h · 1 h over" in page
    assert f'aria-label="Hours logged on {job.project.title}"' in page
    assert f'hx-post="/projects/jobs/{job.pk}/items/add/"' in page


def test_each_items_assign_to_offers_every_active_user_the_viewer_first_chosen(
    staff_client, admin_user
):
    job = JobFactory()
    JobItemFactory.create_batch(2, job=job)
    dee = UserFactory(name="Dee <& Co>")
    UserFactory(name="Gone", is_active=False)
    page = staff_client.get(f"/projects/{job.project_id}/").content.decode()
    # Written once for the page and repeated in each item's add-action form.
    assert page.count(f'<option value="{dee.pk}">Dee &lt;&amp; Co&gt;</option>') == 2
    assert page.count(f'<option value="{admin_user.pk}" selected>') == 2
    assert "Gone" not in page


def test_each_jobs_add_item_form_and_item_tools_carry_their_own_ids(staff_client):
    job = JobFactory()
    other = JobFactory(project=job.project)
    item = JobItemFactory(job=other)
    action = JobActionFactory(item=item)
    page = staff_client.get(f"/projects/{job.project_id}/").content.decode()
    for each in (job, other):
        assert f'<label for="id_job{each.pk}_title">' in page
        assert f'id="id_job{each.pk}_title"' in page
    assert f'hx-post="/projects/items/{item.pk}/move/"' in page
    assert f'hx-post="/projects/items/{item.pk}/delete/"' in page
    assert f'hx-get="/projects/items/{item.pk}/edit/"' in page
    assert f'hx-post="/projects/items/{item.pk}/actions/add/"' in page
    assert f'hx-post="/projects/actions/{action.pk}/toggle/"' in page


@pytest.mark.parametrize("count", [1, 20])
def test_the_project_page_queries_stay_flat(staff_client, django_assert_max_num_queries, count):
    job = JobFactory()
    team = [UserFactory()]
    for _ in range(count):
        item = JobItemFactory(job=job, team=team)
        JobActionFactory(item=item, assigned_to=team[0])
    JobFactory(project=job.project)
    # And four for billing's panel (its invoices, their sums, unbilled time and items).
    with django_assert_max_num_queries(16 + 4):
        assert staff_client.get(f"/projects/{job.project_id}/").status_code == 200


def test_an_items_rate_may_be_typed_with_its_thousands(staff_client):
    job = JobFactory()
    url = f"/projects/jobs/{job.pk}/items/add/"
    data = {"title": "Print run", "type": "fixed", "hours": "1", "rate": "1,234.50"}
    assert staff_client.post(url, data, **HTMX).status_code == 200
    assert JobItem.objects.get().rate == Decimal("1234.50")


def test_adding_an_item_answers_the_jobs_items_and_shows_errors_inline(staff_client, admin_user):
    job = JobFactory()
    url = f"/projects/jobs/{job.pk}/items/add/"
    response = staff_client.post(
        url, {"title": "Build", "type": "hourly", "hours": "6", "rate": "70"}, **HTMX
    )
    assert response.status_code == 200
    item = JobItem.objects.get()
    assert (item.title, item.hours, item.added_by) == ("Build", 6, admin_user)
    assert f'id="job-{job.pk}-items"' in response.content.decode()
    assert "<html" not in response.content.decode()
    # The project's hours, beside the job's items, follow the new item.
    assert '<span id="project-hours" hx-swap-oob="true">' in response.content.decode()
    assert "0 / 6 h · 6 h left" in response.content.decode()
    response = staff_client.post(
        url, {"title": "Bad", "type": "hourly", "hours": "-2", "rate": "0"}, **HTMX
    )
    page = response.content.decode()
    assert "Hours or quantity must be from 0 to" in page
    assert JobItem.objects.count() == 1


def test_editing_an_item_inline(staff_client):
    item = JobItemFactory(title="Old")
    url = f"/projects/items/{item.pk}/edit/"
    form = staff_client.get(url, **HTMX).content.decode()
    assert f'id="item-{item.pk}-edit"' in form and 'value="Old"' in form
    data = {
        "title": "New",
        "type": "fixed",
        "status": "H",
        "hours": "2",
        "rate": "300",
        "start": "2030-01-01",
        "deadline": "2030-02-01",
        "taxcode": "",
        "ledger": "",
    }
    assert staff_client.post(url, data, **HTMX).status_code == 200
    item.refresh_from_db()
    assert (item.title, item.type, item.status, item.rate) == ("New", "fixed", "H", 300)
    refused = staff_client.post(url, {**data, "taxcode": "NOPE"}, **HTMX).content.decode()
    assert "Tax code: no tax code with the code NOPE." in refused
    assert f'id="item-{item.pk}-edit"' in refused


def test_deleting_an_item_and_the_refusal_when_time_holds_it(staff_client):
    item = JobItemFactory(title="Held")
    TimeEntryFactory(item=item)
    page = staff_client.post(f"/projects/items/{item.pk}/delete/", **HTMX).content.decode()
    assert "Held can&#x27;t be deleted while it has 1 time entry." in page
    free = JobItemFactory()
    staff_client.post(f"/projects/items/{free.pk}/delete/", **HTMX)
    assert not JobItem.objects.filter(pk=free.pk).exists()


def test_reordering_by_buttons_and_by_a_posted_order(staff_client):
    job = JobFactory()
    a, b, c = (JobItemFactory(job=job) for _ in range(3))
    staff_client.post(f"/projects/items/{c.pk}/move/", {"direction": "up"}, **HTMX)
    assert list(job.items.order_by("order").values_list("pk", flat=True)) == [a.pk, c.pk, b.pk]
    response = staff_client.post(
        f"/projects/jobs/{job.pk}/items/reorder/", {"items": [b.pk, a.pk, c.pk]}, **HTMX
    )
    assert response.status_code == 200
    assert list(job.items.order_by("order").values_list("pk", flat=True)) == [b.pk, a.pk, c.pk]
    stale = staff_client.post(f"/projects/jobs/{job.pk}/items/reorder/", {"items": [a.pk]}, **HTMX)
    assert "reload the page" in stale.content.decode()


def test_adding_and_ticking_an_action(staff_client, admin_user):
    dee = UserFactory(email="dee@studio.test")
    item = JobItemFactory()
    url = f"/projects/items/{item.pk}/actions/add/"
    staff_client.post(url, {"title": "Call", "assigned_to": dee.pk, "deadline": ""}, **HTMX)
    action = JobAction.objects.get()
    assert (action.assigned_to, action.added_by) == (dee, admin_user)
    assert Notification.objects.filter(type="actionassigned").exists()
    refused = staff_client.post(url, {"title": "", "assigned_to": ""}, **HTMX).content.decode()
    assert "This field is required." in refused or "Action is required." in refused
    staff_client.post(f"/projects/actions/{action.pk}/toggle/", {"done": "on"}, **HTMX)
    action.refresh_from_db()
    assert action.status == "C"
    staff_client.post(f"/projects/actions/{action.pk}/toggle/", {}, **HTMX)
    action.refresh_from_db()
    assert action.status == "U"


def test_item_pages_refuse_users_without_the_projects_area(restricted_client, collaborator_client):
    item = JobItemFactory()
    for client in (restricted_client, collaborator_client):
        assert (
            client.post(f"/projects/jobs/{item.job_id}/items/add/", {"title": "x"}).status_code
            == 403
        )
        assert client.post(f"/projects/items/{item.pk}/delete/").status_code == 403
    assert JobItem.objects.filter(pk=item.pk).exists()


# --- My actions -------------------------------------------------------------------


def test_my_actions_are_grouped_by_when_they_are_due(member_client, member):
    today = timezone.localdate()
    for title, days in (("Late", -2), ("Now", 0), ("Soon", 3)):
        JobActionFactory(title=title, assigned_to=member, deadline=today + timedelta(days))
    JobActionFactory(title="Done", assigned_to=member, status="C")
    JobActionFactory(title="Someone else's")
    page = member_client.get("/projects/actions/").content.decode()
    assert page.index("Overdue") < page.index("Late") < page.index("Due today")
    assert page.index("Due today") < page.index("Now") < page.index("Upcoming") < page.index("Soon")
    assert "Done" not in page and "Someone else" not in page
    assert 'href="/projects/actions/" aria-current="page"' in page


def test_completing_reassigning_and_rescheduling_from_my_actions(member_client, member):
    owner = UserFactory()
    action = JobActionFactory(title="Tick me", assigned_to=member, added_by=owner)
    response = member_client.post(f"/projects/actions/{action.pk}/complete/", **HTMX)
    assert "is done" in response.content.decode()
    action.refresh_from_db()
    assert action.status == "C"
    assert Notification.objects.filter(type="actioncompleted", users=owner).exists()
    other = JobActionFactory(assigned_to=member)
    url = f"/projects/actions/{other.pk}/update/"
    response = member_client.post(url, {"assigned_to": member.pk, "deadline": "2031-03-04"}, **HTMX)
    other.refresh_from_db()
    assert str(other.deadline) == "2031-03-04"
    dee = UserFactory()
    member_client.post(url, {"assigned_to": dee.pk, "deadline": "2031-03-04"}, **HTMX)
    other.refresh_from_db()
    assert other.assigned_to == dee
    # No longer mine: nothing to change here.
    assert member_client.post(f"/projects/actions/{other.pk}/complete/").status_code == 403


def test_a_bad_reschedule_is_shown_inline(member_client, member):
    action = JobActionFactory(assigned_to=member)
    response = member_client.post(
        f"/projects/actions/{action.pk}/update/", {"assigned_to": "99999", "deadline": "x"}, **HTMX
    )
    page = response.content.decode()
    assert "field-error" in page and "<details open>" in page


def test_a_collaborator_sees_only_the_actions_on_their_jobs(db):
    mine, theirs = JobFactory(), JobFactory()
    cole = CollaboratorFactory(collaborator_jobs=[mine.pk])
    JobActionFactory(title="On my job", assigned_to=cole, item=JobItemFactory(job=mine))
    hidden = JobActionFactory(title="Elsewhere", assigned_to=cole, item=JobItemFactory(job=theirs))
    client = signed_in_client(cole)
    page = client.get("/projects/actions/").content.decode()
    assert "On my job" in page and "Elsewhere" not in page
    assert f'href="/projects/{mine.project_id}/' not in page  # no project pages for them
    assert client.post(f"/projects/actions/{hidden.pk}/complete/").status_code == 403


def test_my_actions_refuse_restricted_users(restricted_client):
    assert restricted_client.get("/projects/actions/").status_code == 403


@pytest.mark.parametrize("count", [1, 30])
def test_my_actions_queries_stay_flat(member_client, member, django_assert_max_num_queries, count):
    for _ in range(count):
        JobActionFactory(assigned_to=member)
    with django_assert_max_num_queries(8):
        assert member_client.get("/projects/actions/").status_code == 200


def test_a_fixed_items_quantity_and_price_read_as_numbers(staff_client):
    # The items block turns number localisation off for speed; a quantity of 10
    # must still read 10, not normalize()'s 1E+1.
    item = JobItemFactory(title="Print run", type="fixed", hours=10, rate=50)
    html = staff_client.get(f"/projects/{item.job.project_id}/").content.decode()
    assert "10 × £50.00" in html and "E+" not in html


def test_an_external_cost_reads_as_its_cost_and_markup(staff_client):
    """Depot's external cost: `hours` is what it cost and `rate` the markup, so 3 and
    19.99 bill £3.60; the item must not read as 3 × 19.99."""
    item = JobItemFactory(title="Courier", type="external", hours=3, rate="19.99")
    html = staff_client.get(f"/projects/{item.job.project_id}/").content.decode()
    assert "£3.00 + 19.99% markup" in html and "3 × 19.99" not in html
