import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import (
    AccessToken,
    AccountSettings,
    ApiCredential,
    Notification,
    PrivateTask,
    User,
    hash_secret,
)
from accounts.queries import unread_notification_count
from billing.models import (
    ChargeRate,
    Invoice,
    LedgerCategory,
    Periodical,
    Product,
    Proposal,
    TaxCode,
)
from billing.queries import with_balance
from crm.models import Activity, Company, Contact
from projects.models import ActivityType, Job, JobAction, JobItem, Project, TimeEntry

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_apikey_prints_one_json_line_and_stores_only_a_hash():
    output = run("apikey", "--name", "Zapier")
    assert output.count("\n") <= 1
    printed = json.loads(output)
    credential = ApiCredential.objects.get(token=printed["token"])
    assert credential.name == "Zapier"
    assert printed["secret"] not in (credential.secret_hash, "")
    assert credential.secret_hash == hash_secret(printed["secret"])
    assert len(printed["secret"]) >= 43  # 32 random bytes, base64url


def test_apikey_credentials_authenticate_against_the_api(client):
    printed = json.loads(run("apikey", "--name", "Script"))
    response = client.get(
        "/api/v1/me.json",
        headers={"X-DEPOT-TOKEN": printed["token"], "X-DEPOT-SECRET": printed["secret"]},
    )
    assert response.status_code == 200
    assert response.json()["rows"][0]["credential"]["name"] == "Script"


def test_apikey_for_a_user_prints_a_bearer_token(client, admin_user):
    printed = json.loads(run("apikey", "--name", "CLI", "--user", admin_user.email))
    assert AccessToken.objects.get(user=admin_user).token_hash == hash_secret(
        printed["access_token"]
    )
    response = client.get(
        "/api/v1/me.json", headers={"Authorization": f"Bearer {printed['access_token']}"}
    )
    assert response.json()["rows"][0]["user"]["id"] == admin_user.email


def test_apikey_can_narrow_scopes_and_set_an_expiry():
    printed = json.loads(
        run(
            "apikey",
            "--name",
            "Reader",
            "--scopes",
            "contacts:read, users:read",
            "--expires",
            "2099-01-31",
        )
    )
    credential = ApiCredential.objects.get(token=printed["token"])
    assert credential.scopes == ["contacts:read", "users:read"]
    assert timezone.localtime(credential.expires).date().isoformat() == "2099-01-31"


def test_apikey_refuses_unknown_scopes_and_bad_dates():
    with pytest.raises(CommandError, match="unknown values: contacts:admin"):
        run("apikey", "--name", "X", "--scopes", "contacts:admin")
    with pytest.raises(CommandError, match="--expires must be a date"):
        run("apikey", "--name", "X", "--expires", "next week")
    assert not ApiCredential.objects.exists()


def test_apikey_for_an_unknown_user_fails_clearly():
    with pytest.raises(CommandError, match="No user with email"):
        run("apikey", "--name", "CLI", "--user", "ghost@studio.test")


def test_seed_demo_loads_an_account_once():
    output = run("seed_demo", "--if-empty")
    assert "demo@docket.test" in output
    demo = User.objects.get(email="demo@docket.test")
    assert demo.check_password("docket-demo") and demo.is_superuser
    assert User.objects.filter(type=User.Type.COLLABORATOR).count() == 1
    assert TaxCode.objects.get(code="001").rate == Decimal("0.2")
    assert LedgerCategory.objects.count() == 6
    assert ChargeRate.objects.get(name="Consultancy rate").rate == 150
    assert ActivityType.objects.filter(name="Design").exists()
    assert AccountSettings.load().company_name == "Northwind Studio"
    assert Company.objects.count() == 30 and Company.objects.filter(is_supplier=True).count() == 4
    assert Contact.objects.count() == 80
    assert Contact.objects.filter(company__isnull=True).count() == 8
    assert Activity.objects.filter(replyto__isnull=True).count() == 60
    # Proposals take their numbers from the same counter, after the projects; the
    # accepted one became the project that keeps its number.
    accepted = Proposal.objects.get(status="A")
    assert sorted(Proposal.objects.values_list("id", flat=True)) == [1007, 1008, 1009]
    assert set(Proposal.objects.values_list("status", flat=True)) == set("PAX")
    assert all(proposal.grandtotal > 0 for proposal in Proposal.objects.all())
    assert accepted.project_id == accepted.pk == 1008
    assert sorted(Project.objects.values_list("id", flat=True)) == [*range(1001, 1007), 1008]
    assert set(Project.objects.values_list("status", flat=True)) == set("OHPCF")
    # Three weeks of weekdays for every standard person, on open jobs.
    logged = TimeEntry.objects.values("user").distinct().count()
    assert logged == User.objects.filter(type=User.Type.STANDARD).count()
    assert set(TimeEntry.objects.values_list("item__status", flat=True)) == {"O"}
    assert Project.objects.filter(client_contact__isnull=False).count() == 1
    assert all(2 <= project.jobs.count() <= 4 for project in Project.objects.all())
    assert (
        accepted.project.jobs.count() == 2
        and JobItem.objects.filter(job__project=accepted.project).count() == 4
    )
    assert Product.objects.count() == 10
    # Recurring invoices that start next month: none made yet.
    assert Periodical.objects.count() == 3
    assert not Invoice.objects.filter(periodical__isnull=False).exists()
    # Invoices in every state: a draft from unbilled time, issued ones paid, part-paid,
    # overdue and credited.
    invoices = with_balance(Invoice.objects.all())
    assert invoices.filter(issued_at__isnull=True, job__isnull=True, project__isnull=False).exists()
    assert invoices.filter(is_paid=True).exists() and invoices.filter(is_overdue=True).exists()
    assert invoices.filter(amountpaid__gt=0, is_paid=False).exists()
    assert invoices.filter(credited__gt=0).exists()
    assert all(periodical.first > timezone.localdate() for periodical in Periodical.objects.all())

    users_before = User.objects.count()
    # Everyone on the team has their day, and notifications to read.
    demo = User.objects.get(email="demo@docket.test")
    assert PrivateTask.objects.filter(user=demo, date=timezone.localdate()).count() == 3
    assert (
        PrivateTask.objects.filter(done=True).count()
        == User.objects.filter(type=User.Type.STANDARD).count()
    )
    # Told by the services as they were put on the demo projects' teams.
    assert Notification.objects.filter(type="teamadd").exists()
    assert unread_notification_count(demo) == Notification.objects.filter(users=demo).count() > 0
    # Every open job's hourly items have an action, and the freelancer has one job.
    assert JobItem.objects.count() > 0
    assert JobAction.objects.filter(item__job__status="O").exists()
    sam = User.objects.get(email="sam@freelance.test")
    assert Job.objects.get(pk__in=sam.collaborator_jobs).title == "Design"
    assert "skipped" in run("seed_demo", "--if-empty")
    assert User.objects.count() == users_before


def test_createsuperuser_needs_only_email_and_password(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Boss@Studio.test")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-password-1")
    call_command("createsuperuser", "--noinput", stdout=StringIO())
    boss = User.objects.get(email="boss@studio.test")
    assert boss.is_superuser and boss.check_password("a-long-password-1")
    assert boss.name == "boss"
