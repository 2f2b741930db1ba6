"""What Django's template language gets wrong silently in our own templates."""

import re
from pathlib import Path

from django.conf import settings

OPENED_NOT_CLOSED = re.compile(r"\{#(?![^\n]*#\})")


def _our_templates() -> list[Path]:
    base = Path(settings.BASE_DIR)
    return [
        path
        for path in base.glob("**/templates/**/*.html")
        if ".venv" not in path.parts and "node_modules" not in path.parts
    ]


def test_every_one_line_comment_closes_on_its_line():
    """`{# … #}` is a comment only within one line: one that runs on is printed on the
    page as it is (the projects list showed its own note to users). Longer notes use
    `{% comment %}`."""
    templates = _our_templates()
    assert len(templates) > 50  # the search found the templates
    unclosed = [
        f"{path.relative_to(settings.BASE_DIR)}:{text.count(chr(10), 0, match.start()) + 1}"
        for path in templates
        for text in [path.read_text()]
        for match in OPENED_NOT_CLOSED.finditer(text)
    ]
    assert unclosed == []
