"""Proposals and projects numbered from one counter at the same moment, and one
accepted proposal made into a project from two places at once.

As the other races, these need a database that runs transactions side by side:
SQLite takes one writer at a time (IMMEDIATE transactions), so nothing races there."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.tests.factories import UserFactory
from billing import proposals
from billing.models import Proposal
from billing.tests.factories import TaxCodeFactory
from billing.tests.test_invoicing_races import in_parallel
from crm.tests.factories import CompanyFactory
from projects import services as project_services
from projects.models import Job, Project

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one write transaction at a time"
    ),
]

JOBS = [
    {"name": "Design", "items": [{"name": "Concepts", "hours": 2, "rate": 50, "taxcode": "001"}]}
]


def test_proposals_and_projects_added_at_once_never_share_a_number():
    TaxCodeFactory(code="001", rate=D("0.2"))
    owner, client = UserFactory(), CompanyFactory()
    calls = [
        lambda: (
            proposals.create_proposal(
                title="Offer", client=client.code, jobs=JOBS, added_by=owner
            ).pk
        )
        for _ in range(10)
    ] + [
        lambda: (
            project_services.create_project(
                title="Work", status="O", for_code=client.code, added_by=owner
            ).pk
        )
        for _ in range(10)
    ]
    numbers = in_parallel(calls)
    assert sorted(numbers) == list(range(1, 21))
    assert Proposal.objects.count() == Project.objects.count() == 10


def test_one_accepted_proposal_becomes_one_project_however_many_ask():
    TaxCodeFactory(code="001", rate=D("0.2"))
    owner, client = UserFactory(), CompanyFactory()
    proposal = proposals.create_proposal(
        title="Offer", client=client.code, jobs=JOBS, status="A", added_by=owner
    )
    results = in_parallel(
        [lambda: proposals.create_project_from_proposal(proposal, added_by=owner)] * 5
    )
    made = [result for result in results if isinstance(result, Project)]
    assert [project.pk for project in made] == [proposal.pk]
    assert sum(isinstance(result, ValidationError) for result in results) == 4
    assert Project.objects.count() == 1 and Job.objects.count() == 1
