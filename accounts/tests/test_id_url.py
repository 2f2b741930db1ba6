"""`{% id_url %}`, the rows' links: the same URL `{% url %}` gives, reversed once."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, clear_script_prefix, set_script_prefix


def _rendered(text: str, **context) -> str:
    return Template(text).render(Context(context))


@pytest.mark.parametrize(
    "viewname", ["crm:person", "crm:company", "invoices:detail", "projects:detail"]
)
def test_a_rows_link_is_the_url_tags_for_every_id(viewname):
    for pk in (1, 7, 42, 100000, 2**40):
        assert _rendered(f"{{% id_url '{viewname}' pk %}}", pk=pk) == _rendered(
            f"{{% url '{viewname}' pk %}}", pk=pk
        )


def test_a_rows_link_follows_the_script_prefix_it_is_served_under():
    assert _rendered("{% id_url 'crm:person' 5 %}") == "/connections/people/5/"
    set_script_prefix("/docket/")
    try:
        assert _rendered("{% id_url 'crm:person' 5 %}") == "/docket/connections/people/5/"
    finally:
        clear_script_prefix()
    assert _rendered("{% id_url 'crm:person' 6 %}") == "/connections/people/6/"


def test_a_missing_id_fails_as_the_url_tag_does():
    """A template that links a row with no id is a bug either way: both say so."""
    for tag in ("url", "id_url"):
        for pk in (None, -1):
            with pytest.raises(NoReverseMatch):
                _rendered(f"{{% {tag} 'crm:person' pk %}}", pk=pk)
    assert _rendered("{% id_url 'crm:person' pk %}", pk="12") == "/connections/people/12/"
