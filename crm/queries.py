"""Reads of connections that the pages, the API and exports share."""

from datetime import UTC, datetime

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from config.api.counts import counted_total
from config.limits import MAX_ID

from .journal import item_names
from .models import Activity, ActivityFile, Company, Contact, Tag, company_search_key

# Ids are bigints; a filter on a larger one matches nothing rather than overflowing.


def _lastupdated_after(moment: datetime | int) -> datetime:
    """`lastupdated` filters take an aware datetime or epoch seconds."""
    if isinstance(moment, datetime):
        return moment
    return datetime.fromtimestamp(moment, tz=UTC)


def search_prefix(text: str) -> str:
    return " ".join(text.split()).lower()


def starts_with(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, in a form the database answers from its index.

    PostgreSQL uses the pattern-ops index Django adds for LIKE 'x%'. SQLite's LIKE is
    case-insensitive and so can't use a BINARY index; a range on the (already
    lower-cased) column can.
    """
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\U0010ffff"})
    return Q(**{f"{field}__startswith": prefix})


def tags_named(name: str):
    """The tag called `name` (any case), as a subquery: the tag links are then read
    through their tag index. Joined and compared by name instead, SQLite read every
    link (50 ms for a common tag at 100,000 people; 16 ms this way)."""
    return Tag.objects.filter(name__iexact=name.strip()).values("pk")


def companies_matching(*, search="", tag="", lastupdated=None, supplier=None):
    companies = Company.objects.all()
    if search:
        # The start of the name or of any later word in it ("quarter" finds
        # "Cathedral Quarter Books"). The later-word half reads every company's key:
        # fine for tens of thousands of companies; people, a hundred times more,
        # keep to indexed prefixes.
        prefix = search_prefix(search)
        companies = companies.filter(
            starts_with("search_name", prefix) | Q(search_name__contains=f" {prefix}")
        )
    if tag:
        companies = companies.filter(tags__in=tags_named(tag))
    if lastupdated is not None:
        companies = companies.filter(lastupdated__gt=_lastupdated_after(lastupdated))
    if supplier is not None:
        companies = companies.filter(is_supplier=supplier)
    return companies


def contacts_matching(
    *, search="", tag="", company=None, isincompany=None, email="", lastupdated=None
):
    contacts = Contact.objects.all()
    if search:
        prefix = search_prefix(search)
        contacts = contacts.filter(
            starts_with("search_name", prefix)
            | starts_with("search_last", prefix)
            | starts_with("email", prefix)
        )
    if tag:
        contacts = contacts.filter(tags__in=tags_named(tag))
    if company is not None:
        in_range = 0 < company <= MAX_ID
        contacts = contacts.filter(company_id=company) if in_range else contacts.none()
    if isincompany is not None:
        contacts = contacts.filter(company__isnull=not isincompany)
    if email:
        contacts = contacts.filter(email=email.strip().lower())
    if lastupdated is not None:
        contacts = contacts.filter(lastupdated__gt=_lastupdated_after(lastupdated))
    return contacts


def sorted_tag_names(names) -> list[str]:
    """Tag names alphabetically whatever their case, the same on every database
    (collations differ)."""
    return sorted(names, key=lambda name: (name.lower(), name))


def tag_names_by_owner(model, ids) -> dict:
    """{id: [tag name, ...]} for the companies or people `ids`, each one's names in
    `sorted_tag_names` order, in one query; those without tags are left out."""
    through = model.tags.through
    owner = f"{model._meta.model_name}_id"
    names: dict = {}
    pairs = through.objects.filter(**{f"{owner}__in": ids}).values_list(owner, "tag__name")
    for owner_id, name in pairs:
        names.setdefault(owner_id, []).append(name)
    return {owner_id: sorted_tag_names(found) for owner_id, found in names.items()}


def journal(*, types=None, for_code=None, by_user=None, roots_only=True):
    entries = Activity.objects.all()
    if roots_only:
        entries = entries.filter(replyto__isnull=True)
    if types:
        entries = entries.filter(type__in=types)
    if for_code is not None:
        letter, object_id = for_code
        if 0 <= object_id <= MAX_ID:
            entries = entries.filter(for_type=letter, for_id=object_id)
        else:
            entries = entries.none()
    if by_user is not None:
        entries = entries.filter(added_by=by_user)
    return entries


def with_journal_details(entries):
    files = Prefetch("files", queryset=ActivityFile.objects.order_by("uploaded", "id"))
    replies = Prefetch(
        "replies",
        queryset=Activity.objects.select_related("added_by")
        .prefetch_related(files)
        .order_by("date", "id"),
    )
    return entries.select_related("added_by").prefetch_related(files, replies)


def attach_tag_lists(records: list) -> list:
    """Sets `tag_list` on each of `records` (people or companies): its tag names in
    the API's order (`tag_names_by_owner`), in one query. A related manager made for
    each row's `tags.all()` cost a 25-row page more than its queries, and Django's
    prefetch builds its filter from one expression per row (a millisecond a page on
    PostgreSQL)."""
    if not records:
        return records
    names = tag_names_by_owner(type(records[0]), [record.pk for record in records])
    for record in records:
        record.tag_list = names.get(record.pk, [])
    return records


def attach_company_names(people: list[Contact]) -> list[Contact]:
    """Gives each of `people` their company, its name only, in one plain `IN` query.
    Joined, a deep page (OFFSET 5,000) looked up the company of every row it skipped;
    Django's prefetch builds its filter from one expression per row, which cost
    search as you type 2 ms on PostgreSQL."""
    companies = Company.objects.only("name").in_bulk(
        {person.company_id for person in people if person.company_id}
    )
    company_field = Contact._meta.get_field("company")
    for person in people:
        if person.company_id in companies:
            company_field.set_cached_value(person, companies[person.company_id])
    return people


# The lists' default order, with the primary key last so pages never overlap.
COMPANY_LIST_ORDER = ("name", "pk")
PEOPLE_LIST_ORDER = ("lastname", "firstname", "pk")


def _people_count_of_company():
    counts = (
        Contact.objects.filter(company=OuterRef("pk"))
        .order_by()
        .values("company")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def companies_for_list(*, search="", tag=""):
    """The companies list. `people_count` is only an alias here, for sorting by it:
    selected, the database counted people for every row an OFFSET skipped. The page's
    own rows get their counts from `attach_people_counts`."""
    return (
        companies_matching(search=search, tag=tag)
        .alias(people_count=_people_count_of_company())
        .order_by(*COMPANY_LIST_ORDER)
    )


def attach_people_counts(companies: list[Company]) -> list[Company]:
    """Sets `people_count` on each of `companies`, in one query."""
    counts = dict(
        Contact.objects.filter(company__in=[company.pk for company in companies])
        .order_by()
        .values("company")
        .annotate(count=Count("pk"))
        .values_list("company", "count")
    )
    for company in companies:
        company.people_count = counts.get(company.pk, 0)
    return companies


def people_for_list(*, search="", tag=""):
    """The people list. The page's own rows get their company and tags from
    `attach_company_names` and `attach_tag_lists`."""
    return contacts_matching(search=search, tag=tag).order_by(*PEOPLE_LIST_ORDER)


def company_named(name: str):
    """The company called `name` (any case), as the services would pick it, or None."""
    key = company_search_key(str(name or ""))
    if not key:
        return None
    return Company.objects.filter(search_name=key).order_by("pk").first()


def company_names(typed: str = "", *, limit: int = 20) -> list[str]:
    """Names of companies starting with `typed`, alphabetically: suggestions for a
    company field."""
    companies = companies_matching(search=typed) if typed.strip() else Company.objects.all()
    names = companies.order_by(*COMPANY_LIST_ORDER).values_list("name", flat=True)
    # Two companies may share a name; a suggestion list shows it once.
    return list(dict.fromkeys(names[: limit * 2]))[:limit]


def namesakes(company: Company):
    """Other companies with the same name (any case, any spacing)."""
    return Company.objects.filter(search_name=company.search_name).exclude(pk=company.pk)


def similar_company_names(name: str, *, limit: int = 3) -> list[str]:
    """Existing companies whose names are close to `name` (a typo, another suffix):
    candidates share its first three letters."""
    from difflib import get_close_matches

    key = search_prefix(name)
    if len(key) < 3:
        return []
    candidates = dict(
        Company.objects.filter(starts_with("search_name", key[:3]))
        .order_by(*COMPANY_LIST_ORDER)
        .values_list("search_name", "name")[:500]
    )
    matches = get_close_matches(key, list(candidates), n=limit, cutoff=0.6)
    # Also whole-word prefixes: "Northwind" for "Northwind Brewery Ltd".
    matches += [
        search_name
        for search_name in candidates
        if search_name not in matches
        and (key.startswith(search_name + " ") or search_name.startswith(key + " "))
    ]
    return [candidates[match] for match in matches[:limit] if match != key]


def others_with_email(email: str, *, exclude_pk=None) -> list[Contact]:
    """Other people who already have `email`."""
    email = str(email or "").strip().lower()
    if not email:
        return []
    return list(Contact.objects.filter(email=email).exclude(pk=exclude_pk).order_by("pk")[:3])


def journal_for(obj):
    """Entries about a company (and its people) or about one person, newest first,
    with replies, files and authors loaded."""
    from .models import Company

    if isinstance(obj, Company):
        about = Q(for_type="C", for_id=obj.pk) | Q(for_type="I", for_id__in=obj.people.values("pk"))
    else:
        about = Q(for_type="I", for_id=obj.pk)
    entries = Activity.objects.filter(about, replyto__isnull=True).order_by("-date", "-id")
    return with_journal_details(entries)


def connection_counts() -> dict:
    """How many companies and people: the counts the tables' triggers keep
    (config.api.counts), where the database keeps them, else counted."""
    from .models import Company, Contact

    def how_many(model) -> int:
        rows = model.objects.all()
        kept = counted_total(rows)
        return kept if kept is not None else rows.count()

    return {"company_count": how_many(Company), "people_count": how_many(Contact)}


def latest_journal(limit: int) -> list:
    """The newest journal entries about companies and people, each with `about_name`
    and `about_url` for linking to what it is about."""
    from django.urls import reverse

    entries = list(
        Activity.objects.filter(replyto__isnull=True, for_type__in=("C", "I"))
        .select_related("added_by")
        .order_by("-date", "-id")[:limit]
    )
    names = item_names({(e.for_type, e.for_id) for e in entries})
    for entry in entries:
        entry.about_name = names.get((entry.for_type, entry.for_id), "")
        route = "crm:company" if entry.for_type == "C" else "crm:person"
        entry.about_url = reverse(route, args=[entry.for_id])
    return entries


def dashboard_panel() -> dict:
    """The dashboard's connections panel: the counts and the newest journal entries."""
    return {**connection_counts(), "journal": latest_journal(8)}
