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
    page.get_by_label("Custom field 1 title").fill("Twitter")
    page.get_by_label("Custom field 1 value").fill("@northwind")
    page.get_by_role("button", name="Add field").click()
    expect(page.get_by_label("Custom field 2 title")).to_be_focused()
    page.get_by_label("Custom field 2 title").fill("VAT")
    page.get_by_label("Custom field 2 value").fill("GB 123")
    page.get_by_role("button", name="Add field").click()
    page.get_by_role("button", name="Remove custom field 3").click()
    expect(page.locator(".customfield-row")).to_have_count(2)
    shot("connections-company-form")
    page.get_by_role("button", name="Add company").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Northwind Brewery")
    expect(page.locator("dl.details")).to_contain_text("GB 123")

    # Add a person from the company page: the company is filled in.
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_label("Company")).to_have_value("Northwind Brewery")
    page.get_by_label("Full name").fill("Dr Grace Hopper")
    page.get_by_label("Email").fill("grace@northwind.test")
    page.get_by_label("Position").fill("Head brewer")
    page.get_by_role("button", name="Add person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dr Grace Hopper")

    # Log a call in the journal, inline.
    journal = page.locator("#journal")
    page.get_by_label("Type").select_option("callout")
    page.get_by_label("Subject").fill("Called about the spring launch")
    page.get_by_label("Details").fill("Wants a proposal by Friday.")
    page.get_by_role("button", name="Add to journal").click()
    expect(journal).to_contain_text("Called about the spring launch")
    expect(journal).to_contain_text("Call out")
    expect(journal.locator(".field-error")).to_have_count(0)
    page.locator("#journal summary", has_text="Reply").first.click()
    page.get_by_placeholder("Write a reply").fill("   ")
    page.get_by_role("button", name="Post reply").click()
    expect(journal.locator(".entry-actions .field-error")).to_have_text("Write something to reply.")
    expect(page.locator(".flash", has_text="reply")).to_have_count(0)
    page.get_by_placeholder("Write a reply").fill("Proposal sent.")
    page.get_by_role("button", name="Post reply").click()
    expect(journal).to_contain_text("Proposal sent.")
    shot("connections-person")

    # The company page shows her, and her call in its journal.
    page.get_by_role("link", name="Northwind Brewery").first.click()
    expect(page.locator(".people-list")).to_contain_text("Dr Grace Hopper")
    expect(journal).to_contain_text("Called about the spring launch")
    shot("connections-company")

    # A journal entry without a subject and with a program attached: the errors
    # show in the form, the timeline stays, and the corrected entry goes in.
    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ")
    page.get_by_label("Attach a file").set_input_files(str(program))
    page.get_by_role("button", name="Add to journal").click()
    expect(journal.locator(".field-error").first).to_have_text("This field is required.")
    expect(journal.locator(".field-error").last).to_contain_text("must be one of these file")
    expect(journal.locator(".timeline")).to_contain_text("Called about the spring launch")
    shot("connections-journal-error")
    page.get_by_label("Subject").fill("Booked a tasting")
    page.get_by_role("button", name="Add to journal").click()
    expect(journal.locator(".timeline")).to_contain_text("Booked a tasting")
    expect(journal.locator(".field-error")).to_have_count(0)

    # Search as you type finds both.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Connections").click()
    # Type only once htmx has wired up the new page, or the keystrokes go unheard.
    expect(page).to_have_url(f"{live_server.url}/connections/people/")
    page.wait_for_load_state("load")
    page.get_by_label("Search people").fill("grac")
    expect(page.locator("#people-table tbody tr")).to_have_count(1)
    expect(page.locator("#people-table")).to_contain_text("Northwind Brewery")
    expect(page).to_have_url(f"{live_server.url}/connections/people/?search=grac&tag=")
    # Export CSV gives what the list shows now, not what it showed on page load.
    export = page.get_by_role("button", name="Export CSV")
    expect(export).to_have_attribute("href", "/connections/people/?search=grac&format=csv")
    with page.expect_download() as download:
        export.click()
    exported = download.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert len(exported) == 2 and exported[1].startswith("Dr Grace Hopper,")
    shot("connections-people-search")
    page.get_by_role("link", name="Companies").click()
    expect(page).to_have_url(f"{live_server.url}/connections/companies/")
    page.wait_for_load_state("load")
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
    expect(page.locator("#import-status")).to_contain_text(
        "Imported 2 people. 1 new company was created."
    )
    page.get_by_role("button", name="Show the people").click()
    expect(page.locator("#people-table")).to_contain_text("Charles Babbage")

    assert Contact.objects.count() == 3
    assert Company.objects.count() == 2
    assert Activity.objects.count() == 3
    assert console_errors == []


def test_import_errors_company_note_and_phone_layout(
    signed_in, live_server, shot, tmp_path, console_errors
):
    from io import BytesIO

    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from crm import services

    page = signed_in
    company = services.create_company(name="Northwind Brewery", website="northwind.test")
    logo = BytesIO()
    Image.new("RGB", (300, 100), (20, 90, 200)).save(logo, "PNG")
    services.set_image(company, SimpleUploadedFile("wide.png", logo.getvalue()))
    services.create_contact(name="Grace Hopper", companyid=company.pk)
    user = get_user_model().objects.get()
    services.create_activity(title="Tasting booked", type="C", added_by=user, for_code=company.code)

    # A file with a bad row: the row stands out and nothing can be imported.
    csv_path = tmp_path / "people.csv"
    csv_path.write_text(
        "First Name,Last Name,Email,Company Name\n"
        "Ada,Lovelace,ada@engine.test,Analytical Engines\n"
        "Charles,Babbage,not-an-email,Analytical Engines\n"
    )
    page.goto(f"{live_server.url}/connections/import/")
    page.get_by_label("CSV file").set_input_files(str(csv_path))
    page.get_by_role("button", name="Check the file").click()
    bad_row = page.locator("tr.has-row-error")
    expect(bad_row).to_have_count(1)
    expect(bad_row).to_contain_text("Charles Babbage")
    expect(bad_row.locator("td").first).to_have_css("background-color", "rgb(253, 236, 234)")
    expect(page.get_by_role("button", name="Import 2 people")).to_be_disabled()
    shot("connections-import-errors")

    # The person form says when a typed company is new, and what it may have meant.
    page.goto(f"{live_server.url}/connections/people/add/")
    page.get_by_label("Company").press_sequentially("Northwind Brew")
    expect(page.locator("#company-note")).to_have_text(
        "A new company “Northwind Brew” will be created. Did you mean “Northwind Brewery”?"
    )
    expect(page.locator("#company-suggestions option")).to_have_count(1)
    page.get_by_label("Company").fill("Northwind Brewery")
    expect(page.locator("#company-note")).to_be_empty()
    shot("connections-person-form")

    # On a phone the details come before the journal; the wide logo isn't cut.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/connections/companies/{company.pk}/")
    details = page.get_by_role("heading", name="Details").bounding_box()
    journal = page.get_by_role("heading", name="Journal").bounding_box()
    assert details["y"] < journal["y"]
    expect(page.locator(".avatar")).to_have_css("object-fit", "contain")
    shot("connections-company-phone")
    assert console_errors == []


def test_an_import_shows_its_progress_until_it_is_done(
    signed_in, live_server, shot, console_errors
):
    from accounts.models import User
    from crm import importing
    from crm.models import ImportJob

    page = signed_in
    text = "name,company\n" + "".join(f"Person {n},Company {n % 3}\n" for n in range(30))
    job = ImportJob.objects.create(
        kind="people", csv_text=text, total_rows=30, created_by=User.objects.get()
    )
    page.goto(f"{live_server.url}/connections/import/{job.pk}/")
    status = page.locator("#import-status")
    expect(status).to_contain_text("Waiting for the worker to start importing 30 people…")
    # The page follows the job as the worker records its progress, without a reload.
    ImportJob.objects.filter(pk=job.pk).update(status="running", done_rows=20)
    expect(status).to_contain_text("Imported 20 of 30 people…")
    expect(status.locator("progress")).to_have_attribute("value", "20")
    shot("connections-import-progress")
    ImportJob.objects.filter(pk=job.pk).update(status="queued", done_rows=0)
    importing.run_import_job(job.pk)
    expect(status).to_contain_text("Imported 30 people. 3 new companies were created.")
    expect(status).not_to_have_attribute("hx-trigger", "every 1s")
    shot("connections-import-done")
    assert Contact.objects.count() == 30
    assert console_errors == []


def test_tag_suggestions_follow_the_tag_being_typed(signed_in, live_server, console_errors):
    from crm.models import Tag

    for name in ("brewery", "priority", "press"):
        Tag.objects.create(name=name)
    page = signed_in
    page.goto(f"{live_server.url}/connections/companies/add/")
    tags = page.get_by_label("Tags")
    tags.fill("priority, pr")
    options = page.locator("#tag-suggestions option")
    # Only tags starting with what is typed after the comma, and not priority again.
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", "priority, press")
    tags.fill("")
    expect(options).to_have_count(3)
    assert console_errors == []
