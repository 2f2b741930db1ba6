"""Proposals through the service every caller uses: their jobs of items checked and
priced (billing.totals), numbered from the counter projects share, accepted, and made
into a project with its jobs and items."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AccountSettings
from accounts.tests.factories import UserFactory
from billing import proposals
from billing.models import Proposal, TaxCode
from billing.tests.factories import LedgerCategoryFactory, ProposalFactory, TaxCodeFactory
from billing.totals import proposal_totals
from crm.models import Activity
from crm.tests.factories import ActivityFactory, CompanyFactory, ContactFactory
from projects import services as project_services
from projects.models import Job, JobAction, JobItem, Project
from projects.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def spec_item(name, hours, kind="hourly", show=True):
    return {
        "hours": hours,
        "name": name,
        "brief": "",
        "rate": "50.00",
        "taxcode": "001",
        "actions": [],
        "type": kind,
        "start": "TBC",
        "duration": 0,
        "team": "",
        "print": show,
        "category": "-",
    }


# The spec's own example: 945 hours at 50, and a fixed item of nothing.
SPEC_JOBS = [
    {
        "name": "Job title goes here",
        "brief": "",
        "discount": 0,
        "print": False,
        "items": [
            spec_item("Line item 1", "315.00"),
            spec_item("Line item 2", "196.00"),
            spec_item("Line item 3", "238.00"),
            spec_item("Line item 4", "196.00"),
            spec_item("Line item 5", "0.00", kind="fixed", show=False),
        ],
        "team": "",
    }
]


@pytest.fixture(autouse=True)
def codes():
    TaxCodeFactory(code="001", rate=D("0.2"))
    TaxCodeFactory(code="002", rate=D("0.05"))
    LedgerCategoryFactory(code="4010")


@pytest.fixture
def owner():
    return UserFactory(email="olivia@studio.test")


@pytest.fixture
def acme():
    return CompanyFactory(name="Joe Bloggs Inc")


def propose(owner, acme, **fields):
    values = {"title": "Proposal title", "client": acme.code, "jobs": SPEC_JOBS}
    return proposals.create_proposal(added_by=owner, **{**values, **fields})


def item(name="Work", hours="1", rate="100", taxcode="001", **fields):
    return {"name": name, "hours": hours, "rate": rate, "taxcode": taxcode, **fields}


def job(*items, name="Job", **fields):
    return {"name": name, "items": list(items), **fields}


def errors_of(refused) -> list[str]:
    return [
        message % {**(error.params or {}), "field": field} if error.params else message
        for field, errors in refused.error_dict.items()
        for error in errors
        for message in [error.message]
    ]


# --- money ------------------------------------------------------------------------


def test_the_specs_example_is_47250_plus_9450(owner, acme):
    proposal = propose(owner, acme)
    assert (proposal.total, proposal.tax, proposal.grandtotal) == (
        D("47250.00"),
        D("9450.00"),
        D("56700.00"),
    )
    proposal.refresh_from_db()
    assert proposal.grandtotal == D("56700")
    assert proposal.status == Proposal.Status.PENDING and proposal.printtotal is True


def test_a_jobs_discount_comes_off_its_items_rounded_once_per_job(owner, acme):
    # Two items of 0.05 under the job's 10 %: 0.10 × 0.9 = 0.09 for the job, where
    # rounding each item (0.045 → 0.05) would give 0.10.
    proposal = propose(
        owner,
        acme,
        jobs=[job(item(hours=1, rate="0.05"), item(hours=1, rate="0.05"), discount=10)],
    )
    assert proposal.total == D("0.09")
    assert proposal.tax == D("0.02")  # 0.09 × 20 % = 0.018


def test_job_discounts_then_the_proposals_discount_and_tax_once_per_code(owner, acme):
    jobs = [
        # 10 h × 100 = 1000 at 20 %, less the job's 10 %: 900
        job(item(hours=10, rate=100), discount="10"),
        # 3 × 33.33 = 99.99 at 5 % and 200 at 20 %, no job discount
        job(
            item(hours=3, rate="33.33", taxcode="002", type="fixed"),
            item(hours=2, rate=100),
        ),
    ]
    proposal = propose(owner, acme, jobs=jobs, discount="5")
    totals = proposal_totals(proposal.jobs, proposal.discount)
    assert totals.subtotal == D("1199.99")
    assert totals.discount == D("60.00")  # 59.9995 rounds half up
    assert proposal.total == D("1139.99")
    # 20 %: (900 + 200) × 0.95 × 0.2 = 209.00; 5 %: 99.99 × 0.95 × 0.05 = 4.749525 → 4.75
    assert [(share.code, share.tax) for share in totals.taxes] == [
        ("001", D("209.00")),
        ("002", D("4.75")),
    ]
    assert proposal.tax == D("213.75") and proposal.grandtotal == D("1353.74")


def test_the_rate_is_kept_as_offered(owner, acme):
    proposal = propose(owner, acme)
    TaxCode.objects.filter(code="001").update(rate=D("0.25"))
    proposal = proposals.update_proposal(proposal, discount="0")
    assert proposal.tax == D("9450.00")
    # Items sent again take the rate of the day.
    proposal = proposals.update_proposal(proposal, jobs=SPEC_JOBS)
    assert proposal.tax == D("11812.50")


def test_a_sent_total_must_match_to_the_cent(owner, acme):
    with pytest.raises(ValidationError) as refused:
        propose(owner, acme, total="47249.99")
    assert errors_of(refused.value) == ["total does not match the items (expected 47250.00)."]
    assert propose(owner, acme, total="47250").total == D("47250")


def test_price_jobs_answers_what_a_save_would(owner, acme):
    jobs, totals = proposals.price_jobs(SPEC_JOBS, "10")
    assert jobs[0]["items"][0]["hours"] == "315.00"
    assert (totals.total, totals.tax, totals.grandtotal) == (
        D("42525.00"),
        D("8505.00"),
        D("51030.00"),
    )
    with pytest.raises(ValidationError) as refused:
        proposals.price_jobs([job(item(hours="x"))], "200")
    assert errors_of(refused.value) == [
        "jobs: job 1, item 1: hours must be a number.",
        "discount must be a percentage from 0 to 100.",
    ]


# --- checking the jobs ------------------------------------------------------------


def test_every_problem_names_its_job_and_item(owner, acme):
    jobs = [
        job(item(), item(taxcode="009")),
        job(
            item(hours="1.255", rate=-1, category="9999", type="product", print="maybe"),
            item(name="", start="someday", duration=99999, team="ghost@nowhere.test"),
            name="",
            discount=150,
        ),
    ]
    with pytest.raises(ValidationError) as refused:
        propose(owner, acme, jobs=jobs)
    assert errors_of(refused.value) == [
        "jobs: job 1, item 2: tax code '009' does not exist.",
        "jobs: job 2: name is required.",
        "jobs: job 2: discount must be a number from 0 to 100.",
        "jobs: job 2, item 1: type must be one of hourly, fixed, external.",
        "jobs: job 2, item 1: hours can have at most 2 decimal places.",
        "jobs: job 2, item 1: rate must be a number of 0 or more.",
        "jobs: job 2, item 1: ledger category '9999' does not exist.",
        "jobs: job 2, item 1: print must be true or false.",
        "jobs: job 2, item 2: name is required.",
        "jobs: job 2, item 2: start must be a date (YYYY-MM-DD or a Unix timestamp) or TBC.",
        "jobs: job 2, item 2: duration must be a whole number of days from 0 to 3650.",
        "jobs: job 2, item 2: team: no active user with the id or email ghost@nowhere.test.",
    ]
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    "jobs, message",
    [
        ("[{", "jobs must be JSON: a list of jobs, each with its items."),
        ({"name": "x"}, "jobs must be a list of jobs, each with its items."),
        (["x"], "jobs: job 1: must be an object with a name and a list of items."),
        (
            [job("x")],
            "jobs: job 1, item 1: must be an object with a name, hours, a rate and a taxcode.",
        ),
        ([job(item(rate=None))], "jobs: job 1, item 1: rate must be a number."),
        ([job(item(taxcode=""))], "jobs: job 1, item 1: taxcode is required."),
        (
            [job(item(actions="call"))],
            "jobs: job 1, item 1: actions must be a list of the actions' names.",
        ),
        (
            [job(item(hours=100001))],
            "jobs: job 1, item 1: hours must be a number from 0 to 100000.",
        ),
        ([job(item(name="x" * 201))], "jobs: job 1, item 1: name must be at most 200 characters."),
        ([job()] * 101, "jobs can have at most 100 jobs."),
        ([job(*[item()] * 501)] * 2, "jobs can have at most 1000 items in all."),
    ],
)
def test_a_shape_it_cant_read_is_refused(owner, acme, jobs, message):
    with pytest.raises(ValidationError) as refused:
        propose(owner, acme, jobs=jobs)
    assert errors_of(refused.value) == [message]


def test_jobs_are_stored_in_depots_shape_with_teams_dates_and_actions(owner, acme):
    designer = UserFactory(email="dee@studio.test")
    jobs = [
        job(
            item(
                "Concepts",
                hours="12.5",
                rate="110",
                category="4010",
                team=[{"email": "DEE@studio.test"}, owner.pk],
                start="2026-03-02",
                duration="10",
                actions=["Book the review", {"name": "Send drafts"}],
                print="false",
            ),
            name=" Design ",
            brief="The look",
            discount="2.5",
            team=f"{designer.email}",
            print=0,
        )
    ]
    proposal = propose(owner, acme, jobs=jobs)
    assert proposal.jobs == [
        {
            "name": "Design",
            "brief": "The look",
            "discount": "2.50",
            "print": False,
            "team": "dee@studio.test",
            "items": [
                {
                    "name": "Concepts",
                    "brief": "",
                    "type": "hourly",
                    "hours": "12.50",
                    "rate": "110.00",
                    "taxcode": "001",
                    "taxrate": "0.2000",
                    "category": "4010",
                    "print": False,
                    "start": "2026-03-02",
                    "duration": 10,
                    "actions": [{"name": "Book the review"}, {"name": "Send drafts"}],
                    "team": "dee@studio.test,olivia@studio.test",
                }
            ],
        }
    ]


# --- the proposal's own fields ----------------------------------------------------


def test_numbers_come_from_the_counter_projects_share(owner, acme):
    account = AccountSettings.load()
    account.nextproposalid = 40
    account.save()
    first = propose(owner, acme)
    project = project_services.create_project(
        title="Retainer", status="O", for_code=acme.code, added_by=owner
    )
    second = propose(owner, acme)
    assert (first.pk, project.pk, second.pk) == (40, 41, 42)
    assert AccountSettings.load().nextproposalid == 43
    # Set back onto numbers in use, the counter skips past proposals and projects.
    account = AccountSettings.load()
    account.nextproposalid = 1
    account.save()
    later = project_services.create_project(
        title="Later", status="O", for_code=acme.code, added_by=owner
    )
    assert later.pk == 43


def test_required_fields_and_bad_values_are_named(owner):
    with pytest.raises(ValidationError) as refused:
        proposals.create_proposal(added_by=None)
    assert set(refused.value.error_dict) == {"title", "client", "user"}
    with pytest.raises(ValidationError) as refused:
        proposals.create_proposal(
            title="T",
            client="P1",
            status="O",
            discount="-1",
            submitdate="soon",
            printtotal="perhaps",
            expanded="[1]",
            overview="x" * 20_001,
            added_by=owner,
        )
    assert set(refused.value.error_dict) == {
        "client",
        "status",
        "discount",
        "submitdate",
        "printtotal",
        "expanded",
        "overview",
    }


def test_update_changes_what_is_sent(owner, acme):
    person = ContactFactory(fullname="Pat Client")
    proposal = propose(owner, acme)
    proposal = proposals.update_proposal(
        proposal,
        title="Renamed",
        client=person.code,
        status="A",
        overview="We will",
        expanded=[{"Scope": "All of it"}],
        conclusion=[{"title": "Thanks", "content": "Looking forward"}],
        submitdate=str(1_767_225_600),
        printtotal="no",
        discount="10",
    )
    proposal.refresh_from_db()
    assert (proposal.title, proposal.client, proposal.status) == ("Renamed", person, "A")
    assert proposal.client_company is None
    assert proposal.expanded == [{"title": "Scope", "content": "All of it"}]
    assert proposal.submitdate == date(2026, 1, 1) and proposal.printtotal is False
    assert proposal.total == D("42525.00") and len(proposal.jobs[0]["items"]) == 5
    proposals.update_proposal(proposal, submitdate=0)
    proposal.refresh_from_db()
    assert proposal.submitdate is None


def test_delete_takes_its_journal_and_leaves_its_project(owner, acme):
    proposal = propose(owner, acme, status="A")
    project = proposals.create_project_from_proposal(proposal, added_by=owner)
    ActivityFactory(for_type="Q", for_id=proposal.pk)
    proposals.delete_proposal(proposal)
    assert not Proposal.objects.exists() and not Activity.objects.exists()
    assert Project.objects.filter(pk=project.pk).exists()


# --- accepted, it becomes a project -----------------------------------------------


def test_an_accepted_proposal_becomes_its_project_with_the_same_number(owner, acme):
    lena = UserFactory(email="lena@studio.test")
    gone = UserFactory(email="gone@studio.test")
    jobs = [
        job(
            item(
                "Concepts",
                hours=12,
                rate=110,
                category="4010",
                team=[lena.email],
                start="2026-03-02",
                duration=10,
                actions=["Book the review"],
            ),
            item("Print run", hours=1, rate=2400, type="fixed", taxcode="002"),
            name="Design",
            brief="The look",
            discount=5,
            team=[lena.email, gone.email],
        ),
        job(item("Build", hours=30, rate=85), name="Production"),
    ]
    proposal = propose(
        owner,
        acme,
        jobs=jobs,
        overview="What we will do",
        expanded=[{"Scope": "Two jobs"}],
        discount=2,
    )
    proposals.update_proposal(proposal, status="A")
    gone.is_active = False
    gone.save()

    project = proposals.create_project_from_proposal(proposal, added_by=owner)

    assert project.pk == proposal.pk
    proposal.refresh_from_db()
    assert proposal.project == project
    assert (project.title, project.client, project.status) == ("Proposal title", acme, "O")
    assert project.brief == "What we will do" and project.discount == D("2")
    assert project.expanded == [{"title": "Scope", "content": "Two jobs"}]
    design, production = Job.objects.filter(project=project).order_by("order")
    assert (design.title, design.number, design.brief, design.discount) == (
        "Design",
        1,
        "The look",
        D("5"),
    )
    assert list(design.team.all()) == [lena]
    concepts, print_run = design.items.order_by("order")
    assert (concepts.title, concepts.type, concepts.hours, concepts.rate) == (
        "Concepts",
        "hourly",
        D("12"),
        D("110"),
    )
    assert (concepts.taxcode, concepts.ledger) == ("001", "4010")
    assert (concepts.start, concepts.deadline) == (date(2026, 3, 2), date(2026, 3, 12))
    assert list(concepts.team.all()) == [lena]
    assert [action.title for action in JobAction.objects.filter(item=concepts)] == [
        "Book the review"
    ]
    assert (print_run.type, print_run.hours, print_run.rate, print_run.taxcode) == (
        "fixed",
        D("1"),
        D("2400"),
        "002",
    )
    assert print_run.ledger == "" and print_run.start == timezone.localdate()
    # The job is due when its last item is: the print run, a week from its start today.
    assert design.deadline == timezone.localdate() + timedelta(days=7)
    assert [i.title for i in production.items.all()] == ["Build"]


def test_only_an_accepted_proposal_and_only_once(owner, acme):
    proposal = propose(owner, acme)
    with pytest.raises(ValidationError) as refused:
        proposals.create_project_from_proposal(proposal, added_by=owner)
    assert refused.value.messages == [
        f"Only an accepted proposal can become a project: accept proposal {proposal.pk} first."
    ]
    proposals.update_proposal(proposal, status="A")
    project = proposals.create_project_from_proposal(proposal, added_by=owner)
    with pytest.raises(ValidationError) as refused:
        proposals.create_project_from_proposal(proposal, added_by=owner)
    assert refused.value.messages == [
        f"Proposal {proposal.pk} already became project {project.pk}."
    ]
    assert Project.objects.count() == 1
    # It stays accepted: its project is the accepted work.
    with pytest.raises(ValidationError) as refused:
        proposals.update_proposal(proposal, status="X")
    assert errors_of(refused.value) == [
        f"status stays accepted: the proposal became project {project.pk}."
    ]


def test_a_number_a_project_already_has_takes_the_counters_next(owner, acme):
    proposal = ProposalFactory(status="A", jobs=[])
    ProjectFactory(id=proposal.pk)
    project = proposals.create_project_from_proposal(proposal, added_by=owner)
    assert project.pk == proposal.pk + 1


def test_the_project_is_made_whole_or_not_at_all(owner, acme):
    proposal = propose(
        owner, acme, status="A", jobs=[job(item(), name="One"), job(item(), name="Two")]
    )
    # A tax code deleted after the proposal was made: its item can't be made.
    proposal.jobs[1]["items"][0]["taxcode"] = "gone"
    Proposal.objects.filter(pk=proposal.pk).update(jobs=proposal.jobs)
    with pytest.raises(ValidationError) as refused:
        proposals.create_project_from_proposal(proposal, added_by=owner)
    assert refused.value.messages == ["Job 2, item 1: taxcode: no tax code with the code gone."]
    assert not Project.objects.exists() and not Job.objects.exists()
    assert not JobItem.objects.exists()
    proposal.refresh_from_db()
    assert proposal.project is None


def test_a_deadline_follows_the_latest_item(owner, acme):
    proposal = propose(owner, acme, status="A", jobs=[job(item(duration=3))])
    project = proposals.create_project_from_proposal(proposal, added_by=owner)
    assert project.deadline == timezone.localdate() + timedelta(days=3)
