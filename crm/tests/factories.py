import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from crm.models import Activity, Company, Contact


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


def png_bytes(size=(20, 20), color="red") -> bytes:
    """A real PNG, made by Pillow."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()
