import re

from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from crm.tests.factories import CompanyFactory
from e2e.swaps import answer_swapped_into
from projects.models import Project
from projects.tests.factories import ProjectFactory


def test_create_a_project_find_it_and_open_it(signed_in, live_server, shot, console_errors):
    page = signed_in
    company = CompanyFactory(name="Northwind Brewery")
    UserFactory(name="Bea Byrne")
    ProjectFactory(title="Spring menu", status=Project.Status.HELD)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    page.get_by_role("button", name="New project").click()
    page.get_by_label("Title").fill("Northwind rebrand")
    # The client comes from suggestions that follow what is typed.
    client = page.get_by_label("Client")
    client.press_sequentially("Northw", delay=30)
    expect(page.locator("#client-suggestions option").first).to_have_attribute(
        "value", re.compile(r"^C\d+ · Northwind Brewery$")
    )
    client.fill(page.locator("#client-suggestions option").first.get_attribute("value"))
    page.get_by_label("Status").select_option("P")
    page.get_by_label("Discount (%)").fill("150")
    page.get_by_label("Bea Byrne").check()
    page.get_by_label("Brief").fill("A new logo & labels.\nBottles first.")
    page.get_by_role("button", name="Add project").click()
    # The service's refusal shows on its field; the rest is kept.
    expect(page.locator(".has-error .field-error")).to_have_text(
        "Discount (%) must be a percentage from 0 to 100."
    )
    expect(page.get_by_label("Title")).to_have_value("Northwind rebrand")
    shot("projects-form-error")
    page.get_by_label("Discount (%)").fill("10")
    page.get_by_role("button", name="Add project").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Northwind rebrand")
    details = page.locator("dl.details")
    expect(details).to_contain_text("Northwind Brewery")
    expect(details).to_contain_text("10%")
    expect(details).to_contain_text("Bea Byrne")
    expect(page.locator(".project-brief")).to_contain_text("A new logo & labels.")
    shot("projects-detail")

    # A job is added on the project's page and listed there.
    jobs = page.locator("#jobs")
    jobs.get_by_role("button", name="Add job").click()
    expect(jobs.locator(".field-error")).to_have_text("This field is required.")
    jobs.get_by_label("Job title").fill("Bottle labels")
    jobs.get_by_role("button", name="Add job").click()
    expect(page.locator("#jobs .job-block h3")).to_contain_text("Bottle labels")
    shot("projects-detail-with-a-job")

    # The list finds it by its title as one types, and opens it.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    expect(page).to_have_url(f"{live_server.url}/projects/")
    page.wait_for_load_state("load")
    table = page.locator("#projects-table")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("Pending")
    shot("projects-list")
    page.get_by_label("Search projects").fill("rebr")
    expect(table.locator("tbody tr")).to_have_count(1)
    page.get_by_label("Status").select_option("H")
    expect(table).to_contain_text("No projects match.")
    expect(page).to_have_url(f"{live_server.url}/projects/?search=rebr&status=H&client=&team=")
    page.get_by_label("Status").select_option("")
    # The client filter finds clients by name (or takes a picked suggestion). The table
    # already says "No projects match." and then has the one row before these answers
    # come (Enter sends two requests, queued): wait for them all.
    with answer_swapped_into(page.locator("#projects")):
        page.get_by_label("Client", exact=True).fill("Nobody at all")
        page.get_by_label("Client", exact=True).press("Enter")
    expect(table).to_contain_text("No projects match.")
    with answer_swapped_into(page.locator("#projects")):
        page.get_by_label("Client", exact=True).fill("northwind")
        page.get_by_label("Client", exact=True).press("Enter")
    expect(table.locator("tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Northwind rebrand").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Northwind rebrand")

    # The client's page lists it.
    page.get_by_role("link", name="Northwind Brewery").click()
    expect(page).to_have_url(f"{live_server.url}/connections/companies/{company.pk}/")
    expect(page.locator(".client-projects")).to_contain_text("Northwind rebrand")
    shot("projects-on-the-client-page")

    # At phone width.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/projects/")
    expect(page.locator("#projects-table")).to_contain_text("Northwind rebrand")
    shot("phone-projects-list")
    project = Project.objects.get(title="Northwind rebrand")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    shot("phone-projects-detail")
    page.goto(f"{live_server.url}/projects/{project.pk}/edit/")
    shot("phone-projects-form")
    assert console_errors == []
