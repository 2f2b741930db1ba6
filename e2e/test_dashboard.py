"""The owner's morning page in a real browser: each figure is there and leads to the
report or list behind it."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect


def test_the_owners_morning_page(signed_in, live_server, shot, console_errors):
    from accounts.models import User
    from billing.tests.documents import issued_invoice, payment
    from billing.tests.factories import PeriodicalFactory
    from crm.tests.factories import CompanyFactory
    from projects.tests.factories import JobItemFactory, TimeEntryFactory

    page = signed_in
    owner = User.objects.get(email="owner@studio.test")
    today = timezone.localdate()
    now = timezone.now()
    first = datetime.combine(today.replace(day=1), datetime.min.time(), tzinfo=UTC)
    acme = CompanyFactory(name="Acme Widgets")
    line = [
        {
            "title": "Work",
            "items": [{"type": "fixed", "title": "Design", "unitprice": "1000", "taxcode": "001"}],
        }
    ]
    this_month = issued_invoice(client=acme, items=line, date=first + timedelta(hours=12))
    payment(this_month, "500", day=today)
    issued_invoice(client=acme, items=line, date=first - timedelta(days=20))
    late = issued_invoice(
        client=CompanyFactory(name="Slow Payers Ltd"),
        items=line,
        date=now - timedelta(days=90),
        terms=30,
    )
    PeriodicalFactory(
        title="Hosting retainer", client_company=acme, first=today + timedelta(days=3)
    )
    TimeEntryFactory(user=owner, hours=Decimal("6.5"), date=today)
    TimeEntryFactory(hours=Decimal("3"), date=today, user__name="Sam Designer")
    item = JobItemFactory(
        hours=4, job__project__title="Runaway rebrand", job__project__client_company=acme
    )
    TimeEntryFactory(item=item, hours=Decimal("7"), date=today - timedelta(days=8))

    page.goto(f"{live_server.url}/")
    money = page.locator("section.dashboard-money")
    expect(money.locator('[data-figure="invoiced"] .value')).to_have_text("£1,200.00")
    expect(money.locator('[data-figure="received"] .value')).to_have_text("£500.00")
    expect(money.locator('[data-figure="overdue"] .value')).to_have_text("£1,200.00")
    expect(money.get_by_role("link", name=late.reference, exact=True)).to_be_visible()
    expect(money).to_contain_text("Hosting retainer")
    expect(page.locator("section.team-week")).to_contain_text("Sam Designer")
    expect(page.locator("section.over-budget")).to_contain_text("Runaway rebrand")
    shot("dashboard-owner")

    money.locator('[data-figure="overdue"]').click()
    expect(page).to_have_url(f"{live_server.url}/invoices/?tab=overdue")
    expect(page.get_by_role("link", name=late.reference, exact=True)).to_be_visible()
    assert console_errors == []
