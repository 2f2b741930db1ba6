from playwright.sync_api import expect

from crm.models import Activity, Company, Contact


def test_company_person_call_search_and_import(
    signed_in, live_server, shot, tmp_path, console_errors
):
    page = signed_in
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Connections").click()
    page.get_by_role("link", name="Companies").click()
    page.get_by_role("button", name="New company").click()

    page.get_by_label("Name").fill("Northwind Brewery")
    page.get_by_label("Website").fill("https://northwind.test")
    page.get_by_label("Tags").fill("brewery, priority")
    page.get_by_label("Address line 1").fill("1 Quay Street")
    page.get_by_label("City").fill("Belfast")
    page.get_by_label("Custom fields").fill("Twitter: @northwind")
    shot("connections-company-form")
    page.get_by_role("button", name="Add company").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Northwind Brewery")

    # Add a person from the company page: the company is filled in.
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_label("Company")).to_have_value("Northwind Brewery")
    page.get_by_label("Full name").fill("Dr Grace Hopper")
    page.get_by_label("Email").fill("grace@northwind.test")
    page.get_by_label("Position").fill("Head brewer")
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dr Grace Hopper")

    # Log a call in the journal, inline.
    page.get_by_label("Type").select_option("callout")
    page.get_by_label("Subject").fill("Called about the spring launch")
    page.get_by_label("Details").fill("Wants a proposal by Friday.")
    page.get_by_role("button", name="Add to journal").click()
    journal = page.locator("#journal")
    expect(journal).to_contain_text("Called about the spring launch")
    expect(journal).to_contain_text("Call out")
    page.locator("#journal summary", has_text="Reply").first.click()
    page.get_by_placeholder("Write a reply").fill("Proposal sent.")
    page.get_by_role("button", name="Post reply").click()
    expect(journal).to_contain_text("Proposal sent.")
    shot("connections-person")

    # The company page shows her, and her call in its journal.
    page.get_by_role("link", name="Northwind Brewery").first.click()
    expect(page.locator(".people-list")).to_contain_text("Dr Grace Hopper")
    expect(page.locator("#journal")).to_contain_text("Called about the spring launch")
    shot("connections-company")

    # Search as you type finds both.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Connections").click()
    page.get_by_label("Search people").fill("grac")
    expect(page.locator("#people-table tbody tr")).to_have_count(1)
    expect(page.locator("#people-table")).to_contain_text("Northwind Brewery")
    expect(page).to_have_url(f"{live_server.url}/connections/people/?search=grac&tag=")
    page.get_by_role("link", name="Companies").click()
    page.get_by_label("Search companies").fill("north")
    expect(page.locator("#companies-table tbody tr")).to_have_count(1)
    shot("connections-companies")

    # Import a small CSV: preview, then import.
    csv_path = tmp_path / "people.csv"
    csv_path.write_text(
        "Full name,E-mail,Organisation\nAda Lovelace,ada@engine.test,Analytical Engines\n"
        "Charles Babbage,charles@engine.test,Analytical Engines\n"
    )
    page.get_by_role("button", name="Import CSV").click()
    page.get_by_label("CSV file").set_input_files(str(csv_path))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#import-preview")).to_contain_text("Ada Lovelace")
    expect(page.locator("#import-preview")).to_contain_text("1 new company will be created")
    shot("connections-import-preview")
    page.get_by_role("button", name="Import 2 people").click()
    expect(page.locator(".flash-success")).to_contain_text("Imported 2 people.")
    expect(page.locator("#people-table")).to_contain_text("Charles Babbage")

    assert Contact.objects.count() == 3
    assert Company.objects.count() == 2
    assert Activity.objects.count() == 2
    assert console_errors == []
