import json
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import AccessToken, ApiCredential, User
from accounts.services import (
    create_access_token,
    create_api_credential,
    revoke_access_token,
    revoke_api_credential,
)


def _status(obj) -> str:
    if obj.revoked is not None:
        return "revoked"
    return "active" if obj.is_usable else "unusable"  # expired, or its user inactive


def _when(moment) -> str | None:
    return moment.isoformat() if moment else None


class Command(BaseCommand):
    help = (
        "Create API credentials and print them once as one JSON line: "
        '{"token": ..., "secret": ...} (account-wide), or with --user a bearer token '
        '{"access_token": ...} that acts as that user. --list prints every credential '
        "and bearer token (one JSON line each, never a secret); --revoke ID ends one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", help="What the credential is for (to create one)")
        parser.add_argument(
            "--list",
            action="store_true",
            help="List account credentials and bearer tokens, one JSON line each",
        )
        parser.add_argument(
            "--revoke",
            metavar="ID",
            help="Revoke credential:N or bearer:N (the id --list prints), or a credential "
            "by its token",
        )
        parser.add_argument("--user", help="Email of the user a bearer token acts as")
        parser.add_argument(
            "--scopes",
            help="Comma-separated <area>:read or <area>:write scopes (default: every area, "
            "read and write). Account-wide credentials only.",
        )
        parser.add_argument(
            "--expires", help="Last day the credentials work, YYYY-MM-DD (default: never)"
        )

    def handle(self, *args, name=None, user=None, scopes=None, expires=None, **options):
        if options.get("list"):
            self._list()
            return
        if options.get("revoke"):
            self._revoke(options["revoke"])
            return
        if not name:
            raise CommandError("--name is required to create credentials (or use --list)")
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

    def _list(self) -> None:
        for credential in ApiCredential.objects.select_related("created_by").order_by("pk"):
            row = {
                "id": f"credential:{credential.pk}",
                "kind": "credential",
                "name": credential.name,
                "token": credential.token,
                "scopes": credential.scopes,
                "created_by": credential.created_by.email if credential.created_by else None,
                "created": _when(credential.created),
                "expires": _when(credential.expires),
                "last_used": _when(credential.last_used),
                "status": _status(credential),
            }
            self.stdout.write(json.dumps(row))
        for access in AccessToken.objects.select_related("user").order_by("pk"):
            row = {
                "id": f"bearer:{access.pk}",
                "kind": "bearer",
                "name": access.name,
                "user": access.user.email,
                "created": _when(access.created),
                "expires": _when(access.expires),
                "last_used": _when(access.last_used),
                "status": _status(access),
            }
            self.stdout.write(json.dumps(row))

    def _revoke(self, target: str) -> None:
        kind, _, number = target.partition(":")
        found = None
        if kind in ("credential", "bearer") and number.isdigit():
            model = ApiCredential if kind == "credential" else AccessToken
            found = model.objects.filter(pk=int(number)).first()
        elif not number:
            found = ApiCredential.objects.filter(token=target).first()
        if found is None:
            raise CommandError(
                f"No credential or bearer token {target}: use an id from --list "
                "(credential:N or bearer:N) or a credential's token."
            )
        if isinstance(found, ApiCredential):
            revoke_api_credential(found)
        else:
            revoke_access_token(found)
        self.stdout.write(f"{found.name} ({target}) is revoked.")
