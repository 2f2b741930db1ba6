import factory

from accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@studio.test")
    name = factory.Faker("name")
    jobtitle = "Designer"
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CollaboratorFactory(UserFactory):
    type = User.Type.COLLABORATOR
    restricted = True


class RestrictedUserFactory(UserFactory):
    """A standard user limited to `permissions` (contacts unless given)."""

    restricted = True
    permissions = factory.LazyFunction(lambda: ["contacts"])
