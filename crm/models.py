import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from config.addresses import ADDRESS_KEYS


def new_address_id() -> str:
    # Depot gives each address a short opaque id ("4f0c0021c7405").
    return uuid.uuid4().hex[:13]


class Tag(models.Model):
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="crm_tag_name_ci_unique")]

    def __str__(self):
        return self.name


class AddressFields(models.Model):
    address_id = models.CharField(max_length=20, default=new_address_id, editable=False)
    line1 = models.CharField("address line 1", max_length=200, blank=True)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    line3 = models.CharField("address line 3", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    district = models.CharField("county / district", max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)

    class Meta:
        abstract = True

    ADDRESS_KEYS = ADDRESS_KEYS

    @property
    def address(self) -> dict:
        return {"id": self.address_id, **{key: getattr(self, key) for key in self.ADDRESS_KEYS}}

    @property
    def address_lines(self) -> list[str]:
        parts = [self.line1, self.line2, self.line3, self.city, self.district, self.postcode]
        return [part for part in [*parts, self.country] if part]


class Connection(AddressFields):
    """What companies and people share: contact details, tags, custom fields."""

    telephone = models.CharField(max_length=50, blank=True)
    notes = models.TextField(blank=True)
    # Ordered [{"title": ..., "value": ...}] pairs; the API shows them as {title: value}.
    customfields = models.JSONField(default=list, blank=True)
    creditlimit = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # Ids in outside accounting systems, e.g. {"xero": "abc-123"}.
    accountsdata = models.JSONField(default=dict, blank=True)
    added = models.DateTimeField(auto_now_add=True)
    lastupdated = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class Company(Connection):
    name = models.CharField(max_length=200)
    # Lower-cased name: exact look-ups (companyname on contacts) and prefix search.
    search_name = models.CharField(max_length=200, db_index=True, editable=False)
    website = models.CharField(max_length=200, blank=True)
    is_supplier = models.BooleanField("supplier", default=False)
    is_customer = models.BooleanField("customer", default=True)
    image = models.ImageField(upload_to="companies/", blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="companies")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"
        indexes = [
            models.Index(fields=["name", "id"], name="crm_company_name_idx"),
            # The API's default order (config.api: search_name, then id), read
            # straight from the index rather than sorted after it.
            models.Index(fields=["search_name", "id"], name="crm_company_search_idx"),
        ]

    CODE = "C"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = company_search_key(self.name)
        super().save(*args, **kwargs)

    @property
    def website_url(self) -> str:
        """The website as a link target: http(s) only, so a value saved before
        websites were checked (javascript:…) is shown but never linked."""
        website = self.website.strip()
        if "://" not in website:
            return f"https://{website}" if website else ""
        return website if website.lower().startswith(("http://", "https://")) else ""

    @property
    def code(self) -> str:
        return f"C{self.pk}"


class Contact(Connection):
    """A person, on their own or in a company."""

    title = models.CharField(max_length=30, blank=True)
    firstname = models.CharField("first name", max_length=100, blank=True)
    lastname = models.CharField("last name", max_length=100, blank=True)
    othernames = models.CharField("other names", max_length=100, blank=True)
    fullname = models.CharField("name", max_length=300)
    # Lower-cased name without the title, and the last name alone, so a search for
    # the start of either first or last name is an index range scan.
    search_name = models.CharField(max_length=300, db_index=True, editable=False)
    search_last = models.CharField(max_length=100, db_index=True, editable=False)
    email = models.EmailField(blank=True, db_index=True)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    position = models.CharField(max_length=150, blank=True)
    image = models.ImageField(upload_to="contacts/", blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts")

    class Meta:
        ordering = ["fullname"]
        verbose_name = "person"
        verbose_name_plural = "people"
        indexes = [
            models.Index(fields=["fullname", "id"], name="crm_contact_fullname_idx"),
            # The API's default order: a page of people was a sort after the name
            # index (0.23 ms of PostgreSQL's CPU a call, 0.09 with this).
            models.Index(fields=["search_name", "id"], name="crm_contact_search_idx"),
            # The people list's order whole (queries.PEOPLE_LIST_ORDER): a page, deep
            # ones too, is read from the index with no sort.
            models.Index(fields=["lastname", "firstname", "id"], name="crm_contact_last_first_idx"),
            models.Index(fields=["company", "fullname"], name="crm_contact_company_idx"),
        ]

    CODE = "I"

    def __str__(self):
        return self.fullname

    def save(self, *args, **kwargs):
        self.search_name, self.search_last = contact_search_keys(
            self.fullname, self.title, self.lastname
        )
        super().save(*args, **kwargs)

    @property
    def code(self) -> str:
        return f"I{self.pk}"


def company_search_key(name: str) -> str:
    """How a company name is matched: any case, runs of spaces as one."""
    return " ".join(name.split()).lower()


def contact_search_keys(fullname: str, title: str, lastname: str) -> tuple[str, str]:
    name = " ".join(fullname.split()).lower()
    title = title.strip().lower()
    if title and name.startswith(title + " "):
        name = name[len(title) + 1 :]
    return name, lastname.strip().lower()


class Activity(models.Model):
    """A journal entry: a comment, a logged call or email, or a note that a document
    was sent. `for_type` + `for_id` point at any item by its Depot code (C41, I5, P1...)."""

    class Type(models.TextChoices):
        ANNOUNCEMENT = "A", "Announcement"
        INVOICE = "B", "Invoice"
        COMMENT = "C", "Comment"
        CREDIT_NOTE = "K", "Credit note"
        PROPOSAL = "Q", "Proposal"

    class Subtype(models.TextChoices):
        NONE = "", "Comment"
        EMAIL = "email", "Email"
        CALL_IN = "callin", "Call in"
        CALL_OUT = "callout", "Call out"

    title = models.CharField(max_length=250)
    type = models.CharField(max_length=1, choices=Type.choices, default=Type.COMMENT)
    subtype = models.CharField(max_length=10, choices=Subtype.choices, blank=True)
    for_type = models.CharField(max_length=1)
    for_id = models.PositiveBigIntegerField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="journal_entries"
    )
    date = models.DateTimeField()
    content = models.TextField(blank=True)
    replyto = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    # Recipients and the document file of "sent" entries, as Depot shows them.
    extra = models.JSONField(default=dict, blank=True)
    added = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name_plural = "activity"
        indexes = [
            models.Index(fields=["for_type", "for_id", "-date"], name="crm_activity_for_idx"),
            models.Index(fields=["added_by", "-date"], name="crm_activity_by_idx"),
            models.Index(fields=["type", "-date"], name="crm_activity_type_idx"),
            # The dashboard's latest journal: the newest entries, walked from the top.
            models.Index(fields=["-date", "-id"], name="crm_activity_newest_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def for_code(self) -> str:
        return f"{self.for_type}{self.for_id}"


class ActivityFile(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to="journal/%Y/%m/")
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    uploaded = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded", "id"]

    def __str__(self):
        return self.name


class ImportJob(models.Model):
    """A CSV import the worker runs, and how far it has got: the import page polls it
    to show a progress bar."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=10)  # "people" or "companies"
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # The file's text until the import ends, then cleared: the rows live on as
    # companies and people.
    csv_text = models.TextField(blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    new_companies = models.PositiveIntegerField(default=0)
    # Why it failed, and how far it got first.
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"Import of {self.kind} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
