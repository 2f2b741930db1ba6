"""The real huey consumer, in its own process, does the work the web app queues."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from huey.contrib.djhuey import HUEY
from huey.storage import SqliteStorage

from accounts import services

ROOT = Path(settings.BASE_DIR)


def database_url_for_subprocess() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def queue_file(tmp_path):
    """Queue into a real SQLite huey file instead of running tasks inline."""
    path = tmp_path / "queue.sqlite3"
    HUEY.immediate = False
    original = HUEY.storage
    HUEY.storage = SqliteStorage(name=HUEY.name, filename=str(path))
    yield path
    HUEY.storage = original
    HUEY.immediate = True


@pytest.mark.django_db(transaction=True)
def test_run_huey_sends_the_invitation_the_page_queued(queue_file, tmp_path):
    user = services.create_user(email="new.starter@studio.test", name="New Starter")
    assert HUEY.pending_count() == 1

    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "HUEY_URL": f"sqlite:///{queue_file}",
        "DOCKET_VAR_DIR": str(tmp_path / "worker-var"),
        "EMAIL_URL": "",
        "HUEY_WORKERS": "1",
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_huey", "--no-periodic"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    mail_dir = tmp_path / "worker-var" / "mail"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if mail_dir.exists() and any(mail_dir.iterdir()):
                break
            time.sleep(0.2)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=10)[0].decode(errors="replace")

    messages = list(mail_dir.iterdir()) if mail_dir.exists() else []
    assert len(messages) == 1, output
    text = messages[0].read_text()
    assert "To: new.starter@studio.test" in text
    assert "/accounts/invite/" in text
    user.refresh_from_db()
    assert user.invitation_sent is not None
