"""Invoices, credit notes and payments in the browser: the lists (invoices by tab with
each tab's count and money), the editor of a draft (its sections and lines changed in
place, its totals priced by the server as one types), the read-only document with its
payments, credit notes and issue history, the payment modal and the credit note
editor. Every write is a billing.invoicing service; the pages parse and draw."""

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from accounts.models import AccountSettings
from config.pages import add_service_errors, htmx_events, refusal_text, require_area
from projects import queries as project_queries
from projects.forms import CLIENT_CODE

from . import delivery, facturx, invoicing, queries
from .forms import (
    EDITOR_LINES_MAX,
    EDITOR_SECTIONS_MAX,
    TOO_BIG_FOR_THE_PAGE,
    CreditNoteForm,
    InvoiceForm,
    LinesEditor,
    PaymentForm,
    SendForm,
    fits_the_editor,
    stored_first_taxcode,
)
from .models import CreditNote, Invoice, LedgerCategory, Payment, Product, TaxCode
from .pdf_views import panel_context
from .tables import CountedPaginator, CreditNoteTable, InvoiceTable, PaymentTable
from .totals import document_layout

AREA = "invoices"
# Rows on a page of a list, as on the other lists.
LIST_PAGE_SIZE = 25
TAB_LABELS = {
    "all": "All",
    "draft": "Drafts",
    "issued": "Issued",
    "overdue": "Overdue",
    "paid": "Paid",
}
TAB_AMOUNT_WORDS = {
    "all": "in all",
    "draft": "to issue",
    "issued": "owed",
    "overdue": "overdue",
    # Their grand totals, settled by payments or credit notes: not all of it was paid.
    "paid": "settled",
}


def _text(request, name: str, limit: int = 200) -> str:
    # NUL can't be sent to PostgreSQL; nobody types it on purpose.
    return " ".join(request.GET.get(name, "").replace("\x00", "").split())[:limit]


def _day(request, name: str) -> date | None:
    try:
        return date.fromisoformat(request.GET.get(name, "").strip()[:10])
    except ValueError:
        return None


def _list_response(request, template: str, context: dict, container: str):
    """The page, or (a search, a filter, a sort or a page of the table) its table.
    The page and its table's rows read one settings row: django-tables2 draws the
    table with a context of its own, which would load another."""
    account = AccountSettings.load()
    context["account"] = account
    context["table"].currency_symbol = account.currency_symbol
    if request.htmx and request.htmx.target == container:
        template += f"#{container}-table"
        context["oob"] = True
    response = render(request, template, context)
    # The same URL answers a page or a table: caches (and Back) must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


# --- the lists ---------------------------------------------------------------------


def invoice_list(request):
    require_area(request, AREA)
    client_typed = _text(request, "client")
    code = CLIENT_CODE.match(client_typed)
    filters = {
        "search": _text(request, "search"),
        # A picked suggestion ("C41 · Acme Ltd") names one client; other text finds
        # clients by name.
        "client": (code.group(1)[0].upper(), int(code.group(1)[1:])) if code else None,
        "client_search": "" if code else client_typed,
        "date_from": _day(request, "from"),
        "date_to": _day(request, "to"),
    }
    tab = request.GET.get("tab", "all")
    if tab not in queries.INVOICE_TABS:
        tab = "all"
    invoices = queries.invoices_for_pages(**filters)
    if filters["search"] or filters["client_search"]:
        totals = queries.invoice_tab_totals(invoices)
    else:
        totals = queries.list_tab_totals(
            invoices,
            client=filters["client"],
            date_from=filters["date_from"],
            date_to=filters["date_to"],
        )
    table = InvoiceTable(
        queries.invoices_for_list(queries.in_tab(invoices, tab)),
        order_by=request.GET.get("sort") or None,
    )
    # The tab's count is among its totals: the pages need not count the rows again
    # (on the Overdue tab, working out every invoice's balance a second time).
    paginate = {"per_page": LIST_PAGE_SIZE, "paginator_class": CountedPaginator}
    RequestConfig(request, paginate={**paginate, "count": totals[tab]["count"]}).configure(table)
    query = request.GET.copy()
    for name in ("tab", "page"):
        query.pop(name, None)
    tabs = []
    for key in queries.INVOICE_TABS:
        query["tab"] = key
        tabs.append(
            {
                "key": key,
                "label": TAB_LABELS[key],
                "words": TAB_AMOUNT_WORDS[key],
                "url": f"{reverse('invoices:list')}?{query.urlencode()}",
                **totals[key],
            }
        )
    context = {
        "table": table,
        "tab": tab,
        "tabs": tabs,
        "filters": {**filters, "client": client_typed},
        "date_from": request.GET.get("from", "")[:10],
        "date_to": request.GET.get("to", "")[:10],
        "nav_section": "invoices",
        "list_section": "invoices",
    }
    return _list_response(request, "billing/invoice_list.html", context, "invoices")


def credit_note_list(request):
    require_area(request, AREA)
    status = request.GET.get("status", "")
    issued = {"issued": True, "draft": False}.get(status)
    notes = queries.credit_notes_for_pages(search=_text(request, "search"), issued=issued)
    table = CreditNoteTable(notes, order_by=request.GET.get("sort") or None)
    RequestConfig(request, paginate={"per_page": LIST_PAGE_SIZE}).configure(table)
    context = {
        "table": table,
        "search": _text(request, "search"),
        "status": status if issued is not None else "",
        "nav_section": "invoices",
        "list_section": "credit_notes",
    }
    return _list_response(request, "billing/credit_note_list.html", context, "credit-notes")


def payment_list(request):
    require_area(request, AREA)
    method = request.GET.get("method", "")
    if method not in Payment.Method.values:
        method = ""
    payments = queries.payments_for_pages(search=_text(request, "search"), method=method)
    table = PaymentTable(payments, order_by=request.GET.get("sort") or None)
    RequestConfig(request, paginate={"per_page": LIST_PAGE_SIZE}).configure(table)
    context = {
        "table": table,
        "search": _text(request, "search"),
        "method": method,
        "methods": Payment.Method.choices,
        "nav_section": "invoices",
        "list_section": "payments",
    }
    return _list_response(request, "billing/payment_list.html", context, "payments")


# --- suggestions for the editor's pickers ----------------------------------------


def client_suggestions(request):
    """The options under the client field for what has been typed so far."""
    require_area(request, AREA)
    typed = _text(request, "client", 100)
    context = {"clients": project_queries.client_suggestions(typed)}
    return render(request, "billing/invoice_form.html#client-options", context)


def work_suggestions(request):
    """Projects and jobs whose titles hold what has been typed, the picked client's
    only when there is one."""
    require_area(request, AREA)
    typed = _text(request, "work", 100)
    code = CLIENT_CODE.match(request.GET.get("client", "")[:40])
    client = (code.group(1)[0].upper(), int(code.group(1)[1:])) if code else None
    projects, jobs = [], []
    if typed:
        projects = project_queries.projects_matching(search=typed, client=client).order_by("-id")[
            :8
        ]
        jobs = (
            project_queries.jobs_matching(search=typed, client=client)
            .select_related("project")
            .order_by("-id")[:8]
        )
    context = {"projects": projects, "jobs": jobs}
    return render(request, "billing/invoice_form.html#work-options", context)


# --- the editor (drafts) ---------------------------------------------------------


def _editor_context(editor: LinesEditor, *, discount=None, show_discount=True) -> dict:
    preview = editor.preview(discount)
    return {
        "sections": editor.rows(preview),
        "preview": preview,
        "refusal": editor.refusal,
        "taxcodes": editor.taxcodes,
        "tax_names": {taxcode.code: taxcode for taxcode in editor.taxcodes},
        "ledgers": list(LedgerCategory.objects.all()),
        "products": list(Product.objects.only("name", "unitprice")),
        "lines_max": EDITOR_LINES_MAX,
        "show_discount": show_discount,
        "focus_add_section": editor.focus == (None, None, "add-section"),
    }


def _editor_action(request, editor: LinesEditor, *, page, **page_context):
    """A button of the lines editor: applied, then the lines drawn again (the editor
    alone for htmx, the whole page without it)."""
    editor.apply(request.POST.get("action", ""), request.POST)
    show_discount = "discount" in request.POST
    context = _editor_context(
        editor, discount=request.POST.get("discount"), show_discount=show_discount
    )
    if request.htmx:
        return render(request, "billing/_lines_editor.html#lines-editor", context)
    return page(request, editor_context=context, **page_context)


@require_POST
def totals(request):
    """The totals of the lines as typed, and each line's net (swapped in beside it):
    the editor posts here as one types. Nothing is written."""
    require_area(request, AREA)
    editor = LinesEditor.from_post(request.POST)
    context = _editor_context(
        editor, discount=request.POST.get("discount"), show_discount="discount" in request.POST
    )
    context["oob"] = True
    return render(request, "billing/_lines_editor.html#totals", context)


def _invoice_page(request, *, form, invoice=None, editor_context):
    title = f"Edit draft invoice #{invoice.pk}" if invoice else "New invoice"
    context = {
        "form": form,
        "invoice": invoice,
        "title": title,
        "nav_section": "invoices",
        "lines_take_focus": _lines_take_focus(form),
        **editor_context,
    }
    return render(request, "billing/invoice_form.html", context)


def _lines_take_focus(form) -> bool:
    """The lines' refusal takes the focus when no field before it has one."""
    errors = form.errors if form.is_bound else {}
    return "items" in errors and not any(name != "items" for name in errors)


def _save_invoice(request, invoice: Invoice | None):
    if request.method != "POST":
        # "New invoice" on a client's page brings its code (C41, I5).
        client = project_queries.client_named_by(request.GET.get("client", "")[:20])
        initial = InvoiceForm.initial_for(invoice, client=client)
        editor = LinesEditor.from_stored(invoice.items) if invoice else LinesEditor.new()
        form = InvoiceForm(initial=initial, invoice=invoice)
        context = _editor_context(editor, discount=initial["discount"])
        return _invoice_page(request, form=form, invoice=invoice, editor_context=context)
    editor = LinesEditor.from_post(request.POST)
    if request.POST.get("action"):
        # A button of the lines: the head isn't checked until the invoice is saved.
        form = InvoiceForm(initial=request.POST.dict(), invoice=invoice)
        return _editor_action(
            request,
            editor,
            page=lambda request, **kw: _invoice_page(request, form=form, invoice=invoice, **kw),
        )
    form = InvoiceForm(request.POST, invoice=invoice)
    if form.is_valid():
        fields = {**form.service_values(), "items": editor.service_items()}
        try:
            if invoice is None:
                invoice = invoicing.create_invoice(
                    added_by=request.user, actor=request.user, **fields
                )
            else:
                invoicing.update_invoice(invoice, actor=request.user, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Draft invoice #{invoice.pk} was saved.")
            return redirect("invoices:detail", pk=invoice.pk)
    context = _editor_context(editor, discount=request.POST.get("discount"))
    return _invoice_page(request, form=form, invoice=invoice, editor_context=context)


def invoice_create(request):
    require_area(request, AREA)
    return _save_invoice(request, None)


def invoice_edit(request, pk: int):
    require_area(request, AREA)
    invoice = get_object_or_404(
        Invoice.objects.select_related("client_company", "client_contact", "project", "job"),
        pk=pk,
    )
    if invoice.issued:
        messages.info(
            request,
            f"Invoice {invoice.reference} is issued: its lines and money stay as they are. "
            "Raise a credit note to correct it.",
        )
        return redirect("invoices:detail", pk=invoice.pk)
    if not fits_the_editor(invoice.items):
        return _too_big(request, str(invoice), reverse("invoices:detail", args=[invoice.pk]))
    return _save_invoice(request, invoice)


def _too_big(request, document: str, back: str):
    """A document the API filled past what one page's form can carry."""
    messages.info(
        request,
        TOO_BIG_FOR_THE_PAGE
        % {"document": document, "sections": EDITOR_SECTIONS_MAX, "lines": EDITOR_LINES_MAX},
    )
    return redirect(back)


# --- an invoice ------------------------------------------------------------------


def _invoice_context(request, pk: int) -> dict:
    invoice = get_object_or_404(
        queries.with_balance(
            Invoice.objects.select_related(
                "client_company", "client_contact", "project", "job", "job__project", "pdf"
            )
        ),
        pk=pk,
    )
    document = document_layout(invoice.items, invoice.discount)
    codes = [share.code for share in document["totals"].taxes]
    return {
        **panel_context(invoice),
        "invoice": invoice,
        "document": document,
        "tax_names": {t.code: t for t in TaxCode.objects.filter(code__in=codes)},
        "payments": list(invoice.payments.select_related("added_by")),
        "credit_notes": list(invoice.credit_notes.all()),
        "events": list(invoice.events.select_related("by")),
        **_einvoice_context(invoice, invoice.client),
        **sendings_context(invoice, reverse("invoices:sendings", args=[pk])),
        "nav_section": "invoices",
    }


def _einvoice_context(document, client) -> dict:
    """What to fill for a valid e-invoice, asked only of issued documents (a draft
    has no e-invoice yet). The account read for it is the page's `account` too, so
    the context processor's isn't read a second time."""
    account = AccountSettings.load()
    missing = facturx.missing_for_einvoice(account, client) if document.issued else []
    return {"account": account, "einvoice_missing": missing}


def _factur_x_response(document, kind: str) -> HttpResponse:
    filename = f"{kind}-{document.reference}-factur-x.xml"
    return HttpResponse(
        facturx.cii_xml(document),
        content_type="application/xml; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )


def invoice_factur_x(request, pk: int):
    """The issued invoice's e-invoice XML on its own, as the PDF embeds it."""
    require_area(request, AREA)
    invoice = get_object_or_404(
        Invoice.objects.select_related("client_company", "client_contact"),
        pk=pk,
        issued_at__isnull=False,
    )
    return _factur_x_response(invoice, "invoice")


def credit_note_factur_x(request, pk: int):
    require_area(request, AREA)
    note = get_object_or_404(
        CreditNote.objects.select_related(
            "invoice", "invoice__client_company", "invoice__client_contact"
        ),
        pk=pk,
        issued_at__isnull=False,
    )
    return _factur_x_response(note, "credit-note")


def invoice_detail(request, pk: int):
    """The invoice laid out as the document, with what has been paid and credited
    against it and its history. A payment or a credit note refreshes the page's money
    (`invoiceChanged`)."""
    require_area(request, AREA)
    context = _invoice_context(request, pk)
    template = "billing/invoice_detail.html"
    if request.htmx and request.htmx.target == "invoice-page":
        template += "#invoice-page"
        context["oob"] = True
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@require_POST
def invoice_issue(request, pk: int):
    require_area(request, AREA)
    invoice = get_object_or_404(Invoice, pk=pk)
    try:
        invoice = invoicing.issue_invoice(invoice, by=request.user)
    except ValidationError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, f"Invoice {invoice.reference} was issued.")
    return redirect("invoices:detail", pk=pk)


@require_POST
def invoice_delete(request, pk: int):
    require_area(request, AREA)
    invoice = get_object_or_404(Invoice, pk=pk)
    try:
        invoicing.delete_invoice(invoice)
    except ValidationError as exc:
        messages.error(request, refusal_text(exc))
        return redirect("invoices:detail", pk=pk)
    messages.success(request, f"Draft invoice #{pk} was deleted.")
    return redirect("invoices:list")


# --- payments --------------------------------------------------------------------


def payment_add(request, pk: int):
    """Record a payment: a form in the invoice page's modal (a page of its own when
    opened directly). Success closes the modal and refreshes the invoice's money."""
    require_area(request, AREA)
    invoice = get_object_or_404(queries.with_balance(Invoice.objects.all()), pk=pk)
    symbol = AccountSettings.load().currency_symbol
    initial = {
        "amount": f"{max(invoice.balance, 0):.2f}",
        "date": timezone.localdate(),
        "method": Payment.Method.BACS,
    }
    form = PaymentForm(request.POST or None, initial=initial, currency_symbol=symbol)
    if request.method == "POST" and form.is_valid():
        try:
            payment = invoicing.record_payment(
                invoice=invoice, added_by=request.user, **form.service_values()
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            text = f"A payment of {symbol}{payment.amount:,.2f} was recorded."
            if not request.htmx:
                messages.success(request, text)
                return redirect("invoices:detail", pk=pk)
            response = HttpResponse(status=204)
            return htmx_events(
                response,
                closeModal=True,
                invoiceChanged=True,
                showMessage={"level": "success", "text": text},
            )
    context = {
        "form": form,
        "invoice": invoice,
        "title": f"Record a payment against invoice {invoice.reference or f'#{invoice.pk}'}",
        "action": request.path,
        "submit_label": "Record payment",
        "nav_section": "invoices",
    }
    template = "components/modal_form.html" if request.htmx else "billing/payment_add.html"
    return render(request, template, context)


@require_POST
def payment_delete(request, pk: int):
    require_area(request, AREA)
    payment = get_object_or_404(Payment.objects.select_related("invoice"), pk=pk)
    invoice_id = payment.invoice_id
    invoicing.delete_payment(payment)
    symbol = AccountSettings.load().currency_symbol
    text = f"The payment of {symbol}{payment.amount:,.2f} was deleted."
    if not request.htmx:
        messages.success(request, text)
        return redirect("invoices:detail", pk=invoice_id)
    context = {**_invoice_context(request, invoice_id), "oob": True, "focus_payments": True}
    response = render(request, "billing/invoice_detail.html#invoice-page", context)
    return htmx_events(response, showMessage={"level": "success", "text": text})


# --- credit notes ----------------------------------------------------------------


def _credit_note_page(request, *, form, invoice, note=None, editor_context):
    if note is None:
        title = f"Credit note against invoice {invoice.reference}"
    else:
        title = f"Edit draft credit note #{note.pk}"
    context = {
        "form": form,
        "invoice": invoice,
        "note": note,
        "title": title,
        "nav_section": "invoices",
        "lines_take_focus": _lines_take_focus(form),
        # Where a new credit note starts, when the invoice's lines fit the page.
        "offer_starts": note is None and fits_the_editor(invoice.items),
        **editor_context,
    }
    return render(request, "billing/credit_note_form.html", context)


def _save_credit_note(request, invoice: Invoice, note: CreditNote | None):
    page_kwargs = {"invoice": invoice, "note": note}
    if request.method != "POST":
        if note is not None:
            editor = LinesEditor.from_stored(note.items)
            discount = note.discount
        elif request.GET.get("start") == "one" or not fits_the_editor(invoice.items):
            title = f"Credit against invoice {invoice.reference}"
            editor = LinesEditor.one_line(title, stored_first_taxcode(invoice.items))
            # An amount is credited as typed.
            discount = Decimal(0)
        else:
            # The lines as they were sold: at the invoice's discount.
            editor = LinesEditor.from_stored(invoice.items)
            discount = invoice.discount
        day = timezone.localdate(note.date) if note else timezone.localdate()
        initial = {"date": day, "discount": f"{discount.normalize():f}"}
        form = CreditNoteForm(initial=initial, note=note)
        context = _editor_context(editor, discount=discount)
        return _credit_note_page(request, form=form, editor_context=context, **page_kwargs)
    editor = LinesEditor.from_post(request.POST)
    if request.POST.get("action"):
        form = CreditNoteForm(initial=request.POST.dict(), note=note)
        return _editor_action(
            request,
            editor,
            page=lambda request, **kw: _credit_note_page(request, form=form, **page_kwargs, **kw),
        )
    form = CreditNoteForm(request.POST, note=note)
    if form.is_valid():
        fields = {**form.service_values(), "items": editor.service_items()}
        try:
            if note is None:
                note = invoicing.create_credit_note(
                    invoice=invoice, added_by=request.user, actor=request.user, **fields
                )
            else:
                note = invoicing.update_credit_note(note, actor=request.user, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Draft credit note #{note.pk} was saved.")
            return redirect("invoices:credit_note", pk=note.pk)
    context = _editor_context(editor, discount=request.POST.get("discount"))
    return _credit_note_page(request, form=form, editor_context=context, **page_kwargs)


def credit_note_create(request, pk: int):
    """Raise a credit note against an issued invoice: its lines to start from (all the
    invoice's, or one line for an amount), changed in the same editor as an invoice's."""
    require_area(request, AREA)
    invoice = get_object_or_404(Invoice, pk=pk)
    if not invoice.issued:
        messages.info(request, "A draft invoice is changed, not credited: edit it instead.")
        return redirect("invoices:detail", pk=pk)
    return _save_credit_note(request, invoice, None)


def credit_note_edit(request, pk: int):
    require_area(request, AREA)
    note = get_object_or_404(CreditNote.objects.select_related("invoice"), pk=pk)
    if note.issued:
        messages.info(request, f"Credit note {note.reference} is issued: it stays as it is.")
        return redirect("invoices:credit_note", pk=pk)
    if not fits_the_editor(note.items):
        return _too_big(request, str(note), reverse("invoices:credit_note", args=[pk]))
    return _save_credit_note(request, note.invoice, note)


def credit_note_detail(request, pk: int):
    require_area(request, AREA)
    note = get_object_or_404(
        CreditNote.objects.select_related(
            "invoice", "invoice__client_company", "invoice__client_contact", "pdf"
        ),
        pk=pk,
    )
    document = document_layout(note.items, note.discount)
    codes = [share.code for share in document["totals"].taxes]
    context = {
        **panel_context(note),
        "note": note,
        "invoice": note.invoice,
        "document": document,
        "tax_names": {t.code: t for t in TaxCode.objects.filter(code__in=codes)},
        "events": list(note.events.select_related("by")),
        **_einvoice_context(note, note.invoice.client),
        **sendings_context(note, reverse("invoices:credit_note_sendings", args=[pk])),
        "nav_section": "invoices",
    }
    return render(request, "billing/credit_note_detail.html", context)


@require_POST
def credit_note_issue(request, pk: int):
    require_area(request, AREA)
    note = get_object_or_404(CreditNote, pk=pk)
    try:
        note = invoicing.issue_credit_note(note, by=request.user)
    except ValidationError as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, f"Credit note {note.reference} was issued.")
    return redirect("invoices:credit_note", pk=pk)


@require_POST
def credit_note_delete(request, pk: int):
    require_area(request, AREA)
    note = get_object_or_404(CreditNote, pk=pk)
    try:
        invoicing.delete_credit_note(note)
    except ValidationError as exc:
        messages.error(request, refusal_text(exc))
        return redirect("invoices:credit_note", pk=pk)
    messages.success(request, f"Draft credit note #{pk} was deleted.")
    return redirect("invoices:detail", pk=note.invoice_id)


# --- sending a document (invoices, credit notes; proposals use the same two views) ---


def send_dialog(request, document, *, sendings_url: str):
    """The Send dialog in the document page's modal (a page of its own when opened
    directly): the client's people to tick, users to copy, the message. Sending queues
    it for the worker; the page's Deliveries list shows how it goes."""
    people = delivery.client_people(document)
    initial = {
        "to": [str(pk) for pk in delivery.default_recipients(document)],
        "bcc": list(getattr(document, "email_bcc", None) or []),
        "message": getattr(document, "email_message", "") or delivery.default_message(document),
    }
    form = SendForm(
        request.POST or None, initial=initial, people=people, users=delivery.user_choices()
    )
    label = delivery.document_label(document)
    if request.method == "POST" and form.is_valid():
        try:
            delivery.request_sending(document, by=request.user, **form.service_values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            text = f"{label} is on its way: see Deliveries for when it is sent."
            if not request.htmx:
                messages.success(request, text)
                return redirect(sendings_url)
            return htmx_events(
                HttpResponse(status=204),
                closeModal=True,
                sendingsChanged=True,
                showMessage={"level": "success", "text": text},
            )
    context = {
        "form": form,
        "title": f"Send {label}",
        "action": request.path,
        "submit_label": "Send",
        "back_url": sendings_url,
        "nav_section": "proposals" if label.startswith("Proposal") else "invoices",
    }
    template = "components/modal_form.html" if request.htmx else "billing/send_page.html"
    return render(request, template, context)


def sendings_panel(request, document, *, panel_url: str):
    """The document's Deliveries: each sending's recipients and state, the reason of a
    failure; it asks again every few seconds while one is under way."""
    return render(request, "billing/_sendings.html", sendings_context(document, panel_url))


def sendings_context(document, sendings_url: str) -> dict:
    sendings = delivery.sendings_for_showing(document)
    return {
        "sendings": sendings,
        "sendings_pending": any(sending.pending for sending in sendings),
        "sendings_url": sendings_url,
        "can_send": delivery.can_be_sent(document),
        "sendemail": getattr(document, "sendemail", False),
        "max_attempts": delivery.MAX_ATTEMPTS,
    }


def invoice_send(request, pk: int):
    require_area(request, AREA)
    invoice = get_object_or_404(
        Invoice.objects.select_related("client_company", "client_contact"), pk=pk
    )
    return send_dialog(request, invoice, sendings_url=reverse("invoices:detail", args=[pk]))


def invoice_sendings(request, pk: int):
    require_area(request, AREA)
    invoice = get_object_or_404(Invoice, pk=pk)
    return sendings_panel(request, invoice, panel_url=reverse("invoices:sendings", args=[pk]))


def credit_note_send(request, pk: int):
    require_area(request, AREA)
    note = get_object_or_404(
        CreditNote.objects.select_related(
            "invoice", "invoice__client_company", "invoice__client_contact"
        ),
        pk=pk,
    )
    return send_dialog(request, note, sendings_url=reverse("invoices:credit_note", args=[pk]))


def credit_note_sendings(request, pk: int):
    require_area(request, AREA)
    note = get_object_or_404(CreditNote, pk=pk)
    return sendings_panel(
        request, note, panel_url=reverse("invoices:credit_note_sendings", args=[pk])
    )
