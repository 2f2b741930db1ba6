import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from crm.models import Activity, Company, Contact


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n:03d}")
    website = "https://example.test"
    city = "Belfast"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    firstname = factory.Sequence(lambda n: f"First{n:03d}")
    lastname = "Person"
    fullname = factory.LazyAttribute(lambda o: f"{o.firstname} {o.lastname}")
    email = factory.Sequence(lambda n: f"contact{n}@client.test")


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    title = factory.Sequence(lambda n: f"Note {n}")
    type = Activity.Type.COMMENT
    for_type = "C"
    for_id = 1
    added_by = factory.SubFactory(UserFactory)
    date = factory.LazyFunction(timezone.now)
