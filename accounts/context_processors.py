from django.utils.functional import SimpleLazyObject

from .models import AccountSettings


def account(request):
    """The account's settings (name, currency, logo) for every page, loaded on use."""
    return {"account": SimpleLazyObject(AccountSettings.load)}
