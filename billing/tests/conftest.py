"""The reports' hand-worked data, for the services', API's and pages' tests alike."""

import pytest

from billing.tests.report_data import Book, make_book
from billing.tests.time_fixture import Studio, make_studio


@pytest.fixture
def book(admin_user, member) -> Book:
    """The small book of money of billing/tests/report_data.py."""
    return make_book(admin_user, member)


@pytest.fixture
def studio() -> Studio:
    """The small studio's time and invoices of billing/tests/time_fixture.py."""
    return make_studio()
