"""What a deploy needs besides the code, so that `migrate`, `collectstatic` and
starting the server are the whole of it.

`migrate` also creates the database cache table (the API's rate-limit buckets live
there unless CACHE_URL names Redis); without it every authenticated API call
failed. A server started with DEBUG off before `collectstatic` would answer every
page with a 500 (the manifest storage can't name a file it has no entry for), so it
refuses to start instead, and `check --deploy` says the same.
"""

import gc
import os
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command


def create_cache_tables(using: str = "default", verbosity: int = 1, **kwargs) -> None:
    """post_migrate: the tables of every database cache in CACHES. Run on each
    `migrate` rather than once by a migration, so a CACHE_URL changed later from
    Redis to the database is covered too. createcachetable skips tables that exist
    and caches that aren't in the database."""
    call_command("createcachetable", database=using, verbosity=verbosity)


def collected_names() -> set[str]:
    """The names collectstatic gives the static files the finders know of."""
    ignore_patterns = apps.get_app_config("staticfiles").ignore_patterns
    names = set()
    for finder in finders.get_finders():
        for path, source in finder.list(ignore_patterns):
            prefix = getattr(source, "prefix", None)
            name = os.path.join(prefix, path) if prefix else path
            names.add(name.replace(os.sep, "/"))
    return names


def static_files_problem() -> str:
    """Why pages can't name their static files, or "" when they can: with a manifest
    storage, a file collectstatic hasn't recorded (all of them before it ever ran,
    the new ones after an upgrade) makes every page that links it a 500."""
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return ""
    recorded, _ = staticfiles_storage.load_manifest()
    run = "run `manage.py collectstatic --noinput` before starting the server"
    if not recorded:
        return f"The static files have not been collected into {settings.STATIC_ROOT}: {run}."
    missing = sorted(collected_names() - set(recorded))
    if missing:
        return (
            f"The static files in {settings.STATIC_ROOT} are out of date "
            f"({len(missing)} not collected, e.g. {missing[0]}): {run}."
        )
    return ""


@checks.register(checks.Tags.staticfiles, deploy=True)
def check_static_files(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problem = static_files_problem()
    return [checks.Error(problem, id="docket.E001")] if problem else []


def freeze_start_up_objects() -> None:
    """At server start-up, with the URLconf loaded (every view, router and schema):
    what start-up made lives as long as the process, so the garbage collector is told
    to leave it out of its collections (`gc.freeze`). Each full collection otherwise
    walked all of it, some 140,000 objects, 150 ms in which the worker answered
    nothing; the reference cycles Django's page middleware leaves on each request (the
    lazy user, the messages storage) brought one every thousand or so pages. The
    cycles start-up left are collected first, not frozen with the rest."""
    import_module(settings.ROOT_URLCONF)
    gc.collect()
    gc.freeze()


def require_static_files() -> None:
    """At server start-up: refuse to serve rather than answer every page with a 500."""
    problem = static_files_problem()
    if problem:
        raise ImproperlyConfigured(problem)
