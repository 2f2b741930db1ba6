from decimal import Decimal
from types import SimpleNamespace

from projects.models import Project
from projects.templatetags.projects_tags import hours_bar, plain_hours, status_badge


def hours(logged, allocated):
    logged, allocated = Decimal(logged), Decimal(allocated)
    return SimpleNamespace(
        hours_logged=logged, hours_allocated=allocated, hours_remaining=allocated - logged
    )


def test_hours_read_as_people_write_them():
    assert [plain_hours(Decimal(v)) for v in ("110.00", "2.50", "0.25", "0.00")] == [
        "110",
        "2.5",
        "0.25",
        "0",
    ]


def test_the_bar_says_what_is_left_or_over_and_escapes_the_label():
    left = hours_bar(hours("3.50", "110.00"), "Logo <b>")
    assert "3.5 / 110 h · 106.5 h left" in left
    assert 'max="110.00"' in left and "Logo &lt;b&gt;" in left
    assert 'class="hours-bar"' in left
    over = hours_bar(hours("5", "4"), "Sketches")
    assert "5 / 4 h · 1 h over" in over and 'class="hours-bar over"' in over
    # Nothing allocated still draws a bar (max 1), not a division by nothing.
    assert 'max="1"' in hours_bar(hours("0", "0"), "New")


def test_each_status_has_its_colour():
    badges = {status: status_badge(Project(status=status)) for status, _ in Project.Status.choices}
    assert badges["O"] == '<span class="badge badge-green">Open</span>'
    assert "badge-amber" in badges["H"] and "badge-blue" in badges["P"]
    assert "badge-red" in badges["C"] and "badge-grey" in badges["F"]
