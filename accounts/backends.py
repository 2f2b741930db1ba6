from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from . import throttle


class ThrottledModelBackend(ModelBackend):
    """Django's email-and-password check behind the sign-in limits, so every way in
    (the sign-in page, the admin's, a future form) is limited alike."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        address = throttle.client_address(request)
        try:
            throttle.begin_sign_in(str(username), address)
        except throttle.SignInLocked:
            # PermissionDenied makes authenticate() stop, trying no other backend.
            raise PermissionDenied from None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            throttle.sign_in_succeeded(str(username), address)
        return user
