"""A database busy with another writer is a 503 with Retry-After, and changes that
collide are a 409 that says so: never a 500."""

import threading
from contextlib import contextmanager

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import ProtectedError
from django.test import Client

from config.database_errors import BUSY_MESSAGE, CONFLICT_MESSAGE
from crm import services
from crm.models import Company
from crm.tests.factories import CompanyFactory, ContactFactory


@contextmanager
def company_row_held(company):
    """Another connection holds a write lock on the company's row (on SQLite, on the
    whole database) until the block ends."""
    holding, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                Company.objects.select_for_update().filter(pk=company.pk).update(name="Held")
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(10)
    try:
        yield
    finally:
        release.set()
        thread.join()


@contextmanager
def short_lock_wait():
    """This connection gives up waiting for a lock after 0.2 s rather than 20."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        connection.connection.execute("PRAGMA busy_timeout = 200")
    else:
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
    try:
        yield
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_busy_database_is_a_503_with_retry_after_for_the_api(depot, settings):
    settings.DOCKET_API_RATE_LIMIT = 0
    company = CompanyFactory(name="Harbour Lights")
    with company_row_held(company), short_lock_wait():
        response = depot.patch(f"companies/{company.pk}", {"name": "Other name"})
        xml = depot.patch(f"companies/{company.pk}", {"name": "Other name"}, fmt="xml")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"error": True, "msg": BUSY_MESSAGE}
    assert xml.status_code == 503 and b"<error>true</error>" in xml.content
    assert Company.objects.get().name == "Held"


@pytest.mark.django_db(transaction=True)
def test_a_busy_database_is_a_503_page_with_retry_after(admin_user):
    company = CompanyFactory(name="Harbour Lights")
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    with company_row_held(company), short_lock_wait():
        response = client.post(f"/connections/companies/{company.pk}/edit/", {"name": "Other"})
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    html = response.content.decode()
    assert "Docket is busy" in html and BUSY_MESSAGE in html


@pytest.mark.django_db
def test_busy_outside_a_view_is_a_503_too(admin_user, settings, monkeypatch):
    # The session is saved by its middleware after the view: no process_exception
    # sees an error there, handler500 does.
    from django.contrib.sessions.backends.db import SessionStore

    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)

    def locked(self, must_create=False):
        raise OperationalError("database is locked")

    monkeypatch.setattr(SessionStore, "save", locked)
    response = client.post(f"/connections/companies/{CompanyFactory().pk}/delete/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


@pytest.mark.django_db
def test_colliding_changes_are_a_409_that_says_why(depot, staff_client, monkeypatch):
    def collide(**fields):
        raise IntegrityError("UNIQUE constraint failed: crm_tag.name")

    monkeypatch.setattr(services, "create_company", collide)
    response = depot.post("companies", {"name": "Clash Ltd"})
    assert response.status_code == 409
    assert response.json() == {"error": True, "msg": CONFLICT_MESSAGE}
    page = staff_client.post("/connections/companies/add/", {"name": "Clash Ltd"})
    assert page.status_code == 409 and CONFLICT_MESSAGE in page.content.decode()

    company = CompanyFactory()
    person = ContactFactory(company=company)

    def protected(obj):
        raise ProtectedError("protected", {person})

    monkeypatch.setattr(services, "delete_company", protected)
    response = depot.delete(f"companies/{company.pk}")
    assert response.status_code == 409
    assert response.json()["msg"] == (
        "This can't be deleted while other records refer to it (1 person)."
    )


@pytest.mark.django_db
def test_other_integrity_errors_stay_500(depot, monkeypatch):
    def broken(**fields):
        raise IntegrityError("NOT NULL constraint failed: crm_company.name")

    monkeypatch.setattr(services, "create_company", broken)
    response = depot.post("companies", {"name": "Bug Ltd"})
    assert response.status_code == 500
    assert response.json() == {"error": True, "msg": "System error"}
