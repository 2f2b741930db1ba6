"""Believable agency data for a first look at Docket. Later capabilities add their
own demo rows here (connections, projects, time, invoices)."""

from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services as account_services
from accounts.demo import load_demo_notes
from accounts.models import AccountSettings, User
from billing import services as billing_services
from billing.demo import (
    load_demo_billing,
    load_demo_periodicals,
    load_demo_proposals,
)
from crm.demo import load_demo_connections
from projects import services as project_services
from projects.demo import load_demo_projects, load_demo_time
from projects.models import Job

DEMO_EMAIL = "demo@docket.test"
DEMO_PASSWORD = "docket-demo"

TEAM = [
    ("Priya Shah", "priya@docket.test", "Creative Director", []),
    ("Tom Becker", "tom@docket.test", "Senior Developer", []),
    ("Aoife Byrne", "aoife@docket.test", "Project Manager", []),
    ("Marcus Hill", "marcus@docket.test", "Designer", ["contacts", "projects", "timesheets"]),
    ("Lena Vogel", "lena@docket.test", "Copywriter", ["projects", "timesheets"]),
]
COLLABORATORS = [("Sam Okafor", "sam@freelance.test", "Freelance Illustrator")]
TAX_CODES = [
    {"code": "001", "name": "Standard VAT", "rate": "0.2"},
    {"code": "002", "name": "Reduced VAT", "rate": "0.05"},
    {"code": "003", "name": "Zero rated", "rate": "0"},
    {"code": "004", "name": "Exempt", "rate": "0"},
]
LEDGERS = [
    {"code": "4000", "name": "Consultancy & Strategy"},
    {"code": "4001", "name": "Research"},
    {"code": "4010", "name": "Design"},
    {"code": "4020", "name": "Development"},
    {"code": "4030", "name": "Hosting & Support"},
    {"code": "4900", "name": "Recharged expenses"},
]
CHARGE_RATES = [
    {"name": "Standard rate", "rate": "85"},
    {"name": "Senior rate", "rate": "110"},
    {"name": "Consultancy rate", "rate": "150"},
    {"name": "Junior rate", "rate": "55"},
]
ACTIVITY_TYPES = [
    "Administration",
    "Meetings",
    "Project management",
    "Research",
    "Design",
    "Development",
    "Copywriting",
    "Testing",
    "Support",
]


class Command(BaseCommand):
    help = (
        "Load demo data: the account, its team, tax codes, ledgers, rates, activity types, "
        "clients and suppliers with their people and journal, projects, time, proposals, "
        "products, recurring invoices, invoices with their payments and credit notes, "
        "private tasks and notifications."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if the account already has users"
        )

    @transaction.atomic
    def handle(self, *args, if_empty=False, **options):
        if if_empty and User.objects.exists():
            self.stdout.write("Demo data skipped: the account already has users.")
            return
        AccountSettings.load()
        account_services.update_account_settings(
            company_name="Northwind Studio",
            company_email="hello@northwind.test",
            company_telephone="+44 28 9000 1234",
            company_website="https://northwind.test",
            company_address="Unit B1.10 Portview\n310 Newtownards Road\nBelfast BT4 1HE",
            country="GB",
            company_number="NI612345",
            vat_number="GB 123 4567 89",
            bank_details="Northwind Studio Ltd · Sort code 95-00-00 · Account 12345678",
            currency="GBP",
            default_payment_terms=30,
            breakeven=Decimal("24000"),
            timeround=15,
            nextproposalid=1001,
            nextinvoiceid=2401,
            nextcreditid=101,
        )
        demo = User.objects.filter(email=DEMO_EMAIL).first()
        if demo is None:
            demo = User.objects.create_user(
                DEMO_EMAIL, DEMO_PASSWORD, name="Dana Demo", jobtitle="Studio Manager"
            )
            demo.is_superuser = True
            demo.is_staff = True
            demo.save()
        for name, email, title, permissions in TEAM:
            if not User.objects.filter(email=email).exists():
                user = account_services.create_user(
                    email=email,
                    name=name,
                    jobtitle=title,
                    restrictions=permissions,
                    send_invite=False,
                )
                user.set_password(DEMO_PASSWORD)
                user.save()
        for name, email, title in COLLABORATORS:
            if not User.objects.filter(email=email).exists():
                account_services.create_user(
                    email=email,
                    name=name,
                    jobtitle=title,
                    collaborator=True,
                    jobs=[],
                    send_invite=False,
                )
        billing_services.replace_tax_codes(TAX_CODES)
        billing_services.replace_ledgers(LEDGERS)
        billing_services.replace_charge_rates(CHARGE_RATES)
        project_services.replace_activity_types(
            {"tasks": [{"name": name} for name in ACTIVITY_TYPES]}
        )
        team = list(User.objects.filter(type=User.Type.STANDARD, is_active=True).order_by("pk"))
        load_demo_connections(team)
        load_demo_projects(team)
        # The freelancer works on one job: the spring campaign's design.
        design = Job.objects.filter(project__title="Spring campaign", title="Design").first()
        for collaborator in User.objects.filter(type=User.Type.COLLABORATOR, is_active=True):
            if design is not None and not collaborator.collaborator_jobs:
                account_services.update_user(collaborator, jobs=[design.pk])
        load_demo_time(team)
        load_demo_proposals(team)
        load_demo_billing(team)
        load_demo_notes(team)
        load_demo_periodicals(team)
        self.stdout.write(
            self.style.SUCCESS(f"Demo data loaded. Sign in as {DEMO_EMAIL} / {DEMO_PASSWORD}")
        )
