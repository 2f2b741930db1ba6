import pytest

from accounts.models import User
from accounts.services import remove_user
from accounts.tests.factories import UserFactory
from crm import services
from crm.tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def test_a_user_with_journal_entries_is_deactivated_not_deleted(admin_user):
    author = UserFactory(email="author@studio.test")
    services.create_activity(
        title="Note", type="C", added_by=author, for_code=CompanyFactory().code
    )
    removal = remove_user(author, acting_user=admin_user)
    assert removal.deleted is False
    author.refresh_from_db()
    assert author.is_active is False
    assert User.objects.filter(pk=author.pk).exists()


def test_split_name_handles_titles_and_single_names():
    assert services.split_name("Dr Sherlock Scott Holmes") == {
        "title": "Dr",
        "firstname": "Sherlock",
        "othernames": "Scott",
        "lastname": "Holmes",
    }
    assert services.split_name("Cher") == {
        "title": "",
        "firstname": "Cher",
        "othernames": "",
        "lastname": "",
    }
    assert services.split_name("Mr. Bean")["title"] == "Mr."


def test_tags_are_matched_without_regard_to_case():
    first = services.create_company(name="A", tags="VIP")
    second = services.create_company(name="B", tags="vip, new")
    assert first.tags.get().pk == second.tags.get(name__iexact="vip").pk


def test_customfields_accept_three_shapes():
    expected = [{"title": "Twitter", "value": "@x"}]
    assert services.normalise_customfields([{"Twitter": "@x"}]) == expected
    assert services.normalise_customfields([{"title": "Twitter", "value": "@x"}]) == expected
    assert services.normalise_customfields({"Twitter": "@x"}) == expected
