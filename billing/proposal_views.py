"""Proposal pages: the list, a proposal's page (accept, reject, reopen, and "Create
project" once accepted), and its editor: jobs of items and sections added, removed and
moved in place, and the totals worked out by the server as one types (htmx)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from config.pages import add_service_errors, refusal_text, require_area
from projects import queries as project_queries
from projects.models import JobItem

from . import proposals, queries
from .forms import EditorRows, ProposalForm
from .invoice_views import send_dialog, sendings_context, sendings_panel
from .models import LedgerCategory, Proposal, TaxCode
from .pdf_views import panel_context
from .tables import ProposalTable
from .templatetags.billing_tags import percent
from .totals import Totals, item_net, job_net, proposal_totals

LIST_PAGE_SIZE = 25
NAV = "proposals"
# What the editor holds as rows rather than fields: their problems show over them.
ROW_FIELDS = ("jobs", "expanded", "conclusion")


def _filters(request) -> dict:
    """The list's filters as the query takes them; an unknown status is ignored."""
    status = request.GET.get("status", "")
    return {
        "search": request.GET.get("search", "").replace("\x00", "").strip()[:200],
        "statuses": [status] if status in Proposal.Status.values else None,
    }


def proposal_list(request):
    require_area(request, "proposals")
    filters = _filters(request)
    table = ProposalTable(
        queries.proposals_for_list(**filters), order_by=request.GET.get("sort") or None
    )
    RequestConfig(request, paginate={"per_page": LIST_PAGE_SIZE}).configure(table)
    context = {
        "table": table,
        "search": filters["search"],
        "status": (filters["statuses"] or [""])[0],
        "statuses": Proposal.Status.choices,
        "nav_section": NAV,
    }
    template = "billing/proposal_list.html"
    if request.htmx and request.htmx.target == "proposals":
        template += "#proposals-table"
        context["sort_oob"] = True
    response = render(request, template, context)
    # The same URL answers a page or a table: caches (and Back) must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


def proposal_detail(request, pk: int):
    require_area(request, "proposals")
    proposal = get_object_or_404(
        Proposal.objects.select_related("client_company", "client_contact", "added_by", "pdf"),
        pk=pk,
    )
    context = {
        **panel_context(proposal),
        "proposal": proposal,
        "jobs": [
            {
                "job": job,
                "net": job_net(job),
                "items": [(item, item_net(item)) for item in job["items"]],
            }
            for job in proposal.jobs
        ],
        "totals": proposal_totals(proposal.jobs, proposal.discount),
        "tax_names": dict(TaxCode.objects.values_list("code", "name")),
        "can_make_project": request.user.can("projects"),
        **sendings_context(proposal, reverse("proposals:sendings", args=[pk])),
        "nav_section": NAV,
    }
    return render(request, "billing/proposal_detail.html", context)


@require_POST
def proposal_status(request, pk: int):
    """Accept, reject or reopen (back to pending) a proposal."""
    require_area(request, "proposals")
    proposal = get_object_or_404(Proposal, pk=pk)
    status = request.POST.get("status", "")
    try:
        proposal = proposals.update_proposal(proposal, status=status)
    except ValidationError as exc:
        messages.error(request, refusal_text(exc))
    else:
        said = {"A": "accepted", "X": "rejected", "P": "pending again"}[proposal.status]
        messages.success(request, f"Proposal {proposal.pk}, {proposal.title}, is {said}.")
    return redirect("proposals:detail", pk=pk)


@require_POST
def proposal_make_project(request, pk: int):
    """The accepted proposal's project, with its jobs and items; then its page."""
    require_area(request, "proposals")
    require_area(request, "projects")
    proposal = get_object_or_404(Proposal, pk=pk)
    try:
        project = proposals.create_project_from_proposal(
            proposal, added_by=request.user, actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, refusal_text(exc))
        return redirect("proposals:detail", pk=pk)
    messages.success(
        request, f"Project {project.pk}, {project.title}, was made from proposal {proposal.pk}."
    )
    return redirect("projects:detail", pk=project.pk)


@require_POST
def proposal_delete(request, pk: int):
    require_area(request, "proposals")
    proposal = get_object_or_404(Proposal, pk=pk)
    proposals.delete_proposal(proposal)
    messages.success(request, f"Proposal {pk}, {proposal.title}, was deleted.")
    return redirect("proposals:list")


def client_suggestions(request):
    """The options under the client field for what has been typed so far."""
    require_area(request, "proposals")
    typed = " ".join(request.GET.get("client", "").replace("\x00", "").split())[:100]
    context = {"clients": project_queries.client_suggestions(typed)}
    return render(request, "billing/proposal_form.html#client-options", context)


# --- the editor ---------------------------------------------------------------------


@dataclass
class Priced:
    """What the editor shows of its money: the totals and each job's and item's net
    as the service would price them, or the problems that stop it."""

    totals: Totals | None = None
    problems: list[str] = field(default_factory=list)
    job_nets: list[Decimal | None] = field(default_factory=list)
    item_nets: list[list[Decimal | None]] = field(default_factory=list)
    discount: str = "0"


def _priced(rows: EditorRows, discount: str) -> Priced:
    try:
        cleaned, totals = proposals.price_jobs(rows.for_service()["jobs"], discount)
    except ValidationError as exc:
        return Priced(problems=_sentences(exc))
    # Each row's net at its place in the editor; rows left empty have none.
    job_nets = [None] * len(rows.jobs)
    item_nets = [[None] * len(job["items"]) for job in rows.jobs]
    for job, (j, items) in zip(cleaned, rows.kept(), strict=True):
        job_nets[j] = job_net(job)
        for item, i in zip(job["items"], items, strict=True):
            item_nets[j][i] = item_net(item)
    return Priced(totals=totals, job_nets=job_nets, item_nets=item_nets, discount=discount or "0")


def _sentences(exc: ValidationError) -> list[str]:
    """Each of a refusal's messages as a sentence of its own, its field named."""
    return [
        refusal_text(ValidationError({name: [error]}))
        for name, errors in exc.error_dict.items()
        for error in errors
    ]


def _focus_on(focus: str | None, key: str, parts: tuple[str, ...]) -> str:
    """Which of a row's elements ("name", "up", ...) the focus goes to, if any."""
    if focus and focus.startswith(f"{key}-") and focus[len(key) + 1 :] in parts:
        return focus[len(key) + 1 :]
    return ""


def _editor_context(rows: EditorRows, discount: str, *, focus=None, **context) -> dict:
    priced = _priced(rows, discount)
    jobs = []
    for j, job in enumerate(rows.jobs):
        key = f"job-{j}"
        items = []
        for i, item in enumerate(job["items"]):
            item_key = f"{key}-item-{i}"
            items.append(
                {
                    **item,
                    "key": item_key,
                    "focus": _focus_on(focus, item_key, ("name", "up", "down")),
                    "net": priced.item_nets[j][i] if priced.totals else None,
                }
            )
        jobs.append(
            {
                **job,
                "items": items,
                "key": key,
                "focus": _focus_on(focus, key, ("name", "up", "down")),
                "add_focus": focus == f"{key}-add-item",
                "net": priced.job_nets[j] if priced.totals else None,
            }
        )
    section_rows = {
        kind: [
            {
                **section,
                "key": f"{kind}-{k}",
                "focus": _focus_on(focus, f"{kind}-{k}", ("title", "up", "down")),
            }
            for k, section in enumerate(sections)
        ]
        for kind, sections in rows.sections.items()
    }
    tax_codes = [
        (code, f"{code} · {name} ({percent(rate)})")
        for code, name, rate in TaxCode.objects.values_list("code", "name", "rate")
    ]
    ledgers = [
        (code, f"{code} {name}")
        for code, name in LedgerCategory.objects.values_list("code", "name")
    ]
    return {
        "jobs": jobs,
        "section_rows": section_rows,
        "priced": priced,
        "focus": focus,
        "tax_codes": tax_codes,
        "tax_code_values": [code for code, _ in tax_codes],
        "ledgers": ledgers,
        "ledger_values": [code for code, _ in ledgers],
        "item_types": JobItem.Type.choices,
        "item_type_values": JobItem.Type.values,
        **context,
    }


def _editor_page(request, *, form, rows: EditorRows, proposal, problems=None):
    context = _editor_context(
        rows,
        form["discount"].value() or "0",
        form=form,
        proposal=proposal,
        title=f"Edit proposal {proposal.pk}" if proposal else "New proposal",
        problems=problems or {},
        nav_section=NAV,
    )
    return render(request, "billing/proposal_form.html", context)


def _save(request, proposal: Proposal | None):
    form = ProposalForm(
        request.POST or None, initial=ProposalForm.initial_for(proposal) if proposal else None
    )
    if request.method != "POST":
        return _editor_page(request, form=form, rows=EditorRows.of(proposal), proposal=proposal)
    rows = EditorRows.posted(request.POST)
    problems = {}
    if form.is_valid():
        values = {**form.service_values(), **rows.for_service()}
        try:
            if proposal is None:
                proposal = proposals.create_proposal(added_by=request.user, **values)
                said = "was added"
            else:
                proposal = proposals.update_proposal(proposal, **values)
                said = "was saved"
        except ValidationError as exc:
            # The rows' problems show over their lists; the rest on the form's fields.
            rest = dict(exc.error_dict)
            problems = {
                name: _sentences(ValidationError({name: rest.pop(name)}))
                for name in ROW_FIELDS
                if name in rest
            }
            if rest:
                add_service_errors(form, ValidationError(rest))
        else:
            messages.success(request, f"Proposal {proposal.pk}, {proposal.title}, {said}.")
            return redirect("proposals:detail", pk=proposal.pk)
    return _editor_page(request, form=form, rows=rows, proposal=proposal, problems=problems)


def proposal_create(request):
    require_area(request, "proposals")
    return _save(request, None)


def proposal_edit(request, pk: int):
    require_area(request, "proposals")
    proposal = get_object_or_404(
        Proposal.objects.select_related("client_company", "client_contact"), pk=pk
    )
    return _save(request, proposal)


@require_POST
def editor_change(request):
    """A row added, removed or moved in the editor: the region it changed, drawn again
    from the posted form, with the totals beside it."""
    require_area(request, "proposals")
    rows = EditorRows.posted(request.POST)
    region, focus = rows.apply(request.POST.get("op", ""))
    discount = request.POST.get("discount", "")
    if region == "jobs":
        context = _editor_context(rows, discount, focus=focus, oob_totals=True)
        return render(request, "billing/proposal_form.html#jobs-editor", context)
    context = _editor_context(rows, discount, focus=focus, kind=region)
    return render(request, "billing/proposal_form.html#sections-editor", context)


@require_POST
def editor_totals(request):
    """The totals of what the editor holds now, worked out as a save would; each job's
    and item's net swapped in beside it."""
    require_area(request, "proposals")
    rows = EditorRows.posted(request.POST)
    context = _editor_context(rows, request.POST.get("discount", ""), oob_nets=True)
    return render(request, "billing/proposal_form.html#totals", context)


def proposal_send(request, pk: int):
    require_area(request, "proposals")
    proposal = get_object_or_404(
        Proposal.objects.select_related("client_company", "client_contact"), pk=pk
    )
    return send_dialog(request, proposal, sendings_url=reverse("proposals:detail", args=[pk]))


def proposal_sendings(request, pk: int):
    require_area(request, "proposals")
    proposal = get_object_or_404(Proposal, pk=pk)
    return sendings_panel(request, proposal, panel_url=reverse("proposals:sendings", args=[pk]))
