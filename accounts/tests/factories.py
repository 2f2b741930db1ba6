"""One factory per accounts model. Factories write rows directly, as fixtures do;
tests about the rules go through accounts.services."""

import secrets

import factory

from accounts.models import AccessToken, ApiCredential, User, hash_secret

# Every factory user signs in with this.
PASSWORD = "correct horse battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@studio.test")
    name = factory.Faker("name")
    jobtitle = "Designer"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class RestrictedUserFactory(UserFactory):
    """A standard user limited to `permissions` (contacts unless given)."""

    restricted = True
    permissions = factory.LazyFunction(lambda: ["contacts"])


class CollaboratorFactory(UserFactory):
    type = User.Type.COLLABORATOR
    restricted = True


class WithPlainSecret:
    """Keeps the plain value the stored hash was made from on the instance, as the
    services hand it out once: `credential.secret`, `access_token.token`."""

    _plain_field = ""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        plain = kwargs.pop(cls._plain_field)
        instance = super()._create(model_class, *args, **kwargs)
        setattr(instance, cls._plain_field, plain)
        return instance

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        plain = kwargs.pop(cls._plain_field)
        instance = super()._build(model_class, *args, **kwargs)
        setattr(instance, cls._plain_field, plain)
        return instance


class ApiCredentialFactory(WithPlainSecret, factory.django.DjangoModelFactory):
    """An operator's credential with every scope (`scopes=[...]` narrows it)."""

    class Meta:
        model = ApiCredential

    _plain_field = "secret"

    name = factory.Sequence(lambda n: f"Integration {n}")
    token = factory.LazyFunction(lambda: secrets.token_hex(16))
    secret = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    secret_hash = factory.LazyAttribute(lambda o: hash_secret(o.secret))


class AccessTokenFactory(WithPlainSecret, factory.django.DjangoModelFactory):
    """A bearer token for `user` (a new one unless given)."""

    class Meta:
        model = AccessToken

    _plain_field = "token"

    user = factory.SubFactory(UserFactory)
    name = "Access token"
    token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    token_hash = factory.LazyAttribute(lambda o: hash_secret(o.token))
