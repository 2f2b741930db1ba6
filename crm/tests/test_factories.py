"""The factories make rows the app accepts."""

import pytest

from crm.tests.factories import (
    ActivityFactory,
    ActivityFileFactory,
    CompanyFactory,
    ContactFactory,
    ImportJobFactory,
    TagFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "factory_class",
    [TagFactory, CompanyFactory, ContactFactory, ActivityFactory, ImportJobFactory],
)
def test_each_factory_makes_a_valid_row(factory_class):
    factory_class().full_clean()


def test_an_activity_file_is_stored_with_its_size():
    attached = ActivityFileFactory()
    attached.full_clean()
    assert attached.file.read() == b"A brief."
    assert attached.size == len(b"A brief.")
