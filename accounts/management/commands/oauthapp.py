import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.oauth import create_app
from config.errors import render


class Command(BaseCommand):
    help = (
        "Register an OAuth app and print it once as one JSON line: "
        '{"client_id": ..., "client_secret": ...}. Only a hash of the secret is kept.'
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="The app's name, shown to people")
        parser.add_argument(
            "--redirect-uri",
            action="append",
            required=True,
            dest="redirect_uris",
            help="Where people return after answering (repeat for several)",
        )

    def handle(self, *args, **options):
        try:
            issued = create_app(options["name"], options["redirect_uris"])
        except ValidationError as exc:
            problems = [
                render(error, field.replace("_", " "))
                for field, errors in exc.error_dict.items()
                for error in errors
            ]
            raise CommandError(" ".join(problems)) from exc
        self.stdout.write(
            json.dumps({"client_id": issued.app.client_id, "client_secret": issued.client_secret})
        )
