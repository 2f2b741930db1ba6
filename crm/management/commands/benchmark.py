"""Docket's API and list pages against reference views, through gunicorn with DEBUG
off and the API rate limit on, on whatever data the database holds (run seed_scale
first). Prints a markdown table for BENCHMARKS.md: each route's requests per
second as a ratio of its reference's, paired round by round, and whether each goal
is met."""

import json
import math
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from functools import partial
from pathlib import Path

import django
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client

from accounts.models import User
from accounts.services import create_api_credential, revoke_api_credential
from config.deploy import collected_names
from crm.benchmark import urls as benchmark_urls
from crm.benchmark.load import (
    Case,
    Goal,
    Result,
    Target,
    get,
    markdown_table,
    paired_rounds,
    run_round,
    still_short,
)
from crm.benchmark.registry import CaseContext, benchmark_groups
from crm.models import Company, Contact
from crm.views import LIST_PAGE_SIZE

HOST = "127.0.0.1"
USER_EMAIL = "benchmark@docket.test"
# Requests per minute for the benchmark's server: the limit stays on (every API call
# takes its token, one UPSERT or Redis script), it just never refuses the client.
RATE_LIMIT = 6_000_000
STARTUP_SECONDS = 60
GOAL_PEOPLE = 100_000
# The built-in cases' group, beside those apps register (crm/benchmark/registry.py).
CONNECTIONS = "connections"


class Command(BaseCommand):
    help = (
        "Benchmark contacts.json and the connections lists against a bare JsonResponse, "
        "hand-written SQL and the Django admin, through gunicorn. Needs seed_scale's data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
        parser.add_argument(
            "--worker-threads", type=int, default=1, help="threads per gunicorn worker"
        )
        parser.add_argument(
            "--concurrency", type=int, default=8, help="client threads sending at once"
        )
        parser.add_argument("--seconds", type=float, default=3.0, help="length of a round")
        parser.add_argument("--rounds", type=int, default=5, help="rounds per case")
        parser.add_argument("--search", default="gra", help="the prefix searched for")
        parser.add_argument("--deep-page", type=int, default=200, help="the deep page measured")
        parser.add_argument(
            "--only",
            action="append",
            default=[],
            metavar="TEXT",
            help="measure only the cases whose description contains TEXT (repeatable)",
        )
        parser.add_argument(
            "--static-root",
            default=str(settings.STATIC_ROOT),
            help="collected static files (collected there first when missing or out of date)",
        )
        parser.add_argument(
            "--group",
            action="append",
            default=[],
            choices=[CONNECTIONS, *(group.name for group in benchmark_groups())],
            help="run only this group's cases (repeat for several); every group by default",
        )

    def handle(self, *args, **options):
        only = options["group"]
        groups = [group for group in benchmark_groups() if not only or group.name in only]
        group_rows = {group.name: group.rows() for group in groups}
        empty = [name for name, rows in group_rows.items() if rows is None]
        if only and empty:
            raise CommandError(
                f"Nothing to measure for {', '.join(empty)}: run `python manage.py seed_scale` "
                "first."
            )
        # Left out when not asked for by name: a database seeded without them.
        groups = [group for group in groups if group.name not in empty]
        people = Contact.objects.count()
        companies = Company.objects.count()
        if (not only or CONNECTIONS in only) and (not people or not companies):
            raise CommandError(
                "No people or companies to measure: run `python manage.py seed_scale` first "
                "(100,000 people in 10,000 companies)."
            )
        self.options = options
        env = self.server_environment(Path(options["static_root"]))
        self.collect_static(env, Path(options["static_root"]))
        session = self.session_cookie()
        issued = create_api_credential("Benchmark")
        try:
            with tempfile.TemporaryFile() as server_log:
                port = free_port()
                server = self.start_server(env, port, server_log)
                try:
                    cases = (
                        self.cases(session, issued, people, companies)
                        if not only or CONNECTIONS in only
                        else []
                    )
                    context = self.case_context(session, issued)
                    for group in groups:
                        cases += group.cases(context)
                    if options["only"]:
                        cases = [
                            case
                            for case in cases
                            if any(text.lower() in case.what.lower() for text in options["only"])
                        ]
                        if not cases:
                            raise CommandError("No case matches --only.")
                    self.check_targets(port, cases, server_log)
                    results = self.measure(port, cases)
                finally:
                    server.terminate()
                    try:
                        server.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        server.kill()
                        server.wait()
        finally:
            revoke_api_credential(issued.credential)
        self.report(results, people, companies, group_rows)

    def server_environment(self, static_root: Path) -> dict[str, str]:
        # The e2e tests' async switch is for their own process, never for a server.
        inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
        return {
            **inherited,
            "DEBUG": "false",
            # The session made here must read the same there.
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": HOST,
            "STATIC_ROOT": str(static_root),
            "DOCKET_BENCHMARK": "1",
            "DOCKET_API_RATE_LIMIT": str(RATE_LIMIT),
        }

    def collect_static(self, env: dict[str, str], static_root: Path) -> None:
        """What a deploy does before starting the server, when the files there are
        missing or out of date (the server would refuse to start)."""
        manifest = static_root / "staticfiles.json"
        if manifest.exists() and collected_names() <= set(
            json.loads(manifest.read_text())["paths"]
        ):
            return
        self.stderr.write(f"Collecting static files into {static_root}…")
        collected = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
        )
        if collected.returncode:
            raise CommandError(f"collectstatic failed:\n{collected.stderr}")

    def session_cookie(self) -> str:
        user = User.objects.filter(email=USER_EMAIL).first()
        if user is None:
            user = User.objects.create_superuser(USER_EMAIL, None, name="Benchmark")
        return sign_in_cookie(user)

    def case_context(self, session: str, issued) -> CaseContext:
        """What registered groups make their cases with: the same headers as the
        built-in cases, and a session for anyone else they show a page to."""
        base = {"X-Forwarded-Proto": "https"}
        return CaseContext(
            bare=Target("bare JsonResponse", benchmark_urls.BARE_PATH, base),
            base=base,
            api={
                **base,
                "X-DEPOT-TOKEN": issued.credential.token,
                "X-DEPOT-SECRET": issued.secret,
            },
            page={**base, "Cookie": session},
            sign_in=lambda user: {**base, "Cookie": sign_in_cookie(user)},
        )

    def start_server(self, env, port: int, log) -> subprocess.Popen:
        options = self.options
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(options["workers"]),
            "--worker-class",
            "gthread",
            "--threads",
            str(options["worker_threads"]),
            "--log-level",
            "warning",
        ]
        server = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        bare = Target("bare", benchmark_urls.BARE_PATH, {"X-Forwarded-Proto": "https"})
        waited_until = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < waited_until:
            if server.poll() is not None:
                raise CommandError(f"gunicorn stopped:\n{tail(log)}")
            try:
                if get(HOST, port, bare, timeout=5)[0] == 200:
                    return server
            except OSError:
                pass
            time.sleep(0.2)
        server.kill()
        raise CommandError(f"gunicorn did not answer within {STARTUP_SECONDS} s:\n{tail(log)}")

    def cases(self, session: str, issued, people: int, companies: int) -> list[Case]:
        # Through the proxy a production server sits behind: HTTPS as far as Django knows.
        base = {"X-Forwarded-Proto": "https"}
        page = {**base, "Cookie": session}
        api = {
            **base,
            "X-DEPOT-TOKEN": issued.credential.token,
            "X-DEPOT-SECRET": issued.secret,
        }
        search = self.options["search"]
        bare = Target("bare JsonResponse", benchmark_urls.BARE_PATH, base)
        contact_id = (
            Contact.objects.filter(company__isnull=False)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
            or Contact.objects.order_by("pk").values_list("pk", flat=True).first()
        )
        admin = benchmark_urls.ADMIN_PATH
        cases = [
            Case(
                "django-ninja alone, a 20-item list",
                Target("ninja 20-item list", benchmark_urls.NINJA_PATH, base),
                bare,
                Goal("none: for information", min_ratio=0),
            ),
            Case(
                "contacts.json, 10 rows",
                Target("contacts.json", "/api/v1/contacts.json", api),
                bare,
                Goal("≥ 0.4× bare", min_ratio=0.4),
            ),
            Case(
                "contacts/<id>.json",
                Target("contacts/<id>.json", f"/api/v1/contacts/{contact_id}.json", api),
                bare,
                Goal("≥ 0.5× bare", min_ratio=0.5),
            ),
            Case(
                "contacts.json, 1,000 rows",
                Target("contacts.json?rows=1000", "/api/v1/contacts.json?rows=1000", api),
                Target("SQL + json.dumps", f"{benchmark_urls.CONTACT_ROWS_PATH}?rows=1000", base),
                Goal("within 2× (≥ 0.5×)", min_ratio=0.5),
                same_json=True,
            ),
        ]
        for kind, model, total in (
            ("people", "contact", people),
            ("companies", "company", companies),
        ):
            ours = f"/connections/{kind}/"
            theirs = f"{admin}crm/{model}/"
            deep = min(self.options["deep_page"], max(1, math.ceil(total / LIST_PAGE_SIZE)))
            first_page = Target(f"{kind}, page 1", ours, page)
            deep_page = Target(f"{kind}, page {deep}", f"{ours}?page={deep}", page)
            faster = Goal("faster than the admin (> 1×)", min_ratio=1, strictly=True)
            cases += [
                Case(
                    f"{kind.capitalize()} list, page 1",
                    first_page,
                    Target("admin", theirs, page),
                    faster,
                ),
                Case(
                    f"{kind.capitalize()} list, search “{search}”",
                    Target(f"{kind}, search", f"{ours}?search={search}", page),
                    Target("admin", f"{theirs}?q={search}", page),
                    faster,
                ),
                Case(
                    f"{kind.capitalize()} list, page {deep}",
                    deep_page,
                    Target("admin", f"{theirs}?p={deep}", page),
                    faster,
                ),
                Case(
                    f"{kind.capitalize()} list, page {deep} against page 1",
                    deep_page,
                    first_page,
                    Goal("no more than 2× slower (≥ 0.5×)", min_ratio=0.5),
                ),
            ]
        typing = {**page, "HX-Request": "true", "HX-Target": "connections"}
        cases.append(
            Case(
                f"Search as you type “{search}”, one client",
                Target("people search partial", f"/connections/people/?search={search}", typing),
                Target("admin", f"{admin}crm/contact/?q={search}", page),
                Goal("median under 20 ms at 100,000 people", max_median_ms=20),
                concurrency=1,
            )
        )
        return cases

    def check_targets(self, port: int, cases: list[Case], log) -> None:
        """A request to each route and reference (one per worker the first time, to
        warm them): a page that sends the client to sign in, or fails, would measure
        nothing."""
        bodies = {}
        for case in cases:
            for target in (case.route, case.reference):
                for _ in range(1 if target.path in bodies else self.options["workers"]):
                    status, body = get(HOST, port, target)
                    if status != 200:
                        raise CommandError(
                            f"{target.path} answered {status}: {body[:300]!r}\n{tail(log)}"
                        )
                bodies[target.path] = body
            if case.same_json and json.loads(bodies[case.route.path]) != json.loads(
                bodies[case.reference.path]
            ):
                raise CommandError(f"{case.reference.path} differs from {case.route.path}.")

    def measure(self, port: int, cases: list[Case]) -> list[Result]:
        results = []
        for case in cases:
            self.stderr.write(f"{case.what}…")
            measure = partial(
                run_round,
                HOST,
                port,
                seconds=self.options["seconds"],
                concurrency=case.concurrency or self.options["concurrency"],
            )
            pairs = paired_rounds(measure, case.route, case.reference, self.options["rounds"])
            results.append(Result(case, pairs))
        return results

    def report(
        self, results: list[Result], people: int, companies: int, group_rows: dict[str, str]
    ) -> None:
        options = self.options
        lines = [
            f"## {database_name()}",
            "",
            f"* Date: {date.today().isoformat()}",
            f"* Machine: {machine()}",
            f"* Python {platform.python_version()}, Django {django.get_version()}",
            f"* Rows: {people:,} people in {companies:,} companies",
            *(f"* Rows ({name}): {rows}" for name, rows in group_rows.items() if rows),
            f"* Server: gunicorn, {options['workers']} workers × {options['worker_threads']} "
            f"threads (gthread), DEBUG off, API rate limit on ({RATE_LIMIT:,} a minute)",
            f"* Client: {options['concurrency']} threads on kept-alive connections (one for "
            f"the search as you type); {options['rounds']} paired rounds of "
            f"{options['seconds']:g} s per case, the order alternating; ratio = the median "
            "of the rounds' req/s ratios",
            f"* Pages {LIST_PAGE_SIZE} rows, the admin's too; median ms over every request",
            "",
            *markdown_table(results),
            "",
        ]
        short = still_short(results)
        only = options["group"]
        if people < GOAL_PEOPLE and (not only or CONNECTIONS in only):
            short.append(
                f"* The goals are set at {GOAL_PEOPLE:,} people; this database has {people:,}."
            )
        lines += ["Still short:", "", *short] if short else ["Every goal is met."]
        self.stdout.write("\n".join(lines))


def sign_in_cookie(user) -> str:
    browser = Client()
    browser.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def tail(log, size: int = 4000) -> str:
    log.flush()
    log.seek(0)
    return log.read().decode(errors="replace")[-size:]


def database_name() -> str:
    if connection.vendor == "postgresql":
        version = connection.cursor().connection.info.server_version
        return f"PostgreSQL {version // 10000}.{version % 10000}"
    if connection.vendor == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    return connection.vendor


def machine() -> str:
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kilobytes = int(meminfo.read_text().split()[1])
        memory = f", {kilobytes / 1024 / 1024:.0f} GB memory"
    return f"{model}, {os.cpu_count()} CPUs{memory}, {platform.system()} {platform.release()}"
