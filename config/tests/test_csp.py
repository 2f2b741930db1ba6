"""Every response carries a Content-Security-Policy that runs only the app's own
static files, and no template relies on anything that policy blocks."""

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from config.csp import STANDALONE_PAGES

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path,status",
    [
        ("/", 200),
        ("/connections/people/", 200),
        ("/connections/companies/add/", 200),
        ("/settings/logo/", 200),
        ("/no-such-page/", 404),
        ("/api/v1/docs", 200),
        ("/api/v1/me.json", 200),
    ],
)
def test_pages_carry_the_policy(staff_client, path, status):
    response = staff_client.get(path)
    assert response.status_code == status
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:", "blob:"]
    assert policy["style-src"][0] == "'self'"
    assert not any("unsafe" in source for source in policy["style-src"])


@pytest.mark.django_db
def test_signed_out_pages_and_htmx_partials_carry_it_too(staff_client):
    assert "Content-Security-Policy" in Client().get("/accounts/login/")
    partial = staff_client.get("/connections/people/", headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert directives(partial)["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_the_csrf_failure_page_runs_its_script_from_static(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post("/connections/companies/add/", {"name": "X"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "data-csrf-failure" in html
    assert '<script src="/static/js/csrf_failure.js" defer></script>' in html
    assert "<script>" not in html
    assert "Content-Security-Policy" in response


def test_the_500_page_style_is_allowed_by_its_hash(rf, settings):
    from django.views.defaults import server_error

    from config.csp import build_policy

    response = server_error(rf.get("/"))
    css = re.search(r"<style>(.*?)</style>", response.content.decode(), re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in build_policy().split("style-src", 1)[1].split(";")[0]


def test_the_busy_database_page_style_is_allowed_by_its_hash():
    """The 503/409 page is styled inline like the 500 page; a change to its style
    must change the policy too, or the page a user sees while the database is busy
    loses its layout."""
    from django.template.loader import render_to_string

    from config.csp import build_policy

    html = render_to_string("try_again.html", {"status": 503, "heading": "Busy", "message": "."})
    css = re.search(r"<style>(.*?)</style>", html, re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in build_policy().split("style-src", 1)[1].split(";")[0]


def test_a_view_may_set_its_own_policy(rf):
    from django.http import HttpResponse

    from config.csp import ContentSecurityPolicyMiddleware

    def view(request):
        response = HttpResponse("ok")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = ContentSecurityPolicyMiddleware(view)(rf.get("/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda path: str(path.relative_to(TEMPLATES))
)
def test_templates_use_nothing_the_policy_blocks(template):
    text = template.read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text), "inline <script>: move it to static/js/app.js"
    assert not EVENT_HANDLER.search(text), "on*= handler: bind it in static/js/app.js"
    assert "hx-on" not in text, "hx-on needs 'unsafe-eval'"
    assert "javascript:" not in text
    assert not STYLE_ATTRIBUTE.search(text), "style= attribute: use a class in static/css"
    if template.name not in STANDALONE_PAGES:  # need no static files; allowed by hash
        assert "<style" not in text, "inline <style>: move it to static/css/app.css"
