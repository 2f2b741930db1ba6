"""One factory per crm model. Factories write rows directly, as fixtures do;
tests about the rules go through crm.services."""

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from crm.models import Activity, ActivityFile, Company, Contact, ImportJob, Tag


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"tag-{n}")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Company {n:03d}")
    website = "https://example.test"
    city = "Belfast"

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):
        """CompanyFactory(tags=["vip", "brewery"]) attaches those tags."""
        if create and extracted:
            from crm.services import tags_for

            obj.tags.set(tags_for(list(extracted)))


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact
        skip_postgeneration_save = True

    firstname = factory.Sequence(lambda n: f"First{n:03d}")
    lastname = "Person"
    fullname = factory.LazyAttribute(lambda o: f"{o.firstname} {o.lastname}")
    email = factory.Sequence(lambda n: f"contact{n}@client.test")

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):
        if create and extracted:
            from crm.services import tags_for

            obj.tags.set(tags_for(list(extracted)))


class ActivityFactory(factory.django.DjangoModelFactory):
    """A journal entry about `about` (a new company unless given), by a new user."""

    class Meta:
        model = Activity

    class Params:
        about = factory.SubFactory(CompanyFactory)

    title = factory.Sequence(lambda n: f"Note {n}")
    type = Activity.Type.COMMENT
    for_type = factory.LazyAttribute(lambda o: o.about.CODE)
    for_id = factory.LazyAttribute(lambda o: o.about.pk)
    added_by = factory.SubFactory(UserFactory)
    date = factory.LazyFunction(timezone.now)


class ActivityFileFactory(factory.django.DjangoModelFactory):
    """A file attached to a journal entry (a new one unless given)."""

    class Meta:
        model = ActivityFile

    activity = factory.SubFactory(ActivityFactory)
    name = factory.Sequence(lambda n: f"brief-{n}.txt")
    file = factory.django.FileField(filename=factory.SelfAttribute("..name"), data=b"A brief.")
    size = factory.LazyAttribute(lambda o: o.file.size)


class ImportJobFactory(factory.django.DjangoModelFactory):
    """A queued import of people from a one-row CSV."""

    class Meta:
        model = ImportJob

    kind = "people"
    csv_text = "First name,Last name,Email\nAda,Lovelace,ada@client.test\n"
    total_rows = 1
    created_by = factory.SubFactory(UserFactory)


def png_bytes(size=(20, 20), color="red") -> bytes:
    """A real PNG, made by Pillow."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()
