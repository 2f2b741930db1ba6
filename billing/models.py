import operator
from functools import reduce

from django.conf import settings
from django.db import models
from django.utils import timezone


class TaxCode(models.Model):
    """A VAT/sales-tax rate; `rate` is a fraction (0.2 is 20 %), as the API shows it."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    rate = models.DecimalField(max_digits=6, decimal_places=4)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]

    def __str__(self):
        return f"{self.name} ({(self.rate * 100).normalize():f}%)"


class LedgerCategory(models.Model):
    """A nominal ledger code that invoice lines are posted to."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name_plural = "ledger categories"

    def __str__(self):
        return f"{self.code} {self.name}"


class ChargeRate(models.Model):
    """An hourly rate that time is billed at."""

    name = models.CharField(max_length=100, unique=True)
    rate = models.DecimalField(max_digits=12, decimal_places=2)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return f"{self.name} ({self.rate})"


# --- Documents -------------------------------------------------------------------
#
# Invoices, credit notes, recurring invoices (periodicals) and proposals keep their
# lines as Depot sends them: `items` is a list of sections, each {"title", "items":
# [line, ...]}, cleaned and priced by `billing.totals`. The money columns beside them
# (`total`, `tax`, `grandtotal`) are written from the same computation in the same
# save, so lists and reports can sum them in SQL. What follows from payments and
# credit notes (paid, balance, overdue) is never stored: `billing.queries` annotates it.


def _client_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(client_company__isnull=False, client_contact__isnull=True)
        | models.Q(client_company__isnull=True, client_contact__isnull=False),
        name=name,
    )


def _one_document_constraint(name: str) -> models.CheckConstraint:
    """Rows about an invoice, a credit note or a proposal: exactly one of the three."""
    documents = ("invoice", "credit_note", "proposal")
    return models.CheckConstraint(
        condition=reduce(
            operator.or_,
            (
                models.Q(**{f"{column}__isnull": column != about for column in documents})
                for about in documents
            ),
        ),
        name=name,
    )


def _percentage_constraint(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__gte": 0, f"{field}__lte": 100}), name=name
    )


class Product(models.Model):
    """A catalogue entry to pick invoice lines from (DESIGN §8, from Dokus)."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    unitprice = models.DecimalField(max_digits=12, decimal_places=2)
    taxcode = models.CharField(max_length=20, blank=True)
    category = models.CharField(max_length=20, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Invoice(models.Model):
    """A bill to one client. A draft until issued; `reference` comes from the
    account's `nextinvoiceid` counter in the transaction that issues it, and from then
    on the money fields and the lines are fixed (a credit note corrects it)."""

    reference = models.CharField(max_length=20, null=True, blank=True, unique=True)
    ready = models.BooleanField(default=False)
    issued_at = models.DateTimeField(null=True, blank=True)
    date = models.DateTimeField(default=timezone.now)
    terms = models.PositiveIntegerField(default=30)
    # date + terms, written with them: the overdue filter and tab read an index.
    due = models.DateTimeField()
    purchaseorder = models.CharField(max_length=100, blank=True)
    discount = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    client_company = models.ForeignKey(
        "crm.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    client_contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    # Depot's `for`: the project (P…) or job (J…) it bills; a job's project is kept too.
    project = models.ForeignKey(
        "projects.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    job = models.ForeignKey(
        "projects.Job", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    items = models.JSONField(default=list, blank=True)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    tax = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    grandtotal = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    sendemail = models.BooleanField(default=False)
    email_to = models.JSONField(default=list, blank=True)  # contact ids
    email_bcc = models.JSONField(default=list, blank=True)  # user emails
    email_message = models.TextField(blank=True)
    # The recurring invoice that made it and the period it bills: one invoice per
    # period, whatever the worker does (the unique constraint below).
    periodical = models.ForeignKey(
        "Periodical", null=True, blank=True, on_delete=models.SET_NULL, related_name="invoices"
    )
    period = models.DateField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="added_invoices"
    )
    added = models.DateTimeField(default=timezone.now)
    lastupdated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["date", "id"]),
            models.Index(fields=["issued_at", "due"]),
            # The oldest debts: invoices by due date, walked until enough are owed.
            models.Index(fields=["due", "id"]),
            models.Index(fields=["client_company", "date"]),
            models.Index(fields=["client_contact", "date"]),
        ]
        constraints = [
            _client_constraint("invoice_has_one_client"),
            _percentage_constraint("discount", "invoice_discount_is_a_percentage"),
            models.UniqueConstraint(fields=["periodical", "period"], name="one_invoice_per_period"),
            models.CheckConstraint(
                condition=models.Q(issued_at__isnull=True) | models.Q(reference__isnull=False),
                name="issued_invoice_has_a_reference",
            ),
        ]

    def __str__(self):
        return f"Invoice {self.reference}" if self.reference else f"Draft invoice #{self.pk}"

    @property
    def issued(self) -> bool:
        return self.issued_at is not None

    @property
    def client(self):
        return self.client_company or self.client_contact


class CreditNote(models.Model):
    """Money given back against an issued invoice, with its own counter
    (`nextcreditid`) and the invoice's lifecycle: a draft until issued, fixed after."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    reference = models.CharField(max_length=20, null=True, blank=True, unique=True)
    ready = models.BooleanField(default=False)
    issued_at = models.DateTimeField(null=True, blank=True)
    date = models.DateTimeField(default=timezone.now)
    items = models.JSONField(default=list, blank=True)
    # Lines credited as they were sold come off at the invoice's discount, or the
    # credit would be more than was charged for them.
    discount = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    tax = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    grandtotal = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    sendemail = models.BooleanField(default=False)
    email_to = models.JSONField(default=list, blank=True)
    email_bcc = models.JSONField(default=list, blank=True)
    email_message = models.TextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="added_credit_notes"
    )
    added = models.DateTimeField(default=timezone.now)
    lastupdated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["date", "id"]),
            models.Index(fields=["invoice", "issued_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(issued_at__isnull=True) | models.Q(reference__isnull=False),
                name="issued_credit_note_has_a_reference",
            ),
            models.CheckConstraint(
                condition=models.Q(grandtotal__gte=0), name="credit_note_is_not_negative"
            ),
        ]

    def __str__(self):
        return (
            f"Credit note {self.reference}" if self.reference else f"Draft credit note #{self.pk}"
        )

    @property
    def issued(self) -> bool:
        return self.issued_at is not None


class DocumentEvent(models.Model):
    """Depot's `issuehistory`: when an invoice or a credit note was issued, when an
    invoice, a credit note or a proposal was sent (billing.delivery), and by whom."""

    class Kind(models.TextChoices):
        ISSUED = "issued", "Issued"
        SENT = "sent", "Sent"

    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    credit_note = models.ForeignKey(
        CreditNote, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    proposal = models.ForeignKey(
        "Proposal", null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [_one_document_constraint("document_event_is_about_one_document")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class Payment(models.Model):
    """Money received against an issued invoice. Never edited (Depot's rule);
    deleting one gives the invoice its balance back."""

    class Method(models.TextChoices):
        BACS = "BACS", "BACS"
        CARD = "Card", "Card"
        CHEQUE = "Cheque", "Cheque"
        CASH = "Cash", "Cash"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    date = models.DateField()
    method = models.CharField(max_length=10, choices=Method.choices)
    note = models.TextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="added_payments",
    )
    added = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["date", "id"]), models.Index(fields=["invoice", "date"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_is_positive")
        ]

    def __str__(self):
        return f"{self.amount} on {self.date}"


class Periodical(models.Model):
    """A recurring invoice: every `repeatinterval` days, weeks, months or years from
    `first` until `last` (or for ever), one invoice per period, made and issued by
    the worker. Periods are counted from `first`, never from the last run, so a
    worker that was down catches up without doubling any."""

    class Repeat(models.TextChoices):
        DAY = "D", "Daily"
        WEEK = "W", "Weekly"
        MONTH = "M", "Monthly"
        YEAR = "Y", "Yearly"

    title = models.CharField(max_length=200)
    client_company = models.ForeignKey(
        "crm.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="periodicals"
    )
    client_contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="periodicals"
    )
    items = models.JSONField(default=list, blank=True)
    discount = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    tax = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    grandtotal = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    terms = models.PositiveIntegerField(default=30)
    repeat = models.CharField(max_length=1, choices=Repeat.choices, default=Repeat.MONTH)
    repeatinterval = models.PositiveSmallIntegerField(default=1)
    first = models.DateField()
    last = models.DateField(null=True, blank=True)
    purchaseorder = models.CharField(max_length=100, blank=True)
    sendemail = models.BooleanField(default=False)
    email_to = models.JSONField(default=list, blank=True)
    email_bcc = models.JSONField(default=list, blank=True)
    email_message = models.TextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="added_periodicals"
    )
    added = models.DateTimeField(default=timezone.now)
    lastupdated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            _client_constraint("periodical_has_one_client"),
            _percentage_constraint("discount", "periodical_discount_is_a_percentage"),
            models.CheckConstraint(
                condition=models.Q(repeatinterval__gte=1), name="periodical_interval_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(last__isnull=True) | models.Q(last__gte=models.F("first")),
                name="periodical_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def client(self):
        return self.client_company or self.client_contact


class Proposal(models.Model):
    """An offer of work: jobs of items (hours × rate), priced like an invoice.

    Its id is a number from the account's proposal/project counter, so the project
    made from it when it is accepted keeps the same number (DESIGN §4)."""

    class Status(models.TextChoices):
        PENDING = "P", "Pending"
        ACCEPTED = "A", "Accepted"
        REJECTED = "X", "Rejected"

    id = models.PositiveIntegerField(primary_key=True)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=1, choices=Status.choices, default=Status.PENDING)
    client_company = models.ForeignKey(
        "crm.Company", null=True, blank=True, on_delete=models.PROTECT, related_name="proposals"
    )
    client_contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="proposals"
    )
    overview = models.TextField(blank=True)
    expanded = models.JSONField(default=list, blank=True)
    conclusion = models.JSONField(default=list, blank=True)
    # [{"name", "brief", "discount", "print", "team", "items": [{"name", "brief",
    #   "hours", "rate", "taxcode", "type", "print", "category", ...}]}]
    jobs = models.JSONField(default=list, blank=True)
    discount = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    tax = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    grandtotal = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    printtotal = models.BooleanField(default=True)
    submitdate = models.DateField(null=True, blank=True)
    # The project made from it once accepted ("Create project").
    project = models.OneToOneField(
        "projects.Project",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposal",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="added_proposals"
    )
    added = models.DateTimeField(default=timezone.now)
    lastupdated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "id"]), models.Index(fields=["title"])]
        constraints = [
            _client_constraint("proposal_has_one_client"),
            _percentage_constraint("discount", "proposal_discount_is_a_percentage"),
        ]

    def __str__(self):
        return self.title

    @property
    def client(self):
        return self.client_company or self.client_contact


class InvoicedTime(models.Model):
    """A time entry billed on an invoice: one row per entry, so nothing is billed
    twice (the unique key); deleting the draft frees the time again (cascade)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="invoiced_time")
    time_entry = models.OneToOneField(
        "projects.TimeEntry", on_delete=models.PROTECT, related_name="invoiced"
    )

    def __str__(self):
        return f"Time entry {self.time_entry_id} on invoice {self.invoice_id}"


class InvoicedItem(models.Model):
    """A fixed-price or external job item billed on an invoice: such an item is billed
    once (the unique key), whatever later happens to the draft's lines; deleting the
    draft frees it again (cascade). Hourly items are billed by their time instead
    (`InvoicedTime`)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="invoiced_items")
    item = models.OneToOneField(
        "projects.JobItem", on_delete=models.PROTECT, related_name="invoiced"
    )

    class Meta:
        # How a refused deletion of the item names it: "… while it has 1 invoice line".
        verbose_name = "invoice line"

    def __str__(self):
        return f"Job item {self.item_id} on invoice {self.invoice_id}"


class DocumentPdf(models.Model):
    """The PDF of an invoice, a credit note or a proposal, and where its rendering
    stands (billing.pdfs). A draft's is rendered again whenever the draft changes,
    with a DRAFT mark; an issued document's is rendered once as issued and then kept
    as it is (`final`): it is what the client received."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    invoice = models.OneToOneField(
        Invoice, null=True, blank=True, on_delete=models.CASCADE, related_name="pdf"
    )
    credit_note = models.OneToOneField(
        CreditNote, null=True, blank=True, on_delete=models.CASCADE, related_name="pdf"
    )
    proposal = models.OneToOneField(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="pdf"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    # Why the last rendering failed, in words a user can act on.
    reason = models.CharField(max_length=500, blank=True)
    file = models.FileField(upload_to="documents/", max_length=200, blank=True)
    # The document's `lastupdated` that the file shows: a rendering of an older
    # version that ends after a newer one is not kept.
    shows_version = models.DateTimeField(null=True, blank=True)
    final = models.BooleanField(default=False)
    requested = models.DateTimeField(default=timezone.now)
    rendered = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [_one_document_constraint("document_pdf_is_of_one_document")]

    def __str__(self):
        return self.file.name or f"PDF {self.pk}"


class DocumentSending(models.Model):
    """One sending of an invoice, a credit note or a proposal by email (billing.delivery):
    to whom, what it said, and where it stands. The worker moves it from queued to
    sending (a conditional UPDATE only one run wins) and then to sent, or to failed with
    the reason while huey tries again; a run that finds it sending or sent does nothing,
    so it is sent once however often its task runs."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    invoice = models.ForeignKey(
        Invoice, null=True, blank=True, on_delete=models.CASCADE, related_name="sendings"
    )
    credit_note = models.ForeignKey(
        CreditNote, null=True, blank=True, on_delete=models.CASCADE, related_name="sendings"
    )
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="sendings"
    )
    # As they were when it was asked for: [{"id", "name", "email"}] for the client's
    # people it goes to, and the users' emails it is copied to.
    recipients = models.JSONField(default=list)
    bcc = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    # Why the last attempt failed, in words a user can act on.
    reason = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Made once when it is queued and sent with every attempt: a message a server took
    # without saying so, then sent again, is recognised as the same one.
    message_id = models.CharField(max_length=250, unique=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested = models.DateTimeField(default=timezone.now)
    # When the last attempt began: a sending still "sending" long after it was
    # interrupted (billing.delivery says what that means).
    attempted = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested", "-id"]
        indexes = [models.Index(fields=["state", "requested"])]
        constraints = [_one_document_constraint("document_sending_is_of_one_document")]

    def __str__(self):
        return f"{self.get_state_display()} to {', '.join(r['name'] for r in self.recipients)}"

    @property
    def document(self):
        return self.invoice or self.credit_note or self.proposal


class Export(models.Model):
    """An accountants' export (billing.exports): a ZIP of every issued invoice's and
    credit note's PDF dated in a period, with a CSV of their money, built by the
    worker. The page polls `done` of `total` while it builds."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="billing_exports"
    )
    date_from = models.DateField()
    date_to = models.DateField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # Why it failed, in words a user can act on.
    reason = models.CharField(max_length=500, blank=True)
    # Under MEDIA_ROOT/exports/, served only by the exports page's download view.
    file = models.FileField(upload_to="exports/", max_length=200, blank=True)
    created = models.DateTimeField(default=timezone.now)
    # When the worker last recorded progress: an export long untouched was lost with
    # its worker, and stops counting against its requester's running exports.
    touched = models.DateTimeField(default=timezone.now)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["requested_by", "-created"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_from__lte=models.F("date_to")),
                name="export_period_in_order",
            )
        ]

    def __str__(self):
        return f"Export {self.date_from} to {self.date_to} ({self.get_state_display()})"

    @property
    def is_running(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.BUILDING)
