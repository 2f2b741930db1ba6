"""Recurring invoices' pages: the list (search, schedule filter, each one's next
invoice) and the editor: details, schedule, lines and delivery, with the totals and
the next five invoices' dates worked out live as they are typed (by the services,
never in the browser), and the invoices it has made."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import F
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from config.pages import add_service_errors, refusal_text, require_area
from config.parsing import parse_int
from crm.models import Company, Contact
from projects import queries as project_queries
from projects.forms import client_label
from projects.services import discount_percentage

from . import periodicals, queries
from .forms import (
    CLIENT_CODE,
    PeriodicalForm,
    blank_line,
    editor_sections,
    is_blank,
    posted_sections,
    without_blank_lines,
)
from .models import LedgerCategory, Periodical, Product, TaxCode
from .tables import PeriodicalTable
from .totals import LINE_TYPES, clean_sections, document_totals, line_amount

AREA = "invoices"
LIST_PAGE_SIZE = 25
# The editor shows this many of the invoices still to come.
NEXT_RUNS = 5
# The invoices made shown on its page, newest first.
MADE_SHOWN = 100
# Sections and lines one editor request may add: the service's own limits apply on save.
MAX_EDITOR_SECTIONS = 100
MAX_EDITOR_LINES = 1_000


# --- the list -----------------------------------------------------------------------


def periodical_list(request):
    require_area(request, AREA)
    search = request.GET.get("search", "").replace("\x00", "").strip()[:200]
    repeat = request.GET.get("repeat", "")
    repeats = [repeat] if repeat in Periodical.Repeat.values else None
    rows = (
        queries.with_runs(queries.periodicals_matching(search=search, repeats=repeats))
        .select_related("client_company", "client_contact")
        .annotate(client_name=Coalesce(F("client_company__name"), F("client_contact__fullname")))
    )
    table = PeriodicalTable(rows, order_by=request.GET.get("sort") or None)
    RequestConfig(request, paginate={"per_page": LIST_PAGE_SIZE}).configure(table)
    context = {
        "table": table,
        "search": search,
        "repeat": repeats[0] if repeats else "",
        "repeats": PeriodicalForm.base_fields["repeat"].choices,
        "nav_section": "invoices",
    }
    template = "billing/periodical_list.html"
    if request.htmx and request.htmx.target == "periodicals":
        template += "#periodicals-table"
        context["sort_oob"] = True
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


# --- the editor's parts ---------------------------------------------------------------


def _bcc_choices() -> list[tuple[str, str]]:
    users = get_user_model().objects.filter(is_active=True).order_by("name", "email")
    return [
        (email.lower(), f"{name} ({email})" if name else email)
        for name, email in users.values_list("name", "email")
    ]


def _recipient_choices(client, chosen: list[int]) -> list[tuple[int, str]]:
    """The people an invoice may go to: the client (a person) or the client company's
    people, and anyone chosen before who is not among them any more."""
    if isinstance(client, Company):
        people = list(client.people.order_by("fullname"))
    elif isinstance(client, Contact):
        people = [client]
    else:
        people = []
    known = {person.pk for person in people}
    missing = [pk for pk in chosen if pk not in known]
    if missing:
        people += list(Contact.objects.filter(pk__in=missing).order_by("fullname"))
    return [
        (person.pk, f"{person.fullname} ({person.email})" if person.email else person.fullname)
        for person in people
    ]


def _client_in(data) -> Company | Contact | None:
    match = CLIENT_CODE.match(str(data.get("client", ""))[:200])
    return project_queries.client_named_by(match.group(1)) if match else None


def _chosen_recipients(data) -> list[int]:
    chosen = []
    for value in data.getlist("emailto")[:MAX_EDITOR_LINES]:
        try:
            chosen.append(parse_int(value))
        except ValueError:
            continue
    return chosen


def _form(request, periodical: Periodical | None) -> PeriodicalForm:
    if request.method == "POST":
        data = request.POST
        client = _client_in(data)
        chosen = _chosen_recipients(data)
        initial = {}
    elif periodical is not None:
        data = None
        client = periodical.client
        chosen = list(periodical.email_to)
        initial = {
            "title": periodical.title,
            "client": client_label(client),
            "purchaseorder": periodical.purchaseorder,
            "terms": periodical.terms,
            "discount": f"{periodical.discount.normalize():f}",
            "repeat": periodical.repeat,
            "repeatinterval": periodical.repeatinterval,
            "first": periodical.first,
            "last": periodical.last,
            "sendemail": periodical.sendemail,
            "emailto": chosen,
            "emailbcc": periodical.email_bcc,
            "emailmessage": periodical.email_message,
        }
    else:
        data = None
        # "New recurring invoice" from a company's or person's page brings its code.
        client = project_queries.client_named_by(request.GET.get("client", "")[:20])
        chosen = []
        initial = {"client": client_label(client)} if client else {}
    form = PeriodicalForm(
        data,
        initial=initial,
        recipient_choices=_recipient_choices(client, chosen),
        bcc_choices=_bcc_choices(),
    )
    form.client_known = client is not None
    return form


def _line_nets(sections: list[dict], cleaned: list[dict]) -> dict[tuple[int, int], object]:
    """Each typed line's amount, by its place in the editor (blank rows have none)."""
    amounts = iter(line_amount(line) for section in cleaned for line in section["items"])
    nets = {}
    for s, section in enumerate(sections):
        if not section["items"] and not section["title"].strip():
            continue
        for n, line in enumerate(section["items"]):
            if not is_blank(line):
                nets[(s, n)] = next(amounts, None)
    return nets


def _editor(sections: list[dict], nets: dict | None = None) -> dict:
    """The lines editor's sections, each line with its inputs' name prefix."""
    nets = nets or {}
    return {
        "sections": [
            {
                "index": s,
                "number": s + 1,
                "title_id": f"s{s}-title",
                "title": section["title"],
                "lines": [
                    {
                        **line,
                        "prefix": f"s{s}-l{n}",
                        "where": f"Section {s + 1}, line {n + 1}",
                        "net": nets.get((s, n)),
                    }
                    for n, line in enumerate(section["items"])
                ],
            }
            for s, section in enumerate(sections)
        ],
        "line_types": LINE_TYPES,
        "tax_codes": list(TaxCode.objects.values_list("code", "name", "rate")),
        "ledgers": list(LedgerCategory.objects.values_list("code", "name")),
        "products": list(Product.objects.values_list("pk", "name")),
    }


def _preview(data, sections: list[dict], periodical: Periodical | None) -> dict:
    """Totals and the next invoices' dates for what the form holds now, or why there
    are none yet: the services' own rules, so the page and a save agree."""
    preview: dict = {"today": timezone.localdate(), "nets": {}}
    typed = without_blank_lines(sections)
    if not any(section["items"] for section in typed):
        preview["no_lines"] = True
    else:
        try:
            cleaned = clean_sections(typed)
            discount = discount_percentage(data.get("discount"))
        except ValidationError as exc:
            preview["line_problems"] = [
                sentence[:1].upper() + sentence[1:] for sentence in refusal_sentences(exc)
            ]
        else:
            totals = document_totals(cleaned, discount)
            preview["totals"] = totals
            preview["taxes"] = [
                (share.code, f"{(share.rate * 100).normalize():f}", share.tax)
                for share in totals.taxes
            ]
            preview["nets"] = _line_nets(sections, cleaned)
    try:
        schedule = periodicals.planned(
            repeat=data.get("repeat"),
            repeatinterval=data.get("repeatinterval"),
            first=data.get("first"),
            last=data.get("last"),
            added=periodical.added if periodical is not None else None,
        )
    except ValidationError as exc:
        preview["schedule_problems"] = refusal_sentences(exc)
    else:
        last_made = _last_made(periodical)
        starts = periodicals.billing_starts(schedule)
        if last_made is None and starts > schedule.first:
            preview["starts"] = starts
        preview["next_runs"] = periodicals.upcoming(schedule, NEXT_RUNS, last_made=last_made)
        preview["last_made"] = last_made
        preview["schedule_words"] = periodicals.repeat_words(
            schedule.repeat, schedule.repeatinterval
        )
    return preview


def _last_made(periodical: Periodical | None):
    if periodical is None:
        return None
    runs = queries.with_runs(Periodical.objects.filter(pk=periodical.pk))
    return runs.values_list("last_made", flat=True).first()


def refusal_sentences(exc: ValidationError) -> list[str]:
    text = refusal_text(exc)
    return [text] if text else []


def _editor_page(request, *, form, sections, periodical, preview_data, title: str):
    preview = _preview(preview_data, sections, periodical)
    made, made_count = [], 0
    if periodical is not None:
        made = list(periodical.invoices.order_by("-period", "-id")[:MADE_SHOWN])
        made_count = len(made) if len(made) < MADE_SHOWN else periodical.invoices.count()
    context = {
        "form": form,
        "periodical": periodical,
        "title": title,
        "preview": preview,
        "made": made,
        "made_count": made_count,
        "nav_section": "invoices",
        **_editor(sections, preview["nets"]),
    }
    return render(request, "billing/periodical_form.html", context)


def _initial_preview_data(periodical: Periodical | None) -> dict:
    if periodical is None:
        return {"repeat": Periodical.Repeat.MONTH, "repeatinterval": "1", "first": ""}
    return {
        "repeat": periodical.repeat,
        "repeatinterval": str(periodical.repeatinterval),
        "first": periodical.first.isoformat(),
        "last": periodical.last.isoformat() if periodical.last else "",
        "discount": str(periodical.discount),
    }


def _save(request, periodical: Periodical | None):
    form = _form(request, periodical)
    if request.method == "POST":
        sections = posted_sections(request.POST)
        if form.is_valid():
            try:
                if periodical is None:
                    saved = periodicals.create_periodical(
                        added_by=request.user, **form.service_values(sections)
                    )
                else:
                    saved = periodicals.update_periodical(
                        periodical, **form.service_values(sections)
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                name = saved.title or f"Recurring invoice {saved.pk}"
                messages.success(request, f"{name} was saved.")
                return redirect("recurring:edit", pk=saved.pk)
        # Shown again as the service read them, so "line 2" in a refusal is line 2 here.
        sections = without_blank_lines(sections) or [{"title": "", "items": [blank_line()]}]
        preview_data = request.POST
    else:
        stored = editor_sections(periodical.items) if periodical is not None else []
        sections = stored or [{"title": "", "items": [blank_line()]}]
        preview_data = _initial_preview_data(periodical)
    if periodical is None:
        title = "New recurring invoice"
    else:
        title = f"Edit {periodical.title or f'recurring invoice {periodical.pk}'}"
    return _editor_page(
        request,
        form=form,
        sections=sections,
        periodical=periodical,
        preview_data=preview_data,
        title=title,
    )


def periodical_create(request):
    require_area(request, AREA)
    return _save(request, None)


def periodical_edit(request, pk: int):
    require_area(request, AREA)
    periodical = get_object_or_404(
        Periodical.objects.select_related("client_company", "client_contact"), pk=pk
    )
    return _save(request, periodical)


@require_POST
def periodical_delete(request, pk: int):
    require_area(request, AREA)
    periodical = get_object_or_404(Periodical, pk=pk)
    name = periodical.title or f"Recurring invoice {periodical.pk}"
    periodicals.delete_periodical(periodical)
    messages.success(request, f"{name} was deleted; the invoices it made stay.")
    return redirect("recurring:list")


# --- the editor's live parts (htmx) ---------------------------------------------------


def client_suggestions(request):
    """The options under the client field for what has been typed so far."""
    require_area(request, AREA)
    typed = " ".join(request.GET.get("client", "").replace("\x00", "").split())[:100]
    context = {"clients": project_queries.client_suggestions(typed)}
    return render(request, "billing/periodical_form.html#client-options", context)


def recipients(request):
    """The "Send to" choices for the client now in the client field."""
    require_area(request, AREA)
    client = _client_in(request.GET)
    chosen = _chosen_recipients(request.GET)
    form = PeriodicalForm(
        initial={"emailto": chosen},
        recipient_choices=_recipient_choices(client, chosen),
        bcc_choices=[],
    )
    form.client_known = client is not None
    return render(request, "billing/periodical_form.html#recipients", {"form": form})


def _periodical_or_none(pk: int | None) -> Periodical | None:
    return None if pk is None else get_object_or_404(Periodical, pk=pk)


@require_POST
def preview(request, pk: int | None = None):
    """The totals, each line's amount and the next invoices' dates for the form as
    it is now."""
    require_area(request, AREA)
    periodical = _periodical_or_none(pk)
    sections = posted_sections(request.POST)
    context = {
        "preview": _preview(request.POST, sections, periodical),
        "periodical": periodical,
        **_editor(sections),
    }
    context["line_nets"] = _nets_for_page(context["sections"], context["preview"]["nets"])
    return render(request, "billing/periodical_form.html#preview-update", context)


def _nets_for_page(sections: list[dict], nets: dict) -> list[tuple[str, object]]:
    return [
        (line["prefix"], nets.get((section["index"], n)))
        for section in sections
        for n, line in enumerate(section["lines"])
    ]


def _product_line(value) -> dict | None:
    try:
        product = Product.objects.filter(pk=parse_int(value)).first()
    except ValueError:
        return None
    if product is None:
        return None
    return blank_line(
        type="product",
        title=product.name,
        description=product.description,
        unitprice=f"{product.unitprice.normalize():f}",
        taxcode=product.taxcode,
        category=product.category,
    )


def _apply(op: str, sections: list[dict], data) -> tuple[list[dict], str]:
    """One change to the editor's sections ("add-line:0", "remove-line:0:2",
    "add-section", "remove-section:1", "product:0"); returns them and the input
    that should have the focus next."""
    name, _, where = op.partition(":")
    places = []
    for part in where.split(":") if where else []:
        try:
            places.append(parse_int(part))
        except ValueError:
            return sections, ""
    count = sum(len(section["items"]) for section in sections)
    s = places[0] if places else None
    if s is not None and not 0 <= s < len(sections):
        return sections, ""
    if name == "add-section" and len(sections) < MAX_EDITOR_SECTIONS:
        sections.append({"title": "", "items": [blank_line()]})
        return sections, f"s{len(sections) - 1}-title"
    if name == "add-line" and s is not None and count < MAX_EDITOR_LINES:
        sections[s]["items"].append(blank_line())
        return sections, f"s{s}-l{len(sections[s]['items']) - 1}-title"
    if name == "product" and s is not None and count < MAX_EDITOR_LINES:
        line = _product_line(data.get(f"pick-{s}"))
        if line is not None:
            sections[s]["items"].append(line)
            return sections, f"s{s}-l{len(sections[s]['items']) - 1}-quantity"
    if name == "remove-line" and s is not None and len(places) == 2:
        if 0 <= places[1] < len(sections[s]["items"]):
            del sections[s]["items"][places[1]]
        if not sections[s]["items"]:
            sections[s]["items"].append(blank_line())
        return sections, ""
    if name == "remove-section" and s is not None:
        del sections[s]
        if not sections:
            sections.append({"title": "", "items": [blank_line()]})
    return sections, ""


@require_POST
def lines(request, pk: int | None = None):
    """The lines editor after one change (a line or a section added or removed, a
    product picked), with the totals and dates brought up to date."""
    require_area(request, AREA)
    periodical = _periodical_or_none(pk)
    sections, focus = _apply(
        request.POST.get("op", ""), posted_sections(request.POST), request.POST
    )
    preview = _preview(request.POST, sections, periodical)
    context = {
        "preview": preview,
        "periodical": periodical,
        "focus": focus,
        **_editor(sections, preview["nets"]),
    }
    return render(request, "billing/periodical_form.html#lines-update", context)
