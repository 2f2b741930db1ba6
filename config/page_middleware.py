"""The middleware only pages need, run as one group that an API call with its own
credentials goes round.

Sessions, the signed-in user, flash messages, htmx details and the sign-in wall
serve the browser. A call that sends `X-DEPOT-TOKEN` or `Authorization:
Bearer` is authenticated by those headers alone (accounts/api_auth.py: a token that
fails is a 403, never a fall back to the session), so none of them has anything to
do for it; together they were a sixth of a small API call's time. A call from the
signed-in browser has no such header and goes through all of them. CSRF's
middleware stays in MIDDLEWARE for every request: a call with credentials costs
it nothing.

`settings.PAGE_MIDDLEWARE` lists the group, in the order they run; `PageMiddleware`
stands in its place in `settings.MIDDLEWARE`. Each member runs as it would there:
the group passes on their view, exception and template-response hooks, which
Django only asks of the middleware it lists itself. The admin looks for sessions,
the user and messages in MIDDLEWARE alone (its checks E408-E410 are silenced in
settings); `check_page_middleware` looks for them here instead.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.utils.module_loading import import_string


def goes_round_pages(request) -> bool:
    """Set by DepotApiMiddleware: an API call carrying credentials of its own."""
    return getattr(request, "depot_credentialed", False)


class PageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.view_hooks = []
        self.exception_hooks = []
        self.template_response_hooks = []
        handler = get_response
        for path in reversed(settings.PAGE_MIDDLEWARE):
            try:
                member = import_string(path)(handler)
            except MiddlewareNotUsed:
                continue
            # Django's order: views hooks outermost first, the others innermost first.
            if hasattr(member, "process_view"):
                self.view_hooks.insert(0, member.process_view)
            if hasattr(member, "process_exception"):
                self.exception_hooks.append(member.process_exception)
            if hasattr(member, "process_template_response"):
                self.template_response_hooks.append(member.process_template_response)
            handler = convert_exception_to_response(member)
        self.pages = handler

    def __call__(self, request):
        if goes_round_pages(request):
            return self.get_response(request)
        return self.pages(request)

    def process_view(self, request, view, args, kwargs):
        if goes_round_pages(request):
            return None
        return _first_answer(self.view_hooks, request, view, args, kwargs)

    def process_exception(self, request, exception):
        if goes_round_pages(request):
            return None
        return _first_answer(self.exception_hooks, request, exception)

    def process_template_response(self, request, response):
        if goes_round_pages(request):
            return response
        for hook in self.template_response_hooks:
            response = hook(request, response)
        return response


def _first_answer(hooks, *args):
    """The first response a hook gives, as Django asks its own list of them."""
    for hook in hooks:
        response = hook(*args)
        if response is not None:
            return response
    return None


# What the admin's own checks (admin.E408-E410) look for, and every page needs.
NEEDED_FOR_PAGES = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
)


@checks.register(checks.Tags.compatibility)
def check_page_middleware(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    group = f"{PageMiddleware.__module__}.{PageMiddleware.__qualname__}"
    listed = [*settings.MIDDLEWARE, *getattr(settings, "PAGE_MIDDLEWARE", [])]
    if group not in settings.MIDDLEWARE:
        listed = list(settings.MIDDLEWARE)  # PAGE_MIDDLEWARE runs only through the group
    classes = [import_string(path) for path in listed]
    return [
        checks.Error(
            f"{needed} must be in PAGE_MIDDLEWARE (or MIDDLEWARE): pages and the admin need it.",
            id="docket.E002",
        )
        for needed in NEEDED_FOR_PAGES
        if not any(issubclass(found, import_string(needed)) for found in classes)
    ]
