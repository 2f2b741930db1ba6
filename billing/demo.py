"""Demo proposals for `manage.py seed_demo`: one waiting for an answer, one accepted
and made into its project, one rejected, for the demo's clients and team."""

from datetime import timedelta

from django.utils import timezone

from crm.models import Company

from . import proposals


def _item(name, hours, rate, *, taxcode="001", kind="hourly", category="-", **fields):
    return {
        "name": name,
        "hours": hours,
        "rate": rate,
        "taxcode": taxcode,
        "type": kind,
        "category": category,
        **fields,
    }


PROPOSALS = [
    {
        "title": "Taproom website",
        "status": "P",
        "overview": "A new website for the taproom: events, the tap list and bookings.",
        "expanded": [
            {"title": "Scope", "content": "Six templates, the tap list fed from the till."},
            {"title": "Timings", "content": "Designs in three weeks, launch in eight."},
        ],
        "conclusion": [{"title": "Next steps", "content": "A kick-off in the taproom."}],
        "discount": "0",
        "jobs": [
            {
                "name": "Design",
                "brief": "From the brand to six page templates.",
                "items": [
                    _item("Discovery workshop", "6", "110", category="4000"),
                    _item("Page designs", "24", "85", category="4010"),
                ],
            },
            {
                "name": "Build",
                "brief": "The site, its bookings and the tap list.",
                "discount": "5",
                "items": [
                    _item("Templates", "40", "85", category="4020"),
                    _item("Bookings integration", "12", "110", category="4020"),
                    _item("Hosting, first year", "1", "360", kind="fixed", category="4030"),
                ],
            },
        ],
    },
    {
        "title": "Autumn menu photography",
        "status": "A",
        "overview": "Twenty dishes on the pass and four in the room, for print and social.",
        "expanded": [{"title": "The shoot", "content": "One day in the kitchen, one edit."}],
        "discount": "10",
        "jobs": [
            {
                "name": "Shoot",
                "items": [
                    _item("Art direction", "6", "110", category="4010", actions=["Book the day"]),
                    _item("Photography", "8", "85", category="4010"),
                    _item("Props and styling", "1", "240", kind="external", category="4900"),
                ],
            },
            {
                "name": "Edit",
                "items": [_item("Retouching", "10", "55", category="4010", taxcode="002")],
            },
        ],
    },
    {
        "title": "Loyalty app",
        "status": "X",
        "overview": "A stamp card in an app. They chose a card on paper after all.",
        "discount": "0",
        "jobs": [
            {
                "name": "Prototype",
                "items": [_item("Clickable prototype", "30", "85", category="4020")],
            }
        ],
    },
]


def load_demo_proposals(users) -> None:
    """Three proposals for the first customers, through the service that prices
    them; the accepted one made into its project, as "Create project" does."""
    today = timezone.localdate()
    companies = list(Company.objects.filter(is_customer=True).order_by("pk")[5:8])
    for index, values in enumerate(PROPOSALS):
        proposal = proposals.create_proposal(
            client=companies[index % len(companies)].code,
            submitdate=today + timedelta(days=14 - 10 * index),
            added_by=users[0],
            **values,
        )
        if proposal.status == proposal.Status.ACCEPTED:
            proposals.create_project_from_proposal(proposal, added_by=users[0])
