from django.urls import path

from . import oauth_views

# Mounted at /oauth/ by config/urls.py: the spec's URLs have no trailing slash.
urlpatterns = [
    path("authorize", oauth_views.authorize, name="authorize"),
    path("authorize/", oauth_views.authorize),
    path("token", oauth_views.token, name="token"),
    path("token/", oauth_views.token),
]
