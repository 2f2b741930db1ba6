"""URL resolution by first segment, for the API's long flat list of routes.

Django tries a resolver's patterns in order, so `/api/v1/contacts/5.json` was matched
against every route listed before contacts' (60 of them, and each app adds more), a
tenth of a small API call. `SegmentIndexedResolver` resolves a path against only the
routes that can match its first segment (`contacts` for `contacts/5`), kept in their
order, plus any route that starts with a converter. Reversing, and the 404's list of
what was tried, are Django's own: a path no indexed route matches is resolved again
the ordinary way."""

import re
from functools import cached_property

from django.urls import URLResolver
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern

# A route's literal start, up to its first "/", "." or converter.
_ROUTE_HEAD = re.compile(r"[^/.<]*")
_PATH_HEAD = re.compile(r"[^/.]*")


def _head(route: str) -> str | None:
    """The first segment every path this route matches starts with, or None when a
    converter comes first (the route may match any segment)."""
    head = _ROUTE_HEAD.match(route).group()
    following = route[len(head) : len(head) + 1]
    return None if following == "<" else head


class SegmentIndexedResolver(URLResolver):
    @cached_property
    def _heads(self) -> list[tuple[str | None, object]]:
        return [
            (
                _head(str(pattern.pattern)) if isinstance(pattern.pattern, RoutePattern) else None,
                pattern,
            )
            for pattern in self.url_patterns
        ]

    @cached_property
    def _indexed_heads(self) -> frozenset[str]:
        return frozenset(key for key, _ in self._heads if key is not None)

    @cached_property
    def _narrowed(self) -> dict[str, URLResolver]:
        return {}

    def _resolver_for(self, head: str) -> URLResolver:
        narrowed = self._narrowed.get(head)
        if narrowed is None:
            patterns = [pattern for key, pattern in self._heads if key is None or key == head]
            narrowed = self._narrowed[head] = URLResolver(
                self.pattern, patterns, self.default_kwargs, self.app_name, self.namespace
            )
        return narrowed

    def resolve(self, path):
        path = str(path)
        match = self.pattern.match(path)
        if match:
            head = _PATH_HEAD.match(match[0]).group()
            if head in self._indexed_heads:
                try:
                    return self._resolver_for(head).resolve(path)
                except Resolver404:
                    pass
        return super().resolve(path)


def indexed_include(prefix: str, included) -> SegmentIndexedResolver:
    """`path(prefix, included)` for an (patterns, app_name, namespace) triple such as
    a NinjaAPI's `urls`, resolved by first segment."""
    patterns, app_name, namespace = included
    return SegmentIndexedResolver(
        RoutePattern(prefix, is_endpoint=False), patterns, app_name=app_name, namespace=namespace
    )
