"""Times the people list page, its search-as-you-type partial and the contacts API
against Django admin's changelist for the same model, on whatever data the database
holds (run seed_scale first), and writes the figures to BENCHMARKS.md."""

import statistics
import time
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, override_settings

from accounts.models import User
from accounts.services import create_api_credential
from crm.models import Company, Contact


class Command(BaseCommand):
    help = "Benchmark the people list, its search partial and contacts.json against the admin."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=7)
        parser.add_argument("--search", default="gra", help="The prefix searched for")
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "BENCHMARKS.md"))

    def handle(self, *args, runs, search, output, **options):
        if not Contact.objects.exists():
            raise CommandError("No people to measure: run `manage.py seed_scale` first.")
        user = User.objects.filter(email="benchmark@docket.test").first()
        if user is None:
            user = User.objects.create_superuser("benchmark@docket.test", None, name="Benchmark")
        browser = Client(SERVER_NAME="localhost")
        browser.force_login(user)
        issued = create_api_credential("Benchmark")
        api = Client(
            SERVER_NAME="localhost",
            headers={"X-DEPOT-TOKEN": issued.credential.token, "X-DEPOT-SECRET": issued.secret},
        )
        htmx = {"HX-Request": "true", "HX-Target": "connections"}
        cases = [
            ("People list page", browser, "/connections/people/", {}, "/admin/crm/contact/"),
            (
                f"Search as you type (“{search}”)",
                browser,
                f"/connections/people/?search={search}",
                htmx,
                f"/admin/crm/contact/?q={search}",
            ),
            (
                f"contacts.json?rows=50&search={search}",
                api,
                f"/api/v1/contacts.json?rows=50&search={search}",
                {},
                f"/admin/crm/contact/?q={search}",
            ),
        ]
        results = []
        # Measuring the pages, not the rate limiter.
        with override_settings(DOCKET_API_RATE_LIMIT=0):
            for label, client, ours, headers, admin_url in cases:
                ours_ms = self.measure(client, ours, headers, runs)
                admin_ms = self.measure(browser, admin_url, {}, runs)
                results.append((label, ours_ms, admin_ms))
                self.stdout.write(f"{label}: {ours_ms:.1f} ms, admin {admin_ms:.1f} ms")
        self.write_report(Path(output), results, runs, search)
        self.stdout.write(self.style.SUCCESS(f"Wrote {output}"))

    def measure(self, client, url, headers, runs) -> float:
        response = client.get(url, headers=headers)  # warm-up, and a check it works
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}")
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get(url, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
        return statistics.median(timings)

    def write_report(self, path: Path, results, runs, search):
        """Writes this database's section, keeping other databases' sections."""
        vendor = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(
            connection.vendor, connection.vendor
        )
        section = [
            f"## {vendor}",
            "",
            f"* Date: {date.today().isoformat()}",
            f"* Rows: {Contact.objects.count():,} people in {Company.objects.count():,} companies",
            f"* Search prefix: `{search}`; median of {runs} requests after a warm-up",
            "",
            "| what | Docket (ms) | Django admin (ms) | Docket is |",
            "| --- | ---: | ---: | ---: |",
        ]
        for label, ours, admin in results:
            verdict = (
                f"{admin / ours:.1f}× faster" if ours <= admin else f"{ours / admin:.1f}× slower"
            )
            section.append(f"| {label} | {ours:.1f} | {admin:.1f} | {verdict} |")
        sections = {}
        if path.exists():
            for chunk in path.read_text().split("\n## ")[1:]:
                title = chunk.split("\n", 1)[0].strip()
                sections[title] = "## " + chunk.strip()
        sections[vendor] = "\n".join(section)
        intro = [
            "# Benchmarks",
            "",
            "The connections list against Django admin's changelist for the same model, measured",
            "in one run by `python manage.py benchmark_connections` after",
            "`python manage.py seed_scale`, through Django's test client (no network).",
            "Docket's search matches the start of a first name, last name or email through",
            "indexed lower-cased columns; the admin's `?q=` runs `icontains` over every row.",
            "",
        ]
        body = "\n\n".join(sections[title] for title in sorted(sections))
        path.write_text("\n".join(intro) + "\n" + body + "\n")
