import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from accounts.models import User
from accounts.services import remove_user
from accounts.tests.factories import UserFactory
from crm import journal, services
from crm.models import Activity, Company, Tag
from crm.tests.factories import ActivityFactory, CompanyFactory, ContactFactory, png_bytes

pytestmark = pytest.mark.django_db


def test_a_user_with_journal_entries_is_deactivated_not_deleted(admin_user):
    author = UserFactory(email="author@studio.test")
    services.create_activity(
        title="Note", type="C", added_by=author, for_code=CompanyFactory().code
    )
    removal = remove_user(author, actor=admin_user)
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


# --- names, tags, custom fields, content ------------------------------------------


@pytest.mark.parametrize(
    "name,expected",
    [
        ("Sherlock Holmes", ("", "Sherlock", "", "Holmes")),
        ("Dr Sherlock Scott Holmes", ("Dr", "Sherlock", "Scott", "Holmes")),
        ("dr. john h. watson", ("dr.", "john", "h.", "watson")),
        ("Dr", ("", "Dr", "", "")),
        ("Ms Adler", ("Ms", "Adler", "", "")),
        ("Jean Claude Van Damme", ("", "Jean", "Claude Van", "Damme")),
        ("", ("", "", "", "")),
    ],
)
def test_split_name(name, expected):
    parts = services.split_name(name)
    assert (parts["title"], parts["firstname"], parts["othernames"], parts["lastname"]) == expected


def test_join_name_skips_blanks():
    assert services.join_name("Dr", "John", "", "Watson") == "Dr John Watson"
    assert services.join_name("", "", "", "") == ""


def test_parse_tags():
    assert services.parse_tags("a, b,,A , c ") == ["a", "b", "c"]
    assert services.parse_tags(["x", " y", "X"]) == ["x", "y"]
    assert services.parse_tags(None) == [] and services.parse_tags("") == []
    with pytest.raises(ValidationError):
        services.parse_tags("x" * 61)


def test_tags_for_creates_once():
    first = services.tags_for(["New", "Other"])
    again = services.tags_for(["new", "OTHER", "third"])
    assert [t.pk for t in again[:2]] == [t.pk for t in first]
    assert Tag.objects.count() == 3


def test_customfields_errors_and_values():
    assert services.normalise_customfields(None) == []
    assert services.normalise_customfields([{"N": 5}, {"J": {"a": [1]}}, {"B": True}]) == [
        {"title": "N", "value": "5"},
        {"title": "J", "value": '{"a": [1]}'},
        {"title": "B", "value": "true"},
    ]
    for bad in ("text", 5, [1], [{"a": 1, "b": 2}], [{" ": "x"}]):
        with pytest.raises(ValidationError):
            services.normalise_customfields(bad)


@pytest.mark.parametrize(
    "html,text",
    [
        ("<p>Hello <b>there</b></p>", "Hello there"),
        ("<p>a</p>\r\n<p>b</p>", "a\n\nb"),
        ("a<br>b<BR/>c", "a\nb\nc"),
        ("a &lt; b &amp;&amp; c &gt; d", "a < b && c > d"),
        # Markup spelled with entities is markup: decoded, then stripped too.
        ("&lt;tag&gt; &amp; more", "& more"),
        ("<ul><li>one</li><li>two</li></ul>", "one\ntwo"),
        ("", ""),
    ],
)
def test_clean_content(html, text):
    assert services.clean_content(html) == text


def test_clean_content_never_leaves_markup_however_deeply_it_is_encoded():
    import html

    encoded = "<script>alert(1)</script>"
    for _ in range(services.CONTENT_CLEANING_PASSES + 2):
        encoded = html.escape(encoded)
    cleaned = services.clean_content(encoded)
    assert "<" not in cleaned and ">" not in cleaned


# --- companies and people ---------------------------------------------------------


def test_create_company_keeps_a_lower_cased_search_name():
    company = services.create_company(name="  Baker STREET ")
    assert (company.name, company.search_name) == ("Baker STREET", "baker street")


def test_create_company_validation_lists_every_problem():
    with pytest.raises(ValidationError) as caught:
        services.create_company(name="", creditlimit="-1", customfields="x")
    assert caught.value.message_dict == {
        "name": ["name is required."],
        "creditlimit": ["creditlimit must be an amount of 0 or more."],
        "customfields": ["customfields must be a JSON array."],
    }
    assert not Company.objects.exists()


def test_find_or_create_company_ignores_case():
    existing = services.create_company(name="Acme Ltd")
    assert services.find_or_create_company("ACME LTD ") == existing
    created = services.find_or_create_company("Other")
    assert created.pk != existing.pk and Company.objects.count() == 2


def test_contact_search_keys_skip_the_title():
    contact = services.create_contact(name="Dr John  Watson")
    assert (contact.search_name, contact.search_last) == ("john watson", "watson")
    services.update_contact(contact, title="", name="John Watson")
    contact.refresh_from_db()
    assert contact.title == "" and contact.fullname == "John Watson"


def test_blocking_references_and_delete_company():
    company = CompanyFactory(name="Busy")
    assert services.blocking_references(company) == []
    person = ContactFactory(company=company)
    assert services.blocking_references(company) == ["1 person"]
    with pytest.raises(ValidationError) as caught:
        services.delete_company(company)
    assert caught.value.messages == ["Busy can't be deleted while it has 1 person."]
    services.delete_contact(person)
    services.delete_company(company)
    assert not Company.objects.exists()


def test_delete_contact_takes_their_journal(admin_user):
    person = ContactFactory()
    keep = ActivityFactory()
    ActivityFactory(about=person)
    services.delete_contact(person)
    assert list(Activity.objects.all()) == [keep]


def test_set_image_replaces_the_file(django_capture_on_commit_callbacks):
    company = CompanyFactory()
    services.set_image(company, SimpleUploadedFile("a.png", png_bytes()))
    first = company.image.name
    with django_capture_on_commit_callbacks(execute=True):
        services.set_image(company, SimpleUploadedFile("b.png", png_bytes(color="blue")))
    assert company.image.name != first
    assert not company.image.storage.exists(first)
    second = company.image.name
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_image(company)
    company.refresh_from_db()
    assert not company.image
    assert not company.image.storage.exists(second)


def _rolled_back(change):
    """Runs `change` in a transaction that is then rolled back, running whatever it
    left to do on commit as a real commit would (nothing, for a rollback)."""
    with pytest.raises(RuntimeError), transaction.atomic():
        change()
        raise RuntimeError("the rest of the request failed")


def test_files_stay_when_the_change_is_rolled_back(admin_user, django_capture_on_commit_callbacks):
    company = CompanyFactory()
    services.set_image(company, SimpleUploadedFile("a.png", png_bytes()))
    storage, image = company.image.storage, company.image.name
    entry = services.create_activity(
        title="Q", type="C", added_by=admin_user, for_code=company.code
    )
    attachment = services.attach_file(entry, SimpleUploadedFile("r.txt", b"reply")).file.name
    with django_capture_on_commit_callbacks(execute=True):
        _rolled_back(lambda: services.set_image(company, SimpleUploadedFile("b.png", png_bytes())))
        company.refresh_from_db()
        _rolled_back(lambda: services.remove_image(company))
        company.refresh_from_db()
        _rolled_back(lambda: services.delete_activity(entry))
        _rolled_back(lambda: services.delete_company(Company.objects.get(pk=company.pk)))
    company.refresh_from_db()
    assert company.image.name == image and storage.exists(image)
    assert Activity.objects.filter(title="Q").exists() and storage.exists(attachment)


def test_deleting_a_company_or_person_removes_their_image(
    staff_client, django_capture_on_commit_callbacks
):
    company, person = CompanyFactory(), ContactFactory()
    services.set_image(company, SimpleUploadedFile("c.png", png_bytes()))
    services.set_image(person, SimpleUploadedFile("p.png", png_bytes()))
    names = [company.image.name, person.image.name]
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_contact(person)
        services.delete_company(company)
    for name in names:
        assert not company.image.storage.exists(name)
        assert staff_client.get(f"/media/{name}").status_code == 404


# --- the journal ------------------------------------------------------------------


def test_item_codes_resolve_to_their_objects(admin_user):
    company, person = CompanyFactory(), ContactFactory()
    assert journal.resolve_item(company.code) == company
    assert journal.resolve_item(f"i{person.pk}") == person
    assert journal.resolve_item(f"U{admin_user.pk}") == admin_user
    for code in ("C999", "Z1", "C99999999999999999999"):
        with pytest.raises(ValidationError):
            journal.resolve_item(code)
    with pytest.raises(ValidationError):
        journal.parse_item_code("41")


def test_builtin_item_types_survive_another_app_registering_first(monkeypatch):
    # The types every app registered at start-up, and one more added later.
    monkeypatch.setattr(journal, "ITEM_TYPES", dict(journal.ITEM_TYPES))
    journal.register_item_type("Z", Company, "name")
    company = CompanyFactory(name="Zed")
    assert journal.resolve_item(company.code) == company
    assert journal.item_names({("Z", company.pk), ("C", company.pk)}) == {
        ("Z", company.pk): "Zed",
        ("C", company.pk): "Zed",
    }


def test_item_names_ignore_unknown_types_and_ids():
    company = CompanyFactory(name="Named")
    assert journal.item_names({("C", company.pk), ("C", 999), ("X", 1), ("C", 2**70)}) == {
        ("C", company.pk): "Named"
    }


def test_reply_takes_the_parents_item_and_flattens(admin_user):
    company = CompanyFactory()
    root = services.create_activity(title="Q", type="C", added_by=admin_user, for_code=company.code)
    reply = services.create_activity(title="A", type="C", added_by=admin_user, replyto=root.pk)
    deeper = services.create_activity(title="A2", type="C", added_by=admin_user, replyto=reply)
    assert (reply.for_type, reply.for_id) == ("C", company.pk)
    assert deeper.replyto_id == root.pk


def test_create_activity_requires_for_unless_replying(admin_user):
    with pytest.raises(ValidationError) as caught:
        services.create_activity(title="x", type="C", added_by=admin_user)
    assert caught.value.message_dict == {"for": ["for is required."]}
    with pytest.raises(ValidationError) as caught:
        services.create_activity(title="x", type="C", added_by=admin_user, replyto=999)
    assert caught.value.message_dict == {"replyto": ["replyto 999 is not a journal entry."]}


def test_delete_activity_removes_reply_files(admin_user, django_capture_on_commit_callbacks):
    root = services.create_activity(
        title="Q", type="C", added_by=admin_user, for_code=CompanyFactory().code
    )
    reply = services.create_activity(title="A", type="C", added_by=admin_user, replyto=root)
    attachment = services.attach_file(reply, SimpleUploadedFile("r.txt", b"reply"))
    storage, name = attachment.file.storage, attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_activity(root)
    assert not Activity.objects.exists() and not storage.exists(name)


def test_migration_cleans_content_stored_with_markup(db):
    from importlib import import_module

    from django.apps import apps

    from crm.models import Activity
    from crm.tests.factories import ActivityFactory

    stored = ActivityFactory()
    plain = ActivityFactory(content="1 < 2 & fine")
    Activity.objects.filter(pk=stored.pk).update(content="<script>alert(1)</script>Hi")
    migration = import_module("crm.migrations.0004_journal_content_without_markup")
    migration.clean_stored_content(apps, None)
    stored.refresh_from_db()
    plain.refresh_from_db()
    assert (stored.content, plain.content) == ("Hi", "1 < 2 & fine")
