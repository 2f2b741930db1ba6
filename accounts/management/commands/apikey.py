import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services import create_access_token, create_api_credential


class Command(BaseCommand):
    help = (
        "Create API credentials and print them once as one JSON line: "
        '{"token": ..., "secret": ...} (account-wide), or with --user a bearer token '
        '{"access_token": ...} that acts as that user.'
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="What the credential is for")
        parser.add_argument("--user", help="Email of the user a bearer token acts as")

    def handle(self, *args, name, user=None, **options):
        try:
            if user:
                owner = User.objects.filter(email__iexact=user).first()
                if owner is None:
                    raise CommandError(f"No user with email {user}")
                issued = create_access_token(owner, name)
                self.stdout.write(json.dumps({"access_token": issued.token}))
                return
            issued = create_api_credential(name)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(json.dumps({"token": issued.credential.token, "secret": issued.secret}))
