"""Connections pages: the companies and people lists, their forms and detail pages
with the journal, and CSV import/export."""

import hashlib
import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from config.pages import (
    add_service_errors,
    detail_panels,
    htmx_events,
    query_int,
    require_area,
)

from . import importing, journal, queries, services
from .forms import CompanyForm, ContactForm, ImportForm, JournalEntryForm, ReplyForm
from .models import Activity, Company, Contact, ImportJob, Tag
from .tables import CompanyTable, ContactTable

KINDS = {
    "companies": (CompanyTable, queries.companies_for_list, "Companies"),
    "people": (ContactTable, queries.people_for_list, "People"),
}
# Rows on a page of either list (the benchmark's admin shows as many).
LIST_PAGE_SIZE = 25


def _filters(request) -> dict:
    # NUL can't be sent to PostgreSQL; nobody types it on purpose.
    return {
        "search": request.GET.get("search", "").replace("\x00", "").strip(),
        "tag": request.GET.get("tag", "").replace("\x00", ""),
    }


def connection_list(request, kind: str):
    require_area(request, "contacts")
    if kind not in KINDS:
        raise Http404
    table_class, query, title = KINDS[kind]
    filters = _filters(request)
    rows = query(**filters)
    # The export and the page order the rows the same way: the table's sort.
    sort = request.GET.get("sort") or None
    if request.GET.get("format") == "csv":
        return _export(kind, table_class(rows, order_by=sort).data.data)
    table = table_class(rows.only(*table_class.page_fields), order_by=sort)
    RequestConfig(request, paginate={"per_page": LIST_PAGE_SIZE}).configure(table)
    context = {
        "kind": kind,
        "title": title,
        "table": table,
        "filters": filters,
        "export_url": _export_url(request, kind),
        "tags": Tag.objects.order_by("name"),
        "nav_section": "connections",
    }
    template = "crm/connection_list.html"
    if request.htmx and request.htmx.target == "connections":
        template += "#connections-table"
        # The swapped table carries the export link for the list it shows.
        context["export_oob"] = True
    response = render(request, template, context)
    # The same URL answers a page or a table: caches (and Back) must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def _export_url(request, kind: str) -> str:
    """The CSV of exactly what the list shows: its search, tag and sort, all pages."""
    query = QueryDict(mutable=True)
    for key in ("search", "tag", "sort"):
        if request.GET.get(key):
            query[key] = request.GET[key]
    query["format"] = "csv"
    return f"{reverse('crm:list', args=[kind])}?{query.urlencode()}"


def company_suggestions(request):
    """Options for the person form's company field, and the note that says when the
    typed name would create a new company."""
    require_area(request, "contacts")
    typed = " ".join(request.GET.get("companyname", "").replace("\x00", "").split())
    context = {"company_names": queries.company_names(typed), **_company_note(typed)}
    return render(request, "crm/connection_form.html#company-suggestions", context)


def _company_note(typed: str) -> dict:
    if not typed or queries.company_named(typed):
        return {"company_new": "", "company_similar": []}
    return {"company_new": typed, "company_similar": queries.similar_company_names(typed)}


def _export(kind: str, rows):
    stamp = timezone.localdate().isoformat()
    response = StreamingHttpResponse(
        importing.export_rows(kind, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="docket-{kind}-{stamp}.csv"'
    return response


def _save_with_image(form, save, obj=None):
    """Runs the service and stores (or removes) the image in one transaction."""
    with transaction.atomic():
        saved = save(obj, **form.service_values()) if obj else save(**form.service_values())
        image = form.cleaned_data.get("image")
        if image and hasattr(image, "read"):
            services.set_image(saved, image)
        elif form.cleaned_data.get("remove_image"):
            services.remove_image(saved)
    return saved


def _form_page(request, *, form, obj, kind: str, title: str):
    if form.errors and request.FILES.get("image") and "image" not in form.errors:
        # Browsers never refill a file input, so say so rather than drop it quietly.
        form.add_error(
            "image", "Choose the image again: a file isn't kept when the form has errors."
        )
    context = {
        "form": form,
        "obj": obj,
        "kind": kind,
        "title": title,
        "nav_section": "connections",
        "tags": Tag.objects.order_by("name").values_list("name", flat=True),
    }
    if kind == "people":
        typed = " ".join(str(form["companyname"].value() or "").split())
        context["company_names"] = queries.company_names(typed)
        context.update(_company_note(typed))
    return render(request, "crm/connection_form.html", context)


def company_create(request):
    require_area(request, "contacts")
    form = CompanyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            company = _save_with_image(form, services.create_company)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{company.name} was added.")
            _warn_of_namesakes(request, company)
            return redirect("crm:company", pk=company.pk)
    return _form_page(request, form=form, obj=None, kind="companies", title="New company")


def _warn_of_namesakes(request, company) -> None:
    count = queries.namesakes(company).count()
    if count:
        others = "another company" if count == 1 else f"{count} other companies"
        messages.warning(
            request,
            f"There is {others} called “{company.name}”. If it is the same one, "
            "move its people here and delete the spare.",
        )


def company_edit(request, pk: int):
    require_area(request, "contacts")
    company = get_object_or_404(Company.objects.prefetch_related("tags"), pk=pk)
    form = CompanyForm(
        request.POST or None, request.FILES or None, initial=CompanyForm.initial_for(company)
    )
    if request.method == "POST" and form.is_valid():
        try:
            _save_with_image(form, services.update_company, company)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{company.name} was saved.")
            _warn_of_namesakes(request, company)
            return redirect("crm:company", pk=company.pk)
    return _form_page(
        request, form=form, obj=company, kind="companies", title=f"Edit {company.name}"
    )


def _save_person(request, form, person=None):
    """Saves the person; says when that created a company or when someone else
    already has their email (neither stops the save). None if the services refused."""
    typed = form.cleaned_data.get("companyname") or ""
    new_company = bool(typed.strip()) and queries.company_named(typed) is None
    similar = queries.similar_company_names(typed) if new_company else []
    try:
        if person is None:
            person = _save_with_image(form, services.create_contact)
        else:
            _save_with_image(form, services.update_contact, person)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    if new_company and person.company_id:
        if similar:
            messages.warning(
                request,
                f"A new company “{person.company.name}” was created. Did you mean "
                + " or ".join(f"“{name}”" for name in similar)
                + "? Edit the person to move them.",
            )
        else:
            messages.info(request, f"A new company “{person.company.name}” was created.")
    others = queries.others_with_email(person.email, exclude_pk=person.pk)
    if others:
        names = ", ".join(other.fullname for other in others)
        messages.warning(
            request,
            f"{names} already {'has' if len(others) == 1 else 'have'} the email "
            f"{person.email}: check this isn't the same person twice.",
        )
    return person


def person_create(request):
    require_area(request, "contacts")
    initial = {}
    company_id = query_int(request, "company")
    if company_id is not None:
        company = Company.objects.filter(pk=company_id).first()
        initial["companyname"] = company.name if company else ""
    form = ContactForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        person = _save_person(request, form)
        if person is not None:
            messages.success(request, f"{person.fullname} was added.")
            return redirect("crm:person", pk=person.pk)
    return _form_page(request, form=form, obj=None, kind="people", title="New person")


def person_edit(request, pk: int):
    require_area(request, "contacts")
    person = get_object_or_404(
        Contact.objects.select_related("company").prefetch_related("tags"), pk=pk
    )
    form = ContactForm(
        request.POST or None, request.FILES or None, initial=ContactForm.initial_for(person)
    )
    if request.method == "POST" and form.is_valid() and _save_person(request, form, person):
        messages.success(request, f"{person.fullname} was saved.")
        return redirect("crm:person", pk=person.pk)
    return _form_page(
        request, form=form, obj=person, kind="people", title=f"Edit {person.fullname}"
    )


def _detail(request, obj, template: str, extra: dict, *, journal_only: bool = False):
    entries = list(queries.journal_for(obj))
    names = journal.item_names({(e.for_type, e.for_id) for e in entries})
    for entry in entries:
        entry.about_name = names.get((entry.for_type, entry.for_id), "")
    context = {
        "obj": obj,
        "panels": detail_panels(request.user, type(obj).__name__.lower(), obj),
        "entries": entries,
        "journal_form": JournalEntryForm(),
        "nav_section": "connections",
        **extra,
    }
    if journal_only or (request.htmx and request.htmx.target == "journal"):
        template += "#journal"
    return render(request, template, context)


def company_detail(request, pk: int):
    require_area(request, "contacts")
    company = get_object_or_404(Company.objects.prefetch_related("tags"), pk=pk)
    people = company.people.order_by("fullname")
    return _detail(request, company, "crm/company_detail.html", {"people": people})


def person_detail(request, pk: int):
    require_area(request, "contacts")
    person = get_object_or_404(
        Contact.objects.select_related("company").prefetch_related("tags"), pk=pk
    )
    return _detail(request, person, "crm/person_detail.html", {})


@require_POST
def connection_delete(request, kind: str, pk: int):
    require_area(request, "contacts")
    if kind not in KINDS:
        raise Http404
    model, delete, name_of = (
        (Company, services.delete_company, lambda o: o.name)
        if kind == "companies"
        else (Contact, services.delete_contact, lambda o: o.fullname)
    )
    obj = get_object_or_404(model, pk=pk)
    try:
        delete(obj)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("crm:company" if kind == "companies" else "crm:person", pk=pk)
    messages.success(request, f"{name_of(obj)} was deleted.")
    return redirect("crm:list", kind=kind)


def _journal_response(request, obj, *, message: str = "", **extra):
    """The journal region again: the timeline, with the add form fresh or (given
    `journal_form` or `reply_error`) showing what needs fixing."""
    template = "crm/company_detail.html" if isinstance(obj, Company) else "crm/person_detail.html"
    response = _detail(request, obj, template, extra, journal_only=True)
    if message:
        htmx_events(response, showMessage={"level": "success", "text": message})
    return response


def _journal_owner(code: str):
    try:
        obj = services.resolve_item(code)
    except ValidationError:
        raise Http404 from None
    if not isinstance(obj, Company | Contact):
        raise Http404
    return obj


@require_POST
def journal_add(request, code: str):
    require_area(request, "contacts")
    obj = _journal_owner(code)
    form = JournalEntryForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            with transaction.atomic():
                entry = services.create_activity(
                    added_by=request.user, for_code=code, **form.service_values()
                )
                if form.cleaned_data.get("attachment"):
                    services.attach_file(entry, form.cleaned_data["attachment"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _journal_response(request, obj, message="Added to the journal.")
    return _journal_response(request, obj, journal_form=form)


@require_POST
def journal_reply(request, pk: int):
    require_area(request, "contacts")
    parent = get_object_or_404(Activity, pk=pk, replyto__isnull=True)
    obj = _journal_owner(parent.for_code)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.create_activity(
                title=f"Re: {parent.title}"[:250],
                type=Activity.Type.COMMENT,
                added_by=request.user,
                replyto=parent,
                content=form.cleaned_data["content"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _journal_response(request, obj, message="Reply added.")
    errors = [error for errors in form.errors.values() for error in errors]
    return _journal_response(
        request, obj, reply_error={"entry": parent.pk, "message": " ".join(errors)}
    )


@require_POST
def journal_delete(request, pk: int):
    require_area(request, "contacts")
    entry = get_object_or_404(Activity, pk=pk)
    root = entry.replyto or entry
    obj = _journal_owner(root.for_code)
    services.delete_activity(entry)
    return _journal_response(request, obj, message="Journal entry deleted.")


def connection_import(request):
    require_area(request, "contacts")
    form = ImportForm(request.POST or None, request.FILES or None)
    context = {"form": form, "nav_section": "connections"}
    if request.method == "POST" and "confirm" in request.POST:
        kind = request.POST.get("kind", "people")
        csv_text = request.POST.get("csv_text", "")
        if not _take_import_ticket(request, request.POST.get("ticket", ""), csv_text):
            # Back to the preview and Import again would add every row a second time.
            messages.error(
                request,
                "That import was already done, or its preview is out of date. "
                "Upload the file again to import it.",
            )
            return redirect("crm:import")
        try:
            job = importing.queue_import(kind, csv_text, request.user)
        except ValidationError as exc:
            messages.error(request, "Nothing was imported: " + " ".join(exc.messages))
            return redirect("crm:import")
        return redirect("crm:import_job", pk=job.pk)
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        try:
            text = importing.decode(form.cleaned_data["file"].read())
            preview = importing.preview_import(kind, text)
        except ValidationError as exc:
            # The import's refusals are about the file as a whole: the file field's.
            form.add_error("file", exc.messages)
        else:
            ticket = _issue_import_ticket(request, text)
            context.update({"preview": preview, "csv_text": text, "kind": kind, "ticket": ticket})
    return render(request, "crm/import.html", context)


def import_job(request, pk: int):
    """How a confirmed import is getting on: the page, and (polled by htmx every
    second until the import ends) its status part alone."""
    require_area(request, "contacts")
    job = get_object_or_404(ImportJob, pk=pk, created_by=request.user)
    waited = timezone.now() - job.created
    context = {
        "job": job,
        "total_text": importing.count_of(job.kind, job.total_rows),
        "done_text": importing.count_of(job.kind, job.done_rows),
        "worker_late": job.status == ImportJob.Status.QUEUED and waited.total_seconds() > 60,
        "nav_section": "connections",
    }
    template = "crm/import_job.html"
    if request.htmx and request.htmx.target == "import-status":
        template += "#import-status"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


IMPORT_TICKETS = "import_tickets"


def _fingerprint(csv_text: str) -> str:
    # Browsers send a textarea back with CRLF line ends, whatever it held.
    return hashlib.sha256(csv_text.replace("\r\n", "\n").encode()).hexdigest()


def _issue_import_ticket(request, csv_text: str) -> str:
    """A one-time ticket for importing exactly this previewed file."""
    ticket = secrets.token_urlsafe(16)
    tickets = request.session.get(IMPORT_TICKETS, {})
    tickets = dict(list(tickets.items())[-9:])  # a few open previews, not an archive
    tickets[ticket] = _fingerprint(csv_text)
    request.session[IMPORT_TICKETS] = tickets
    return ticket


def _take_import_ticket(request, ticket: str, csv_text: str) -> bool:
    tickets = request.session.get(IMPORT_TICKETS, {})
    expected = tickets.pop(ticket, None)
    request.session[IMPORT_TICKETS] = tickets
    return expected is not None and expected == _fingerprint(csv_text)
