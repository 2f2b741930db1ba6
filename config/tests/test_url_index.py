"""The API's routes resolved by first segment resolve exactly as Django's list would."""

import pytest
from django.urls import URLResolver, get_resolver, path
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern

from config.url_index import SegmentIndexedResolver, indexed_include


def named(label):
    def answer(request, **kwargs):
        return label

    return answer


PATTERNS = [
    path("contacts", named("contacts"), name="contacts"),
    path("contacts/<int:pk>", named("contact"), name="contact"),
    path("<slug:anything>/latest", named("latest"), name="latest"),
    path("contacts/<int:pk>", named("shadowed"), name="shadowed"),
    path("companies/<int:pk>/upload", named("upload"), name="upload"),
    path("me", named("me"), name="me"),
]


def both(prefix="api/"):
    indexed = indexed_include(prefix, (PATTERNS, "api", "api"))
    plain = URLResolver(
        RoutePattern(prefix, is_endpoint=False), PATTERNS, app_name="api", namespace="api"
    )
    return indexed, plain


@pytest.mark.parametrize(
    "url",
    ["api/contacts", "api/contacts/5", "api/contacts/latest", "api/companies/2/upload", "api/me"],
)
def test_it_resolves_what_the_plain_list_resolves(url):
    indexed, plain = both()
    found, expected = indexed.resolve(url), plain.resolve(url)
    assert (found.func(None), found.kwargs, found.url_name, found.namespaces, found.route) == (
        expected.func(None),
        expected.kwargs,
        expected.url_name,
        expected.namespaces,
        expected.route,
    )


def test_a_route_starting_with_a_converter_is_tried_for_every_segment():
    indexed, _ = both()
    assert indexed.resolve("api/anything/latest").func(None) == "latest"


@pytest.mark.parametrize("url", ["api/contacts/x", "api/nothing", "elsewhere/contacts"])
def test_no_match_is_the_same_404(url):
    indexed, plain = both()
    with pytest.raises(Resolver404):
        plain.resolve(url)
    with pytest.raises(Resolver404):
        indexed.resolve(url)


def test_the_api_is_mounted_indexed_and_still_reverses():
    api = next(p for p in get_resolver().url_patterns if str(p.pattern) == "api/v1/")
    assert isinstance(api, SegmentIndexedResolver)
    match = get_resolver().resolve("/api/v1/contacts/7")
    assert match.kwargs == {"contact_id": 7}
