"""Recurring invoices: the schedule's dates, the writes' rules, and the worker's round
that makes each period's invoice exactly once, catching up after a week away."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import AccountSettings
from accounts.tests.factories import UserFactory
from billing import invoicing, periodicals
from billing.models import DocumentEvent, Invoice, Periodical
from billing.tasks import invoice_recurring
from billing.tests.factories import PeriodicalFactory, TaxCodeFactory
from crm.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db

LINES = [
    {
        "title": "Hosting",
        "items": [
            {"type": "fixed", "title": "Server", "quantity": 1, "unitprice": 100, "taxcode": "001"},
            {
                "type": "fixed",
                "title": "Backups",
                "quantity": 1,
                "unitprice": 150,
                "taxcode": "001",
            },
        ],
    }
]


def plan(repeat: str, first: date, interval: int = 1, last: date | None = None) -> Periodical:
    """An unsaved periodical: the schedule's math needs no database."""
    return Periodical(repeat=repeat, repeatinterval=interval, first=first, last=last)


def midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def errors_of(refused) -> dict:
    return {field: [str(m) for m in messages] for field, messages in refused.message_dict.items()}


# --- the schedule -------------------------------------------------------------------


def test_the_31st_falls_on_each_months_last_day_and_comes_back():
    dates = periodicals.run_dates(plan("M", date(2025, 1, 31)), date(2025, 1, 1), 6)
    assert dates == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
        date(2025, 5, 31),
        date(2025, 6, 30),
    ]


def test_a_leap_february_has_its_29th():
    dates = periodicals.run_dates(plan("M", date(2024, 1, 31)), date(2024, 1, 1), 3)
    assert dates == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)]
    quarterly = periodicals.run_dates(plan("M", date(2023, 11, 30), 3), date(2023, 1, 1), 3)
    assert quarterly == [date(2023, 11, 30), date(2024, 2, 29), date(2024, 5, 30)]


def test_a_yearly_29_february_is_the_28th_in_common_years():
    dates = periodicals.run_dates(plan("Y", date(2024, 2, 29)), date(2024, 1, 1), 5)
    assert dates == [
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]


def test_days_and_weeks_step_by_their_interval():
    assert periodicals.run_dates(plan("D", date(2025, 12, 30), 3), date(2025, 12, 30), 3) == [
        date(2025, 12, 30),
        date(2026, 1, 2),
        date(2026, 1, 5),
    ]
    assert periodicals.run_dates(plan("W", date(2025, 2, 20), 2), date(2025, 2, 20), 3) == [
        date(2025, 2, 20),
        date(2025, 3, 6),
        date(2025, 3, 20),
    ]


@pytest.mark.parametrize(
    ("schedule", "start", "expected"),
    [
        # Starting between periods finds the next one, counted from `first`.
        (plan("M", date(2025, 1, 31)), date(2025, 3, 1), [date(2025, 3, 31), date(2025, 4, 30)]),
        (plan("M", date(2025, 1, 31)), date(2025, 4, 30), [date(2025, 4, 30), date(2025, 5, 31)]),
        (plan("W", date(2025, 1, 1), 2), date(2025, 1, 16), [date(2025, 1, 29), date(2025, 2, 12)]),
        (plan("Y", date(2020, 2, 29)), date(2023, 3, 1), [date(2024, 2, 29), date(2025, 2, 28)]),
        (
            plan("D", date(2025, 1, 1), 10),
            date(2025, 1, 11),
            [date(2025, 1, 11), date(2025, 1, 21)],
        ),
        # Before `first`: the first period.
        (plan("M", date(2025, 5, 15)), date(2020, 1, 1), [date(2025, 5, 15), date(2025, 6, 15)]),
    ],
)
def test_run_dates_start_anywhere(schedule, start, expected):
    assert periodicals.run_dates(schedule, start, 2) == expected


def test_the_last_date_ends_the_schedule():
    schedule = plan("M", date(2025, 1, 31), last=date(2025, 4, 29))
    assert periodicals.run_dates(schedule, date(2025, 1, 1), 5) == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
    ]
    assert periodicals.run_dates(schedule, date(2025, 4, 1), 5) == []


def test_the_calendars_end_ends_the_schedule_rather_than_failing():
    assert periodicals.run_dates(plan("Y", date(9998, 6, 1)), date(9998, 1, 1), 5) == [
        date(9998, 6, 1),
        date(9999, 6, 1),
    ]
    assert periodicals.run_dates(plan("D", date(9999, 12, 30)), date(9999, 1, 1), 5) == [
        date(9999, 12, 30),
        date(9999, 12, 31),
    ]


def test_schedules_read_in_words():
    assert periodicals.repeat_words("M", 1) == "Every month"
    assert periodicals.repeat_words("W", 2) == "Every 2 weeks"
    assert periodicals.repeat_words("Y", 1) == "Every year"
    assert periodicals.repeat_words("D", 3) == "Every 3 days"


# --- writes -------------------------------------------------------------------------


@pytest.fixture
def vat(db):
    return TaxCodeFactory(code="001", rate=D("0.2"))


@pytest.fixture
def owner(db):
    return UserFactory(email="owner@studio.test")


def add(owner, **fields) -> Periodical:
    values = {
        "client": f"C{CompanyFactory().pk}",
        "items": LINES,
        "total": "250",
        "terms": 14,
        "repeat": "M",
        "added_by": owner,
    }
    return periodicals.create_periodical(**{**values, **fields})


@pytest.mark.usefixtures("vat")
def test_a_periodical_is_priced_from_its_lines_and_defaults_as_depot_does(owner):
    periodical = periodicals.create_periodical(
        client=f"C{CompanyFactory().pk}", items=LINES, total="250", added_by=owner
    )
    assert (periodical.total, periodical.tax, periodical.grandtotal) == (D(250), D(50), D(300))
    assert periodical.repeat == "Y" and periodical.repeatinterval == 1
    assert periodical.first == timezone.localdate() and periodical.last is None
    assert periodical.terms == AccountSettings.load().default_payment_terms


@pytest.mark.usefixtures("vat")
def test_every_wrong_field_is_named_at_once(owner):
    with pytest.raises(ValidationError) as refused:
        add(
            owner,
            client="P1",
            items=[],
            repeat="Q",
            repeatinterval=0,
            first="31/01/2025",
            terms=-1,
            discount="101",
            purchaseorder="x" * 101,
            title="t" * 201,
        )
    errors = errors_of(refused.value)
    assert errors == {
        "title": ["title must be at most 200 characters."],
        "client": ["client must be a company (C…) or a person (I…), not 'P1'."],
        "items": ["items must have at least one line."],
        "discount": ["discount must be a percentage from 0 to 100."],
        "terms": ["terms must be a whole number of days from 0 to 3650."],
        "repeat": ["repeat must be D (day), W (week), M (month) or Y (year)."],
        "repeatinterval": ["repeatinterval must be a whole number from 1 to 365."],
        "first": ["first must be a date (YYYY-MM-DD) or a Unix timestamp."],
        "purchaseorder": ["purchaseorder must be at most 100 characters."],
    }
    assert not Periodical.objects.exists()


@pytest.mark.usefixtures("vat")
def test_the_last_date_cannot_come_before_the_first(owner):
    with pytest.raises(ValidationError) as refused:
        add(owner, first=date(2025, 3, 1), last=date(2025, 2, 1))
    assert errors_of(refused.value) == {
        "last": ["last must be on or after the first date (2025-03-01), or empty for never."]
    }
    periodical = add(owner, first=date(2025, 3, 1), last=date(2025, 3, 1))
    with pytest.raises(ValidationError):
        periodicals.update_periodical(periodical, first=date(2025, 4, 1))
    periodicals.update_periodical(periodical, first=date(2025, 4, 1), last=None)
    periodical.refresh_from_db()
    assert (periodical.first, periodical.last) == (date(2025, 4, 1), None)


@pytest.mark.usefixtures("vat")
def test_a_total_that_does_not_match_the_lines_is_refused(owner):
    with pytest.raises(ValidationError) as refused:
        add(owner, total="300")
    assert errors_of(refused.value) == {
        "total": ["total does not match the items (expected 250.00)."]
    }


@pytest.mark.usefixtures("vat")
def test_email_recipients_must_exist(owner):
    with pytest.raises(ValidationError) as refused:
        add(owner, sendemail=True, emailto="999999", emailbcc="nobody@studio.test")
    errors = errors_of(refused.value)
    assert errors["emailto"] == ["emailto names people who don't exist: 999999."]
    assert errors["emailbcc"] == ["emailbcc names emails that are not users: nobody@studio.test."]
    person = ContactFactory()
    periodical = add(
        owner, sendemail="yes", emailto=f"{person.pk}", emailbcc=owner.email, emailmessage="Hi"
    )
    assert (periodical.sendemail, periodical.email_to, periodical.email_bcc) == (
        True,
        [person.pk],
        [owner.email],
    )


@pytest.mark.usefixtures("vat")
def test_an_update_changes_only_what_it_names_and_reprices(owner):
    periodical = add(owner, title="Hosting", discount="10", total="225")
    assert periodical.total == D("225.00")
    periodicals.update_periodical(periodical, discount="0", repeat="w", repeatinterval="2")
    periodical.refresh_from_db()
    assert (periodical.title, periodical.total, periodical.grandtotal) == (
        "Hosting",
        D("250.00"),
        D("300.00"),
    )
    assert (periodical.repeat, periodical.repeatinterval) == ("W", 2)


def test_misspelt_fields_are_a_programming_error(owner):
    with pytest.raises(TypeError):
        periodicals.create_periodical(client="C1", itmes=[], added_by=owner)


@pytest.mark.usefixtures("vat")
def test_deleting_keeps_the_invoices_it_made(owner):
    periodical = add(owner, repeat="D")
    assert periodicals.invoice_due_periods() == 1
    periodicals.delete_periodical(periodical)
    invoice = Invoice.objects.get()
    assert invoice.issued and invoice.periodical is None
    assert not Periodical.objects.exists()


# --- the worker's round: exactly once --------------------------------------------------


def backdate(periodical: Periodical, day: date) -> Periodical:
    """As if it had been added on `day`."""
    Periodical.objects.filter(pk=periodical.pk).update(added=midnight(day))
    periodical.refresh_from_db()
    return periodical


def test_a_week_missed_is_caught_up_once_and_only_once():
    today = timezone.localdate()
    week_ago = today - timedelta(days=7)
    periodical = backdate(PeriodicalFactory(repeat="D", first=week_ago), week_ago)

    # The worker's round on the first day, then nothing for a week.
    assert periodicals.invoice_due_periods(now=midnight(week_ago) + timedelta(hours=9)) == 1
    assert periodicals.invoice_due_periods() == 7
    assert periodicals.invoice_due_periods() == 0
    invoice_recurring.call_local()  # the huey task runs the same round
    assert Invoice.objects.count() == 8

    invoices = list(Invoice.objects.order_by("period"))
    assert [invoice.period for invoice in invoices] == [
        week_ago + timedelta(days=n) for n in range(8)
    ]
    assert all(invoice.periodical_id == periodical.pk and invoice.issued for invoice in invoices)
    assert [timezone.localdate(invoice.date) for invoice in invoices] == [
        invoice.period for invoice in invoices
    ]
    # Issued in order, with numbers from the counter and nothing skipped.
    assert [invoice.reference for invoice in invoices] == [str(n) for n in range(1, 9)]
    assert DocumentEvent.objects.filter(kind="issued").count() == 8


def test_each_invoice_carries_the_periodicals_terms_lines_and_delivery():
    person = ContactFactory()
    owner = UserFactory()
    periodical = PeriodicalFactory(
        client_company=None,
        client_contact=person,
        terms=7,
        discount=D("10.00"),
        total=D("45.00"),
        tax=D("9.00"),
        grandtotal=D("54.00"),
        purchaseorder="PO-77",
        sendemail=True,
        email_to=[person.pk],
        email_bcc=[owner.email],
        email_message="Thanks for your custom.",
        added_by=owner,
    )
    assert periodicals.invoice_due_periods() == 1
    invoice = Invoice.objects.get()
    assert invoice.client == person and invoice.added_by == owner
    assert (invoice.total, invoice.tax, invoice.grandtotal) == (D("45.00"), D("9.00"), D("54.00"))
    assert invoice.items[0]["items"][0]["title"] == "Monthly support"
    assert invoice.due == invoice.date + timedelta(days=7)
    assert invoice.purchaseorder == "PO-77"
    assert invoice.sendemail and invoice.email_to == [person.pk]
    assert invoice.email_bcc == [owner.email]
    assert invoice.email_message == "Thanks for your custom."
    assert invoice.period == periodical.first


def test_the_last_date_is_respected():
    today = timezone.localdate()
    start = today - timedelta(days=10)
    backdate(PeriodicalFactory(repeat="D", first=start, last=start + timedelta(days=3)), start)
    assert periodicals.invoice_due_periods() == 4
    assert periodicals.invoice_due_periods() == 0
    assert sorted(Invoice.objects.values_list("period", flat=True)) == [
        start + timedelta(days=n) for n in range(4)
    ]


def test_nothing_is_made_before_the_first_date():
    PeriodicalFactory(first=timezone.localdate() + timedelta(days=1))
    assert periodicals.invoice_due_periods() == 0
    assert not Invoice.objects.exists()


def test_a_schedule_sent_with_an_old_first_date_bills_only_the_period_running_now():
    today = timezone.localdate()
    first = date(today.year - 5, today.month, min(today.day, 28))
    periodical = PeriodicalFactory(repeat="Y", first=first)
    assert periodicals.invoice_due_periods() == 1
    made = Invoice.objects.get()
    assert made.period == date(today.year, first.month, first.day)
    assert periodicals.upcoming(periodical, 1, last_made=made.period) == [
        date(today.year + 1, first.month, first.day)
    ]


def test_a_schedule_moved_after_it_ran_does_not_bill_the_same_month_twice():
    today = timezone.localdate()
    first = today - timedelta(days=10)
    periodical = backdate(PeriodicalFactory(repeat="M", first=first), first)
    assert periodicals.invoice_due_periods() == 1
    periodicals.update_periodical(periodical, first=today - timedelta(days=5))
    assert periodicals.invoice_due_periods() == 0
    periodical.refresh_from_db()
    following = periodicals.upcoming(periodical, 1, last_made=first)[0]
    assert following > today and following == periodicals.period_date(periodical, 1)


def test_a_period_already_made_is_refused_by_the_database():
    periodical = PeriodicalFactory()
    assert periodicals.invoice_due_periods() == 1
    owner = periodical.added_by
    with pytest.raises(IntegrityError), transaction.atomic():
        invoicing.create_invoice(
            client=f"C{periodical.client_company_id}",
            items=periodical.items,
            added_by=owner,
            periodical=periodical,
            period=periodical.first,
        )
    assert Invoice.objects.count() == 1


def test_one_periodical_that_cannot_be_invoiced_holds_back_no_other(caplog):
    broken = PeriodicalFactory(title="Broken")
    working = PeriodicalFactory(title="Working")
    Periodical.objects.filter(pk=broken.pk).update(email_to=[99999999])
    assert periodicals.invoice_due_periods() == 1
    assert Invoice.objects.get().periodical == working
    assert f"Recurring invoice {broken.pk}" in caplog.text
    assert "emailto names people who don't exist: 99999999." in caplog.text
    # Fixed, it is made on the next round.
    Periodical.objects.filter(pk=broken.pk).update(email_to=[])
    assert periodicals.invoice_due_periods() == 1


def test_upcoming_dates_start_after_the_last_invoice_made():
    today = timezone.localdate()
    periodical = backdate(PeriodicalFactory(repeat="W", first=today), today)
    assert periodicals.upcoming(periodical, 3) == [
        today,
        today + timedelta(weeks=1),
        today + timedelta(weeks=2),
    ]
    assert periodicals.invoice_due_periods() == 1
    assert periodicals.upcoming(periodical, 2, last_made=today) == [
        today + timedelta(weeks=1),
        today + timedelta(weeks=2),
    ]
