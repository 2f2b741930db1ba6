"""The proposal pages: the list, a proposal's page with its decisions and "Create
project", and the editor (rows changed in place, totals from the server)."""

import re
from decimal import Decimal as D
from html import unescape

import pytest
from django.urls import reverse

from billing import proposals
from billing.models import Proposal
from billing.tests.factories import LedgerCategoryFactory, ProposalFactory, TaxCodeFactory
from billing.tests.test_proposals_services import SPEC_JOBS
from conftest import signed_in_client
from crm.tests.factories import CompanyFactory
from projects.models import Project

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def codes():
    TaxCodeFactory(code="001", name="Standard VAT", rate=D("0.2"))
    TaxCodeFactory(code="002", name="Reduced VAT", rate=D("0.05"))
    LedgerCategoryFactory(code="4010", name="Design")


@pytest.fixture
def acme():
    return CompanyFactory(name="Joe Bloggs Inc")


@pytest.fixture
def spec(admin_user, acme):
    return proposals.create_proposal(
        title="Brewery website",
        client=acme.code,
        overview="Five pages and a shop.",
        expanded=[{"Scope": "The whole site"}],
        jobs=SPEC_JOBS,
        added_by=admin_user,
    )


def text_of(response) -> str:
    return text_of_html(response.content.decode())


def editor_post(**fields) -> dict:
    """The editor's form as the browser posts it: one job of one item unless given."""
    return {
        "title": "Brewery website",
        "client": "",
        "discount": "0",
        "printtotal": "on",
        "jobs-0-name": "Design",
        "jobs-0-discount": "0",
        "jobs-0-print": "on",
        "jobs-0-items-0-name": "Concepts",
        "jobs-0-items-0-type": "hourly",
        "jobs-0-items-0-hours": "10",
        "jobs-0-items-0-rate": "100",
        "jobs-0-items-0-taxcode": "001",
        "jobs-0-items-0-category": "-",
        "jobs-0-items-0-print": "on",
        **fields,
    }


# --- the list ---------------------------------------------------------------------


def test_the_list_shows_totals_and_finds_by_title_and_status(staff_client, spec):
    ProposalFactory(title="Annual report", status="X")
    response = staff_client.get(reverse("proposals:list"))
    assert response.status_code == 200
    text = text_of(response)
    assert "Brewery website Joe Bloggs Inc Pending — 47,250.00 56,700.00" in text
    assert "Annual report" in text
    found = staff_client.get(
        reverse("proposals:list"),
        {"search": "brew"},
        headers={"HX-Request": "true", "HX-Target": "proposals"},
    )
    assert "Brewery website" in text_of(found) and "Annual report" not in text_of(found)
    assert "<html" not in found.content.decode()
    found = staff_client.get(reverse("proposals:list"), {"status": "X"})
    assert "Annual report" in text_of(found) and "Brewery website" not in text_of(found)


@pytest.mark.parametrize("count", [1, 50])
def test_the_list_reads_in_the_same_queries_at_any_size(
    staff_client, django_assert_max_num_queries, count
):
    for _ in range(count):
        ProposalFactory()
    # The session and user, the count, the page's rows (with their clients), and the
    # account settings (made on first read here: four queries).
    with django_assert_max_num_queries(8):
        response = staff_client.get(reverse("proposals:list"))
    assert response.status_code == 200
    assert text_of(response).count("Pending") == min(count, 25) + 1  # the status filter's option


def test_the_pages_need_the_proposals_area(restricted_to, spec):
    outsider = signed_in_client(restricted_to("projects", email="pat@studio.test"))
    for url in (
        reverse("proposals:list"),
        reverse("proposals:add"),
        reverse("proposals:detail", args=[spec.pk]),
        reverse("proposals:edit", args=[spec.pk]),
    ):
        assert outsider.get(url).status_code == 403
    for url in (
        reverse("proposals:status", args=[spec.pk]),
        reverse("proposals:make_project", args=[spec.pk]),
        reverse("proposals:delete", args=[spec.pk]),
        reverse("proposals:editor"),
        reverse("proposals:totals"),
    ):
        assert outsider.post(url, {"status": "A"}).status_code == 403
    spec.refresh_from_db()
    assert spec.status == "P"
    assert "Proposals" not in outsider.get(reverse("dashboard")).content.decode()


def test_the_menu_links_to_proposals(staff_client):
    html = staff_client.get(reverse("dashboard")).content.decode()
    assert f'<a href="{reverse("proposals:list")}" >Proposals</a>' in html


# --- the editor -------------------------------------------------------------------


def test_a_new_proposal_is_written_and_saved(staff_client, admin_user, acme):
    page = staff_client.get(reverse("proposals:add"))
    assert page.status_code == 200
    assert 'name="jobs-0-items-0-name"' in page.content.decode()
    response = staff_client.post(
        reverse("proposals:add"),
        editor_post(
            client=f"{acme.code} · Joe Bloggs Inc",
            discount="10",
            overview="A new site",
            **{
                "expanded-0-title": "Scope",
                "expanded-0-content": "Five pages",
                "expanded-1-title": "",
                "expanded-1-content": "",
                "jobs-0-discount": "5",
                "jobs-0-items-1-name": "",  # added and left empty
                "jobs-0-items-1-hours": "",
                "jobs-0-items-1-rate": "",
                "jobs-0-items-1-taxcode": "001",
                "jobs-1-name": "Build",
                "jobs-1-items-0-name": "Templates",
                "jobs-1-items-0-type": "fixed",
                "jobs-1-items-0-hours": "3",
                "jobs-1-items-0-rate": "250",
                "jobs-1-items-0-taxcode": "002",
                "jobs-1-items-0-category": "4010",
            },
        ),
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("proposals:detail", args=[proposal.pk])
    assert proposal.client == acme and proposal.added_by == admin_user
    assert proposal.expanded == [{"title": "Scope", "content": "Five pages"}]
    assert [job["name"] for job in proposal.jobs] == ["Design", "Build"]
    assert len(proposal.jobs[0]["items"]) == 1 and proposal.jobs[1]["print"] is False
    # (1000 less 5 % = 950, and 750) less 10 %: 1530; tax 950×.9×.2 + 750×.9×.05 = 204.75
    assert (proposal.total, proposal.tax) == (D("1530.00"), D("204.75"))


def test_refusals_show_on_their_fields_and_over_the_jobs(staff_client, acme):
    response = staff_client.post(
        reverse("proposals:add"),
        editor_post(client=acme.code, discount="150", **{"jobs-0-items-0-taxcode": "009"}),
    )
    assert response.status_code == 200
    text = text_of(response)
    assert "Discount (%) must be a percentage from 0 to 100." in text
    assert "Jobs: job 1, item 1: tax code '009' does not exist." in text
    # What was typed stays.
    assert 'value="Concepts"' in response.content.decode()
    assert not Proposal.objects.exists()
    response = staff_client.post(reverse("proposals:add"), editor_post(client="Acme"))
    assert "Pick a company or person from the suggestions" in text_of(response)


def test_an_existing_proposal_is_edited(staff_client, spec):
    page = staff_client.get(reverse("proposals:edit", args=[spec.pk]))
    html = page.content.decode()
    assert 'value="Line item 1"' in html and 'value="315"' in html and 'value="50.00"' in html
    assert f'value="{spec.client.code} · Joe Bloggs Inc"' in html
    assert 'id="totals-grandtotal">£56,700.00<' in html
    # The fields the page doesn't show ride along and come back as they were.
    extra = re.search(r'name="jobs-0-items-0-extra" value="([^"]*)"', html)[1]
    response = staff_client.post(
        reverse("proposals:edit", args=[spec.pk]),
        editor_post(
            client=spec.client.code,
            **{"jobs-0-items-0-extra": extra.replace("&quot;", '"'), "jobs-0-items-0-hours": "5"},
        ),
    )
    assert response.status_code == 302
    spec.refresh_from_db()
    assert spec.title == "Brewery website" and spec.total == D("500.00")
    assert spec.jobs[0]["items"][0]["start"] == "TBC"


@pytest.mark.parametrize(
    "op, names, focus",
    [
        ("add-item-0", ["Concepts", "Drafts", ""], 'id="job-0-item-2-name"'),
        ("remove-item-0-0", ["Drafts"], 'id="job-0-add-item"'),
        ("down-item-0-0", ["Drafts", "Concepts"], 'id="job-0-item-1-up"'),
        ("up-item-0-1", ["Drafts", "Concepts"], 'id="job-0-item-0-down"'),
        ("up-item-0-0", ["Concepts", "Drafts"], 'id="job-0-item-0-down"'),
        ("remove-item-0-7", ["Concepts", "Drafts"], None),
    ],
)
def test_the_editor_changes_items_in_place(staff_client, op, names, focus):
    fields = editor_post(
        op=op,
        **{
            "jobs-0-items-1-name": "Drafts",
            "jobs-0-items-1-hours": "2",
            "jobs-0-items-1-rate": "50",
            "jobs-0-items-1-taxcode": "001",
        },
    )
    response = staff_client.post(
        reverse("proposals:editor"), fields, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="proposal-jobs"')
    assert re.findall(r'name="jobs-0-items-\d+-name" value="([^"]*)"', html) == names
    autofocus = re.findall(r"<[^>]*autofocus[^>]*>", html)
    if focus:
        assert len(autofocus) == 1 and focus in autofocus[0]
    else:
        assert autofocus == []
    # The totals come along, out of band.
    assert 'id="proposal-totals" aria-label="Totals" hx-swap-oob="true">' in html


def test_the_editor_adds_moves_and_removes_jobs_and_sections(staff_client):
    url = reverse("proposals:editor")
    html = staff_client.post(url, editor_post(op="add-job")).content.decode()
    assert re.findall(r'name="jobs-(\d+)-name"', html) == ["0", "1"]
    assert (
        'id="job-1-name" name="jobs-1-name" value="" maxlength="200" autocomplete="off" autofocus'
        in html
    )
    html = staff_client.post(
        url, editor_post(op="up-job-1", **{"jobs-1-name": "Build"})
    ).content.decode()
    assert re.findall(r'name="jobs-\d+-name" value="([^"]*)"', html) == ["Build", "Design"]
    html = staff_client.post(url, editor_post(op="remove-job-0")).content.decode()
    assert "No jobs yet." in html and 'id="add-job"' in html
    html = staff_client.post(
        url,
        editor_post(op="add-conclusion", **{"conclusion-0-title": "Thanks"}),
    ).content.decode()
    assert html.lstrip().startswith('<div id="proposal-conclusion"')
    assert re.findall(r'name="conclusion-(\d+)-title" value="([^"]*)"', html) == [
        ("0", "Thanks"),
        ("1", ""),
    ]


def test_totals_follow_what_the_editor_holds(staff_client):
    url = reverse("proposals:totals")
    html = staff_client.post(url, editor_post(discount="10")).content.decode()
    assert 'id="totals-total">£900.00<' in html
    assert 'id="totals-grandtotal">£1,080.00<' in html
    assert (
        '<output id="job-0-item-0-net" for="job-0-item-0-hours job-0-item-0-rate" '
        'hx-swap-oob="true">1,000.00</output>'
    ) in html
    html = staff_client.post(url, editor_post(**{"jobs-0-items-0-hours": "ten"})).content.decode()
    assert "Jobs: job 1, item 1: hours must be a number." in text_of_html(html)
    assert 'id="totals-total">—<' in html


def text_of_html(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


# --- a proposal's page ------------------------------------------------------------


def test_a_proposals_page_shows_its_jobs_and_money(staff_client, spec):
    response = staff_client.get(reverse("proposals:detail", args=[spec.pk]))
    text = text_of(response)
    assert "Proposal title" not in text and "Brewery website" in text
    assert "Line item 1 Hourly 315 50.00 001 Standard VAT 15,750.00" in text
    assert "Line item 5 Not printed Fixed 0 50.00" in text
    assert "Grand total £56,700.00" in text
    assert "Create project" not in text and "Accept" in text


def test_accept_then_create_the_project(staff_client, spec):
    response = staff_client.post(reverse("proposals:status", args=[spec.pk]), {"status": "A"})
    assert response.status_code == 302
    page = staff_client.get(response["Location"])
    assert f"Proposal {spec.pk}, Brewery website, is accepted." in text_of(page)
    assert "Create project" in text_of(page)
    response = staff_client.post(reverse("proposals:make_project", args=[spec.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:detail", args=[spec.pk])
    project = Project.objects.get()
    assert project.pk == spec.pk and project.jobs.get().items.count() == 5
    page = staff_client.get(response["Location"])
    assert f"Project {spec.pk}, Brewery website, was made from proposal {spec.pk}." in text_of(page)
    # Once is enough: the page says where it went, and a second try is refused.
    page = staff_client.get(reverse("proposals:detail", args=[spec.pk]))
    assert f"It became project {spec.pk} ." in text_of(page)
    response = staff_client.post(reverse("proposals:make_project", args=[spec.pk]), follow=True)
    assert f"Proposal {spec.pk} already became project {spec.pk}." in text_of(response)
    assert Project.objects.count() == 1


def test_making_a_project_needs_the_projects_area_too(restricted_to, spec):
    proposals.update_proposal(spec, status="A")
    seller = signed_in_client(restricted_to("proposals", email="sal@studio.test"))
    page = seller.get(reverse("proposals:detail", args=[spec.pk]))
    assert "Create project" not in text_of(page)
    assert seller.post(reverse("proposals:make_project", args=[spec.pk])).status_code == 403
    assert not Project.objects.exists()


def test_reject_and_reopen(staff_client, spec):
    staff_client.post(reverse("proposals:status", args=[spec.pk]), {"status": "X"})
    spec.refresh_from_db()
    assert spec.status == "X"
    response = staff_client.post(
        reverse("proposals:status", args=[spec.pk]), {"status": "P"}, follow=True
    )
    assert "is pending again" in text_of(response)
    response = staff_client.post(
        reverse("proposals:status", args=[spec.pk]), {"status": "Z"}, follow=True
    )
    assert "Status must be P (pending), A (accepted) or X (rejected)." in text_of(response)


def test_delete(staff_client, spec):
    response = staff_client.post(reverse("proposals:delete", args=[spec.pk]), follow=True)
    assert f"Proposal {spec.pk}, Brewery website, was deleted." in text_of(response)
    assert not Proposal.objects.exists()
    assert staff_client.get(reverse("proposals:detail", args=[spec.pk])).status_code == 404


def test_a_rate_pasted_as_the_pages_write_money_is_read(staff_client, acme):
    data = editor_post(client=f"C{acme.pk}", **{"jobs-0-items-0-rate": "£1,250.00"})
    response = staff_client.post(reverse("proposals:add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Proposal.objects.get().total == D("12500.00")  # 10 hours at 1,250


def test_the_editor_saves_a_proposal_of_many_items(staff_client, acme):
    # 150 items post 1,350 fields, past Django's default of 1,000 a request.
    items = {}
    for i in range(150):
        items.update(
            {
                f"jobs-0-items-{i}-name": f"Item {i}",
                f"jobs-0-items-{i}-type": "hourly",
                f"jobs-0-items-{i}-hours": "1",
                f"jobs-0-items-{i}-rate": "10",
                f"jobs-0-items-{i}-taxcode": "001",
                f"jobs-0-items-{i}-category": "-",
                f"jobs-0-items-{i}-print": "on",
                f"jobs-0-items-{i}-brief": "",
                f"jobs-0-items-{i}-extra": "",
            }
        )
    response = staff_client.post(reverse("proposals:add"), editor_post(client=acme.code, **items))
    assert response.status_code == 302
    assert Proposal.objects.get().total == D("1500.00")
