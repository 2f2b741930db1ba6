"""The OAuth 2 endpoints of the Depot spec, spoken by django-oauth-toolkit:
/oauth/authorize (sign in, then the consent page: Allow or Deny) and /oauth/token
(a code for an access token). The rules (what an app may be, revoking) are in
accounts/oauth.py."""

import json
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.decorators import method_decorator
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.csrf import csrf_protect
from oauth2_provider import views as dot_views

from config.csp import build_policy
from config.errors import render

from . import oauth


@method_decorator([xframe_options_deny, csrf_protect], name="dispatch")
class ConsentView(dot_views.AuthorizationView):
    """GET checks the request (app, redirect URI, PKCE) and asks; POST with Allow
    sends the browser back to the app with `code` (and `state`), without it with
    `error=access_denied`. A request DOT can't send back (unknown app, a redirect URI
    the app didn't register) is a 400 page here, never a redirect."""

    template_name = "accounts/oauth_authorize.html"

    def dispatch(self, request, *args, **kwargs):
        params = request.GET if request.method == "GET" else request.POST
        try:
            oauth.check_request_lengths(params)
        except ValidationError as exc:
            problems = [render(e, key) for key, errors in exc.error_dict.items() for e in errors]
            error = {"error": "invalid_request", "description": " ".join(problems)}
            return self.render_to_response({"error": error}, status=400)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "application" in context and "error" not in context:
            context["reach"] = oauth.reach_of(self.request.user)
            context["redirect_host"] = urlsplit(context.get("redirect_uri") or "").netloc
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        redirect_uri = context.get("redirect_uri") if "error" not in context else None
        if redirect_uri:
            # Allow and Deny end at the app's redirect URI: let the form lead there.
            parts = urlsplit(redirect_uri)
            response["Content-Security-Policy"] = build_policy(
                form_targets=(f"{parts.scheme}://{parts.netloc}",)
            )
        response["Cache-Control"] = "no-store"
        return response

    def form_valid(self, form):
        # The app may have been removed between the question and the answer.
        if not oauth.Application.objects.filter(client_id=form.cleaned_data["client_id"]).exists():
            error = {"error": "invalid_client", "description": "This app is no longer registered."}
            return self.render_to_response({"error": error}, status=400)
        return super().form_valid(form)


class TokenView(dot_views.TokenView):
    """DOT's token endpoint. Its errors are OAuth's (`error`, `error_description`);
    the Depot spec shows `description`, so a refusal carries both."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if response.status_code >= 400 and response.get("Content-Type", "").startswith(
            "application/json"
        ):
            try:
                body = json.loads(response.content)
            except ValueError:
                return response
            if isinstance(body, dict) and "description" not in body:
                body["description"] = body.get("error_description", body.get("error", ""))
                response.content = json.dumps(body)
        return response


token = TokenView.as_view()
authorize = ConsentView.as_view()
