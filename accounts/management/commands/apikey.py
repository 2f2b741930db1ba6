import json
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

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
        parser.add_argument(
            "--scopes",
            help="Comma-separated <area>:read or <area>:write scopes (default: every area, "
            "read and write). Account-wide credentials only.",
        )
        parser.add_argument(
            "--expires", help="Last day the credentials work, YYYY-MM-DD (default: never)"
        )

    def handle(self, *args, name, user=None, scopes=None, expires=None, **options):
        expires_at = None
        if expires:
            try:
                expires_at = timezone.make_aware(
                    datetime.combine(date.fromisoformat(expires), time.max)
                )
            except ValueError as exc:
                raise CommandError(f"--expires must be a date like 2027-01-31: {exc}") from exc
        scope_list = None
        if scopes is not None:
            if user:
                raise CommandError("--scopes applies to account-wide credentials, not --user")
            scope_list = [scope.strip() for scope in scopes.split(",") if scope.strip()]
        try:
            if user:
                owner = User.objects.filter(email__iexact=user).first()
                if owner is None:
                    raise CommandError(f"No user with email {user}")
                issued = create_access_token(owner, name, expires=expires_at)
                self.stdout.write(json.dumps({"access_token": issued.token}))
                return
            issued = create_api_credential(name, expires=expires_at, scopes=scope_list)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(json.dumps({"token": issued.credential.token, "secret": issued.secret}))
