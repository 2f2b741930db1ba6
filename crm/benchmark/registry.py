"""Cases and reference views that apps above crm add to `manage.py benchmark`, each
from its AppConfig.ready (projects' timesheet against its own SQL), so the benchmark
names no app above it. A group's references join the benchmark's URLconf, and its
cases run after the built-in ones unless `--only` leaves them out."""

from collections.abc import Callable
from dataclasses import dataclass, field

from .load import Case, Target


@dataclass(frozen=True)
class CaseContext:
    """What a group's cases are made with: the headers they send (`base` for the
    references, which take no credential; `api` with the benchmark's credential;
    `page` with its superuser's session; `sign_in(user)` for a page seen as someone
    else, their own timesheet) and the bare JsonResponse, the floor of any request."""

    bare: Target
    base: dict[str, str]
    api: dict[str, str]
    page: dict[str, str]
    sign_in: Callable[[object], dict[str, str]]


@dataclass(frozen=True)
class BenchmarkGroup:
    name: str
    # What the group measures on, for the report ("2,000 projects, …"), or None when
    # the database holds nothing for it to measure.
    rows: Callable[[], str | None]
    cases: Callable[[CaseContext], list[Case]]
    urlpatterns: list = field(default_factory=list)


_GROUPS: dict[str, BenchmarkGroup] = {}


def register_benchmark_group(
    name: str,
    *,
    rows: Callable[[], str | None],
    cases: Callable[[CaseContext], list[Case]],
    urlpatterns: list | None = None,
) -> None:
    _GROUPS[name] = BenchmarkGroup(name, rows, cases, list(urlpatterns or []))


def benchmark_groups() -> list[BenchmarkGroup]:
    return list(_GROUPS.values())


def reference_urlpatterns() -> list:
    return [pattern for group in _GROUPS.values() for pattern in group.urlpatterns]
