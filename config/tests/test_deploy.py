"""Production configuration: the deploy checklist and real SMTP delivery."""

import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings

from accounts import services

ROOT = Path(settings.BASE_DIR)


def test_check_deploy_is_clean_with_production_values(tmp_path):
    # The e2e tests' async switch is for the test process, never for a deploy.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {
        **inherited,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "docket.example.com",
        "DOCKET_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    with socket.socket() as probe:  # aiosmtpd can't report a port the OS picked
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


@pytest.mark.django_db
def test_invitation_is_delivered_over_real_smtp(
    smtp_server, settings, django_capture_on_commit_callbacks
):
    inbox, port = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    with django_capture_on_commit_callbacks(execute=True):
        services.create_user(email="smtp.starter@studio.test", name="Smtp Starter")
    assert len(inbox.messages) == 1
    envelope = inbox.messages[0]
    assert envelope.rcpt_tos == ["smtp.starter@studio.test"]
    body = envelope.content.decode()
    assert "Subject:" in body
    assert "/accounts/invite/" in body
