"""Invoicing the work from the project and job pages: "Invoice unbilled work" makes
a draft of what is still to bill (billing.invoicing.invoice_work) and opens it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from config.pages import refusal_text, require_area
from projects.models import Job, Project

from . import invoicing
from .models import Invoice


def invoice_url(invoice: Invoice) -> str:
    """Where an invoice is opened: a draft in its editor, an issued one as the
    document."""
    return reverse("invoices:detail" if invoice.issued else "invoices:edit", args=[invoice.pk])


def _invoice(request, work: Project | Job, back_to: str):
    require_area(request, "invoices")
    try:
        invoice = invoicing.invoice_work(for_code=f"{work.CODE}{work.pk}", added_by=request.user)
    except ValidationError as exc:
        messages.error(request, refusal_text(exc))
        return redirect(back_to)
    messages.success(
        request,
        f"A draft invoice for {invoice.client} was made from the unbilled work of "
        f"{work.title}: check it, then issue it.",
    )
    return redirect(invoice_url(invoice))


@require_POST
def invoice_project(request, pk: int):
    project = get_object_or_404(Project, pk=pk)
    return _invoice(request, project, reverse("projects:detail", args=[pk]))


@require_POST
def invoice_job(request, pk: int):
    job = get_object_or_404(Job, pk=pk)
    return _invoice(request, job, reverse("projects:job", args=[pk]))
