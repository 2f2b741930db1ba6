"""Content-Security-Policy on every response (Django 5.2 has none built in).

Pages run only the app's own files from static/ (htmx, app.js, settings.js): no
inline <script>, no on*= handlers, no eval (so no hx-on or js: values), no inline
<style> or style= attributes. Scripts may still set element.style: CSSOM is not
markup. htmx's own indicator <style> is switched off in base.html (htmx-config) and
its rules live in static/css/app.css.

Images may be data: URLs (Pico's icons) and blob: URLs (the preview of a chosen
upload, static/js/settings.js). The 500 and 503/409 pages have to work with no
static files, so their <style> blocks are allowed by their hashes, read from the
templates at start-up.
"""

import base64
import hashlib
import re

from django.conf import settings

# Pages rendered when the database or the static files may be what failed.
STANDALONE_PAGES = ("500.html", "try_again.html")


def _inline_style_hashes() -> list[str]:
    hashes = []
    for page in STANDALONE_PAGES:
        try:
            text = (settings.BASE_DIR / "templates" / page).read_text(encoding="utf-8")
        except OSError:
            continue
        for css in re.findall(r"<style>(.*?)</style>", text, flags=re.DOTALL):
            digest = hashlib.sha256(css.encode()).digest()
            value = f"'sha256-{base64.b64encode(digest).decode()}'"
            if value not in hashes:
                hashes.append(value)
    return hashes


def build_policy(*, form_targets: tuple[str, ...] = ()) -> str:
    """The policy; `form_targets` are origins a form may lead to besides this site
    (the OAuth consent page's Allow and Deny end at the app's redirect URI, and
    browsers hold a form's redirects to form-action too)."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", *_inline_style_hashes()],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", *form_targets],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every response that hasn't set its own."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = build_policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
