import json
import re
from decimal import Decimal

from django import forms
from django.urls import reverse_lazy

from projects.forms import CLIENT_CODE, client_label

from .models import Proposal
from .totals import NO_CATEGORY


class TaxCodeForm(forms.Form):
    code = forms.CharField(max_length=20)
    name = forms.CharField(max_length=100)
    rate_percent = forms.DecimalField(
        label="Rate (%)", min_value=0, max_value=100, decimal_places=2, max_digits=5
    )

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "code": data["code"],
            "name": data["name"],
            "rate": (data["rate_percent"] / Decimal(100)).normalize(),
        }


class LedgerForm(forms.Form):
    code = forms.CharField(max_length=20)
    name = forms.CharField(max_length=100)

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


class ChargeRateForm(forms.Form):
    name = forms.CharField(max_length=100)
    rate = forms.DecimalField(label="Hourly rate", min_value=0, decimal_places=2, max_digits=12)

    def service_values(self) -> dict:
        return dict(self.cleaned_data)


# --- proposals ---------------------------------------------------------------------
# The proposal editor: the proposal's own fields are a form; its jobs of items and its
# expanded and conclusion sections are rows named by their place (jobs-0-items-1-hours,
# expanded-2-title), read back from the posted form by `EditorRows`, which also adds,
# removes and moves them in place. The rules are the service's (billing.proposals).


class ProposalForm(forms.Form):
    """A proposal's title, client, submit date, discount, whether its totals print and
    its overview."""

    title = forms.CharField(max_length=Proposal._meta.get_field("title").max_length)
    client = forms.CharField(
        max_length=200,
        help_text="Type a company's or person's name and pick them, or their code (C41, I5).",
        widget=forms.TextInput(
            attrs={
                "list": "client-suggestions",
                "autocomplete": "off",
                "hx-get": reverse_lazy("proposals:clients"),
                "hx-trigger": "input changed delay:200ms",
                "hx-target": "#client-suggestions",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        ),
    )
    submitdate = forms.DateField(
        label="Submit by",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    discount = forms.CharField(
        label="Discount (%)",
        required=False,
        help_text="Off the whole proposal, after each job's own.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    printtotal = forms.BooleanField(
        label="Show the totals on the proposal", required=False, initial=True
    )
    overview = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def clean_client(self) -> str:
        # A suggestion reads "C41 · Acme Ltd"; the code leads, whatever follows it.
        match = CLIENT_CODE.match(self.cleaned_data["client"])
        if not match:
            raise forms.ValidationError(
                "Pick a company or person from the suggestions, or type their code (C41, I5)."
            )
        return match.group(1).upper()

    def service_values(self) -> dict:
        return dict(self.cleaned_data)

    @staticmethod
    def initial_for(proposal: Proposal) -> dict:
        return {
            "title": proposal.title,
            "client": client_label(proposal.client),
            "submitdate": proposal.submitdate,
            "discount": f"{proposal.discount.normalize():f}",
            "printtotal": proposal.printtotal,
            "overview": proposal.overview,
        }


JOB_ROW = re.compile(r"jobs-(\d{1,4})-(name|brief|discount|print|team)\Z")
ITEM_ROW = re.compile(
    r"jobs-(\d{1,4})-items-(\d{1,4})-(name|brief|type|hours|rate|taxcode|category|print|extra)\Z"
)
SECTION_ROW = re.compile(r"(expanded|conclusion)-(\d{1,4})-(title|content)\Z")
SECTION_KINDS = ("expanded", "conclusion")
# The item fields a page doesn't show, carried through the form as they were.
ITEM_EXTRA = ("start", "duration", "team", "actions")


def blank_item() -> dict:
    return {
        "name": "",
        "brief": "",
        "type": "hourly",
        "hours": "",
        "rate": "",
        "taxcode": "",
        "category": NO_CATEGORY,
        "print": True,
        "extra": "",
    }


def blank_job() -> dict:
    return {"name": "", "brief": "", "discount": "0", "print": True, "team": "", "items": []}


class EditorRows:
    """The jobs of items and the sections as the editor shows them (text as typed),
    from a stored proposal or from the posted form."""

    def __init__(self, jobs: list[dict], expanded: list[dict], conclusion: list[dict]):
        self.jobs = jobs
        self.sections = {"expanded": expanded, "conclusion": conclusion}

    @classmethod
    def of(cls, proposal: Proposal | None) -> "EditorRows":
        if proposal is None:
            job = blank_job()
            job["items"].append(blank_item())
            return cls([job], [], [])
        jobs = [
            {
                "name": job["name"],
                "brief": job["brief"],
                "discount": plain_number(job["discount"]),
                "print": job["print"],
                "team": job["team"],
                "items": [
                    {
                        **{key: item[key] for key in ("name", "brief", "type", "taxcode")},
                        "category": item["category"],
                        "hours": plain_number(item["hours"]),
                        "rate": item["rate"],
                        "print": item["print"],
                        "extra": json.dumps({key: item[key] for key in ITEM_EXTRA}),
                    }
                    for item in job["items"]
                ],
            }
            for job in proposal.jobs
        ]
        return cls(jobs, list(proposal.expanded), list(proposal.conclusion))

    @classmethod
    def posted(cls, data) -> "EditorRows":
        """The rows a posted form holds, in the order of their numbers. A row past the
        limits is left out: the service refuses what is too long, not this reader."""
        jobs: dict[int, dict] = {}
        items: dict[tuple[int, int], dict] = {}
        sections: dict[str, dict[int, dict]] = {kind: {} for kind in SECTION_KINDS}
        for name in data:
            if match := ITEM_ROW.match(name):
                job, item, field = int(match[1]), int(match[2]), match[3]
                row = items.setdefault((job, item), {**blank_item(), "print": False})
                jobs.setdefault(job, {**blank_job(), "print": False})
                row[field] = True if field == "print" else data.get(name, "")
            elif match := JOB_ROW.match(name):
                row = jobs.setdefault(int(match[1]), {**blank_job(), "print": False})
                field = match[2]
                row[field] = True if field == "print" else data.get(name, "")
            elif match := SECTION_ROW.match(name):
                row = sections[match[1]].setdefault(int(match[2]), {"title": "", "content": ""})
                row[match[3]] = data.get(name, "")
        ordered = {number: {**jobs[number], "items": []} for number in sorted(jobs)}
        for (job, _), row in sorted(items.items()):
            ordered[job]["items"].append(row)
        return cls(
            list(ordered.values()),
            *([sections[kind][n] for n in sorted(sections[kind])] for kind in SECTION_KINDS),
        )

    def kept(self) -> list[tuple[int, list[int]]]:
        """The jobs and items that say something, by place: a row added and left
        empty is not a mistake to refuse, and goes when the proposal is saved."""
        kept = []
        for j, job in enumerate(self.jobs):
            items = [i for i, item in enumerate(job["items"]) if not _blank_item(item)]
            if items or job["name"].strip() or job["brief"].strip():
                kept.append((j, items))
        return kept

    def for_service(self) -> dict:
        """The jobs and sections as the service takes them, empty rows left out."""
        jobs = []
        for j, items in self.kept():
            job = self.jobs[j]
            jobs.append(
                {
                    "name": job["name"],
                    "brief": job["brief"],
                    "discount": job["discount"],
                    "print": job["print"],
                    "team": job["team"],
                    "items": [_service_item(job["items"][i]) for i in items],
                }
            )
        return {
            "jobs": jobs,
            **{
                kind: [s for s in rows if s["title"].strip() or s["content"].strip()]
                for kind, rows in self.sections.items()
            },
        }

    # --- changes in place, as the editor's buttons ask for them ---

    def apply(self, op: str) -> tuple[str, str | None]:
        """Carries out `op` ("add-item-0", "up-job-2", "remove-expanded-1", ...): which
        region changed ("jobs", "expanded" or "conclusion") and the id of the element to
        focus after it (the new row's first input, the moved row's button, the list's
        Add button after a removal). An op that names no row changes nothing."""
        verb, _, rest = op.partition("-")
        what, _, numbers = rest.partition("-")
        try:
            at = [int(number) for number in numbers.split("-")] if numbers else []
        except ValueError:
            return "jobs", None
        if what in SECTION_KINDS:
            return what, _change(self.sections[what], verb, at, what, f"{what}-%s", f"add-{what}")
        if what == "job":
            return "jobs", _change(self.jobs, verb, at, what, "job-%s", "add-job")
        if what == "item" and at and 0 <= at[0] < len(self.jobs):
            job = at[0]
            return "jobs", _change(
                self.jobs[job]["items"],
                verb,
                at[1:],
                what,
                f"job-{job}-item-%s",
                f"job-{job}-add-item",
            )
        return "jobs", None


def _change(rows: list, verb: str, at: list[int], what: str, row_id: str, add_id: str):
    """`verb` on `rows` at `at`; the id to focus after (`row_id` % place, then -name,
    -up or -down)."""
    if verb == "add":
        if what == "job":
            rows.append({**blank_job(), "items": [blank_item()]})
        else:
            rows.append(blank_item() if what == "item" else {"title": "", "content": ""})
        first = "title" if what in SECTION_KINDS else "name"
        return f"{row_id % (len(rows) - 1)}-{first}"
    if not at or not 0 <= at[0] < len(rows):
        return None
    place = at[0]
    if verb == "remove":
        rows.pop(place)
        return add_id
    if verb in ("up", "down"):
        target = place - 1 if verb == "up" else place + 1
        if 0 <= target < len(rows):
            rows.insert(target, rows.pop(place))
            place = target
        # At either end its button in that direction is disabled: the other one.
        if (verb == "up" and place == 0) or (verb == "down" and place == len(rows) - 1):
            verb = "down" if verb == "up" else "up"
        return f"{row_id % place}-{verb}" if len(rows) > 1 else None
    return None


def _blank_item(item: dict) -> bool:
    return not any(str(item[key]).strip() for key in ("name", "brief", "hours", "rate"))


def plain_number(text: str) -> str:
    """2.50 → 2.5, 10.00 → 10: a stored number as people type it."""
    return format(Decimal(text).normalize(), "f")


def _service_item(row: dict) -> dict:
    item = {key: row[key] for key in ("name", "brief", "type", "hours", "rate", "taxcode")}
    item["category"] = row["category"]
    item["print"] = row["print"]
    try:
        extra = json.loads(row["extra"]) if row["extra"] else {}
    except ValueError:
        extra = {}
    if isinstance(extra, dict):
        item.update({key: extra[key] for key in ITEM_EXTRA if key in extra})
    return item
