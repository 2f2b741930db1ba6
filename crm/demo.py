"""Demo connections: an agency's clients, suppliers, their people and a journal."""

import random
from datetime import timedelta

from django.utils import timezone

from . import services

COMPANIES = [
    # name, domain, city, postcode, tags, supplier
    (
        "Harbour Lights Brewery",
        "harbourlights.test",
        "Belfast",
        "BT3 9DT",
        "brewery,priority",
        False,
    ),
    ("Linen Quarter Hotels", "linenquarter.test", "Belfast", "BT2 7FE", "hospitality", False),
    (
        "Causeway Coast Tourism",
        "causewaycoast.test",
        "Coleraine",
        "BT52 1EY",
        "tourism,public sector",
        False,
    ),
    ("Queen's Arts Festival", "qaf.test", "Belfast", "BT7 1NN", "charity,arts", False),
    ("Mourne Outdoor Co", "mourneoutdoor.test", "Newcastle", "BT33 0AA", "retail", False),
    ("Foyle Digital", "foyledigital.test", "Derry", "BT48 6AT", "saas,startup", False),
    ("Lagan Valley Vets", "laganvets.test", "Lisburn", "BT28 1AG", "healthcare", False),
    ("Titanic Quarter Labs", "tqlabs.test", "Belfast", "BT3 9DP", "saas,priority", False),
    (
        "Armagh Cider Works",
        "armaghcider.test",
        "Armagh",
        "BT61 7QA",
        "brewery,food and drink",
        False,
    ),
    (
        "Strangford Sailing Club",
        "strangfordsailing.test",
        "Portaferry",
        "BT22 1RU",
        "charity",
        False,
    ),
    (
        "Northern Print Collective",
        "northernprint.test",
        "Belfast",
        "BT1 2LA",
        "supplier,print",
        True,
    ),
    ("Cathedral Quarter Books", "cqbooks.test", "Belfast", "BT1 1HE", "retail,arts", False),
    ("Ulster University Press", "uupress.test", "Coleraine", "BT52 1SA", "education", False),
    (
        "Glens Food Market",
        "glensfood.test",
        "Ballymena",
        "BT43 5AB",
        "food and drink,retail",
        False,
    ),
    (
        "Stormont Policy Institute",
        "stormontpolicy.test",
        "Belfast",
        "BT4 3XX",
        "public sector",
        False,
    ),
    (
        "Belfast Photo Studio",
        "belfastphoto.test",
        "Belfast",
        "BT12 5GH",
        "supplier,photography",
        True,
    ),
    ("Ards Peninsula Farms", "ardsfarms.test", "Newtownards", "BT23 4AA", "food and drink", False),
    ("Craic Comedy Club", "craiccomedy.test", "Belfast", "BT1 4QG", "arts,hospitality", False),
    (
        "Fermanagh Lakes Lodges",
        "fermanaghlodges.test",
        "Enniskillen",
        "BT74 7BA",
        "tourism,hospitality",
        False,
    ),
    ("Hill Street Dental", "hillstreetdental.test", "Newry", "BT34 1AE", "healthcare", False),
    ("Copeland Bike Hire", "copelandbikes.test", "Donaghadee", "BT21 0AF", "retail,tourism", False),
    ("Sperrin Wool Mill", "sperrinwool.test", "Omagh", "BT78 1AB", "retail,manufacturing", False),
    (
        "Greenway Housing Trust",
        "greenwayhousing.test",
        "Belfast",
        "BT6 8AA",
        "charity,public sector",
        False,
    ),
    ("Kinetic Hosting Ltd", "kinetichosting.test", "Dublin", "D02 X285", "supplier,hosting", True),
    ("Bangor Marina", "bangormarina.test", "Bangor", "BT20 5ED", "tourism", False),
    ("Riverside Theatre", "riversidetheatre.test", "Coleraine", "BT52 1SA", "arts,charity", False),
    (
        "Shankill Startups Hub",
        "shankillhub.test",
        "Belfast",
        "BT13 1AB",
        "startup,public sector",
        False,
    ),
    (
        "Antrim Coast Distillery",
        "antrimdistillery.test",
        "Ballycastle",
        "BT54 6BA",
        "food and drink,priority",
        False,
    ),
    ("Motion Type Foundry", "motiontype.test", "London", "EC1V 9HX", "supplier,type", True),
    (
        "Newry Canal Café",
        "newrycafe.test",
        "Newry",
        "BT35 6AA",
        "hospitality,food and drink",
        False,
    ),
]
FIRST = [
    "Aoife",
    "Ciarán",
    "Niamh",
    "Declan",
    "Siobhán",
    "Conor",
    "Orla",
    "Ryan",
    "Gemma",
    "Mark",
    "Clare",
    "Paul",
    "Emma",
    "Neil",
    "Sarah",
    "David",
    "Rachel",
    "Gareth",
    "Louise",
    "Stephen",
    "Fiona",
    "Patrick",
    "Laura",
    "Chris",
    "Nuala",
    "Owen",
    "Kerry",
    "Seán",
    "Hannah",
    "Tom",
]
LAST = [
    "O'Neill",
    "Murphy",
    "Kelly",
    "McCann",
    "Doherty",
    "Quinn",
    "Gallagher",
    "Campbell",
    "Wilson",
    "Stewart",
    "Thompson",
    "Robinson",
    "McLaughlin",
    "Brennan",
    "Hughes",
    "Boyle",
    "Martin",
    "Millar",
    "Walsh",
    "Byrne",
    "Fitzpatrick",
    "Devlin",
    "McKee",
    "Irvine",
    "Patterson",
]
POSITIONS = [
    "Marketing Manager",
    "Managing Director",
    "Head of Digital",
    "Brand Manager",
    "Operations Lead",
    "Founder",
    "Communications Officer",
    "Finance Director",
    "Events Coordinator",
    "Buyer",
]
JOURNAL = [
    (
        "callin",
        "Asked about a refresh of the website",
        "Wants a quote before the end of the month.",
    ),
    (
        "callout",
        "Followed up on the proposal",
        "Happy with the scope; checking budget with the board.",
    ),
    ("email", "Sent brand guidelines draft", "Attached v2 of the guidelines for comment."),
    ("", "Kick-off meeting notes", "Agreed milestones: discovery, design, build, launch."),
    ("callin", "Reported a bug on the booking form", "Date picker fails on older iPhones."),
    ("email", "Invoice query", "Asked whether the hosting line covers SSL renewal."),
    ("", "Met at the trade show", "Interested in a campaign for the summer season."),
    ("callout", "Checked in about the photo shoot", "Confirmed the date and the location list."),
    ("email", "Shared analytics report", "Traffic up 34% month on month after the relaunch."),
    ("", "Account review", "Renewal due in March; consider a retainer."),
]
STREETS = ["High", "Main", "Church", "Mill", "Quay"]
REPLIES = ["Thanks, noted.", "I'll pick this up tomorrow.", "Sent them the revised quote.", "Done."]


def load_demo_connections(users) -> None:
    """About 30 companies, 80 people and 60 journal entries, the same every time."""
    rng = random.Random(7)
    now = timezone.now()
    companies = []
    for name, domain, city, postcode, tags, supplier in COMPANIES:
        companies.append(
            services.create_company(
                name=name,
                website=f"https://www.{domain}",
                telephone=f"028 90{rng.randint(100000, 999999)}",
                tags=tags,
                line1=f"{rng.randint(1, 180)} {rng.choice(STREETS)} Street",
                city=city,
                postcode=postcode,
                country="United Kingdom" if not postcode.startswith("D0") else "Ireland",
                is_supplier=supplier,
                customfields=[{"title": "Account manager", "value": rng.choice(users).name}],
            )
        )
    people = []
    for index in range(80):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = companies[index % len(companies)] if index < 72 else None
        domain = company.website.removeprefix("https://www.") if company else "mail.test"
        email_name = f"{first}.{last}".lower().replace("'", "").replace("á", "a").replace("é", "e")
        people.append(
            services.create_contact(
                name=f"{first} {last}",
                email=f"{email_name}{index}@{domain}",
                telephone=f"07{rng.randint(700000000, 799999999)}",
                companyid=company.pk if company else None,
                position=rng.choice(POSITIONS) if company else "",
                tags="decision maker" if index % 5 == 0 else "",
            )
        )
    for index in range(60):
        subject = rng.choice(companies + people)
        subtype, title, content = rng.choice(JOURNAL)
        entry = services.create_activity(
            title=title,
            type="C",
            subtype=subtype,
            added_by=rng.choice(users),
            for_code=subject.code,
            date=now - timedelta(days=rng.randint(0, 90), minutes=rng.randint(0, 600)),
            content=content,
        )
        if index % 4 == 0:
            services.create_activity(
                title=f"Re: {title}",
                type="C",
                added_by=rng.choice(users),
                replyto=entry,
                date=entry.date + timedelta(hours=rng.randint(1, 30)),
                content=rng.choice(REPLIES),
            )
