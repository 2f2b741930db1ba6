"""Factur-X e-invoices: every XML made here is checked twice, against the Factur-X
EN 16931 XSD and against the EN 16931 business rules (the compiled schematron the
`factur-x` package ships, run by Saxon, an XSLT 2.0 processor), and its money is the
page's to the cent."""

import io
from decimal import Decimal as D
from importlib.resources import files

import pytest
from django.utils import timezone
from facturx import get_xml_from_pdf, xml_check_xsd
from lxml import etree
from pypdf import PdfReader

from accounts.models import AccountSettings
from accounts.services import update_account_settings
from billing import facturx
from billing.tests.documents import credit_note, draft_invoice, payment
from billing.tests.factories import TaxCodeFactory
from billing.totals import clean_sections, document_totals
from crm.tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db

NS = {**facturx.NS, "svrl": "http://purl.oclc.org/dsdl/svrl"}
RULES = files("facturx") / "xsd_and_schematron/facturx-en16931/FACTUR-X_EN16931.xslt"
# The GB example IBAN of ISO 13616.
IBAN = "GB82 WEST 1234 5698 7654 32"


@pytest.fixture(scope="session")
def en16931_rules():
    """The failed assertions of the EN 16931 schematron on an XML, as "ID: text"."""
    from saxonche import PySaxonProcessor

    processor = PySaxonProcessor(license=False)
    # Compiled from its file, so its document('…codedb.xml') finds the code lists.
    rules = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(RULES))

    def failures(xml: bytes) -> list[str]:
        report = rules.transform_to_string(xdm_node=processor.parse_xml(xml_text=xml.decode()))
        svrl = etree.fromstring(report.encode())
        assert svrl.findall(".//svrl:fired-rule", NS), "the schematron checked nothing"
        return [
            f"{failed.get('id')}: {' '.join(failed.findtext('svrl:text', '', NS).split())}"
            for failed in svrl.iterfind(".//svrl:failed-assert", NS)
        ]

    failures.processor = processor  # kept alive with the compiled rules
    return failures


@pytest.fixture
def valid_einvoice(en16931_rules):
    """Checks an XML both ways; gives it back parsed."""

    def check(xml: bytes) -> etree._Element:
        assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
        failures = en16931_rules(xml)
        assert failures == [], "EN 16931 rules failed:\n" + "\n".join(failures)
        return etree.fromstring(xml)

    return check


@pytest.fixture(autouse=True)
def tax_codes():
    TaxCodeFactory(code="001", name="Standard", rate=D("0.2"))
    TaxCodeFactory(code="002", name="Reduced", rate=D("0.05"))
    TaxCodeFactory(code="003", name="Zero rated", rate=D("0"))
    TaxCodeFactory(code="004", name="Exempt (insurance)", rate=D("0"))
    # A second standard code at 20 %: one VAT breakdown with 001 (BR-S-08).
    TaxCodeFactory(code="005", name="Standard (EU services)", rate=D("0.2"))


@pytest.fixture(autouse=True)
def account():
    AccountSettings.load()
    return update_account_settings(
        company_name="Northwind Studio",
        company_address="1 High Street\nLeeds\nLS1 1AA",
        country="GB",
        vat_number="123 4567 89",
        company_number="01234567",
        company_email="accounts@northwind.test",
        bank_details=f"Northwind Bank, IBAN {IBAN}",
    )


def client_in(country="United Kingdom", **fields):
    return CompanyFactory(
        name="Acme Ltd",
        line1="2 Low Road",
        city="York",
        postcode="YO1 1AA",
        country=country,
        **fields,
    )


def section(*lines, title="Work"):
    return {
        "title": title,
        "items": [
            {
                "type": kind,
                "title": f"Line {n}",
                "quantity": qty,
                "unitprice": price,
                "taxcode": code,
                **extra,
            }
            for n, (kind, qty, price, code, extra) in enumerate(lines, start=1)
        ],
    }


MIXED = [
    section(
        ("hourly", "7.5", "65", "001", {"description": "Design, week 1"}),
        ("fixed", "1", "333.33", "002", {}),
        ("product", "3", "12.99", "003", {"take": "50"}),
        title="Design",
    ),
    section(
        ("external", "1", "101.01", "004", {"markup": "12.5"}),
        ("fixed", "2", "0.05", "005", {}),
        title="Expenses",
    ),
]


def issue(items, discount="0", client=None, **fields):
    total = document_totals(clean_sections(items), D(discount)).total
    invoice = draft_invoice(
        items=items, discount=discount, total=total, client=client or client_in(), **fields
    )
    from billing import invoicing

    return invoicing.issue_invoice(invoice, by=invoice.added_by)


def text(tree, path):
    return tree.findtext(path, namespaces=NS)


def texts(tree, path):
    return [element.text for element in tree.iterfind(path, NS)]


SUMMATION = ".//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:"


# --- invoices ---------------------------------------------------------------------


@pytest.mark.parametrize("discount", ["0", "10", "12.5", "33.33"])
def test_an_invoice_of_several_rates_zero_rated_and_exempt_lines_is_valid(valid_einvoice, discount):
    invoice = issue(MIXED, discount=discount, purchaseorder="PO-4471")
    tree = valid_einvoice(facturx.cii_xml(invoice))

    # The page's money, to the cent.
    totals = document_totals(invoice.items, invoice.discount)
    assert text(tree, SUMMATION + "LineTotalAmount") == f"{totals.subtotal:.2f}"
    assert text(tree, SUMMATION + "TaxBasisTotalAmount") == f"{invoice.total:.2f}"
    assert text(tree, SUMMATION + "TaxTotalAmount") == f"{invoice.tax:.2f}"
    assert text(tree, SUMMATION + "GrandTotalAmount") == f"{invoice.grandtotal:.2f}"
    assert text(tree, SUMMATION + "DuePayableAmount") == f"{invoice.grandtotal:.2f}"
    allowances = texts(tree, ".//ram:SpecifiedTradeAllowanceCharge/ram:ActualAmount")
    assert sum(map(D, allowances), D(0)) == totals.discount
    assert (text(tree, SUMMATION + "AllowanceTotalAmount") or "0.00") == f"{totals.discount:.2f}"

    # One breakdown per category and rate: 001 and 005 share S 20 %.
    breakdown = {
        (text(tax, "ram:CategoryCode"), text(tax, "ram:RateApplicablePercent")): tax
        for tax in tree.iterfind(
            ".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NS
        )
    }
    assert sorted(breakdown) == [("E", "0"), ("S", "20"), ("S", "5"), ("Z", "0")]
    assert text(breakdown[("E", "0")], "ram:ExemptionReason") == "Exempt (insurance)"
    assert text(breakdown[("Z", "0")], "ram:ExemptionReason") is None

    assert text(tree, ".//rsm:ExchangedDocument/ram:ID") == invoice.reference
    assert text(tree, ".//rsm:ExchangedDocument/ram:TypeCode") == "380"
    assert text(tree, ".//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == "PO-4471"
    assert text(tree, ".//ram:DueDateDateTime/udt:DateTimeString") == (
        f"{timezone.localdate(invoice.due):%Y%m%d}"
    )
    assert text(tree, ".//ram:SpecifiedTradePaymentTerms/ram:Description") == (
        "Payment due within 30 days"
    )
    assert texts(tree, ".//ram:SpecifiedTradeProduct/ram:Name") == [
        "Line 1",
        "Line 2",
        "Line 3",
        "Line 1",
        "Line 2",
    ]
    assert texts(tree, ".//ram:BilledQuantity") == ["7.5", "1", "3", "1", "2"]
    # The part taken and the markup are in the price billed.
    assert texts(tree, ".//ram:NetPriceProductTradePrice/ram:ChargeAmount") == [
        "65",
        "333.33",
        "6.495",
        "113.63625",
        "0.05",
    ]


def test_the_discount_split_across_rates_keeps_the_pages_rounding(valid_einvoice):
    """12.5 % off 0.05 + 0.05 at two rates: each rate's discounted net rounds to 0.04
    (0.08 in all) where the page takes 0.01 off 0.10 (0.09). The cent goes on the
    zero-rated allowance, so both the page's total and BR-S-08 hold."""
    items = [section(("fixed", "1", "0.05", "001", {}), ("fixed", "1", "0.05", "003", {}))]
    totals = document_totals(clean_sections(items), D("12.5"))
    assert sum(share.net for share in totals.taxes) != totals.total  # the case in point
    tree = valid_einvoice(facturx.cii_xml(issue(items, discount="12.5")))
    assert text(tree, SUMMATION + "TaxBasisTotalAmount") == f"{totals.total:.2f}"


def test_the_parties_come_from_the_account_and_the_client(valid_einvoice):
    tree = valid_einvoice(facturx.cii_xml(issue(MIXED)))
    seller = tree.find(".//ram:SellerTradeParty", NS)
    assert text(seller, "ram:Name") == "Northwind Studio"
    assert text(seller, "ram:SpecifiedTaxRegistration/ram:ID") == "GB123456789"
    assert text(seller, "ram:SpecifiedLegalOrganization/ram:ID") == "01234567"
    assert texts(seller, "ram:PostalTradeAddress/*") == ["1 High Street", "Leeds", "LS1 1AA", "GB"]
    assert text(seller, "ram:URIUniversalCommunication/ram:URIID") == "accounts@northwind.test"
    assert text(tree, ".//ram:IBANID") == IBAN.replace(" ", "")
    buyer = tree.find(".//ram:BuyerTradeParty", NS)
    assert text(buyer, "ram:Name") == "Acme Ltd"
    assert texts(buyer, "ram:PostalTradeAddress/*") == ["YO1 1AA", "2 Low Road", "York", "GB"]


def test_a_person_client_is_the_buyer_by_their_full_name(valid_einvoice):
    person = ContactFactory(
        firstname="Ada",
        lastname="Lovelace",
        fullname="Ada Lovelace",
        email="ada@example.test",
        city="Paris",
        country="France",
    )
    tree = valid_einvoice(facturx.cii_xml(issue(MIXED, client=person)))
    buyer = tree.find(".//ram:BuyerTradeParty", NS)
    assert text(buyer, "ram:Name") == "Ada Lovelace"
    assert text(buyer, "ram:PostalTradeAddress/ram:CountryID") == "FR"
    assert text(buyer, "ram:URIUniversalCommunication/ram:URIID") == "ada@example.test"


def test_a_part_paid_invoice_is_the_document_as_issued(valid_einvoice):
    """The issued PDF is frozen, so the XML (embedded and on its own) is the invoice
    as issued: a payment changes neither what is due nor a byte of it."""
    invoice = issue(MIXED, discount="10")
    before = facturx.cii_xml(invoice)
    payment(invoice, "100.00")
    after = facturx.cii_xml(invoice)
    assert after == before
    tree = valid_einvoice(after)
    assert text(tree, SUMMATION + "TotalPrepaidAmount") is None
    assert text(tree, SUMMATION + "DuePayableAmount") == f"{invoice.grandtotal:.2f}"


def test_bank_details_without_an_iban_are_the_payment_means_in_words(valid_einvoice):
    update_account_settings(bank_details="Sort code 12-34-56, account 12345678")
    tree = valid_einvoice(facturx.cii_xml(issue(MIXED)))
    assert text(tree, ".//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode") == "1"
    assert text(tree, ".//ram:SpecifiedTradeSettlementPaymentMeans/ram:Information") == (
        "Sort code 12-34-56, account 12345678"
    )


# --- credit notes -------------------------------------------------------------------


def test_a_credit_note_refers_to_its_invoice(valid_einvoice):
    invoice = issue(MIXED, discount="10")
    items = [section(("fixed", "1", "40", "001", {}), ("fixed", "1", "10", "003", {}))]
    note = credit_note(invoice, items=items)
    tree = valid_einvoice(facturx.cii_xml(note))
    assert text(tree, ".//rsm:ExchangedDocument/ram:TypeCode") == "381"
    assert text(tree, ".//rsm:ExchangedDocument/ram:ID") == note.reference
    assert text(tree, ".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == (
        invoice.reference
    )
    assert text(tree, SUMMATION + "GrandTotalAmount") == f"{note.grandtotal:.2f}" == "58.00"
    assert text(tree, ".//ram:SpecifiedTradePaymentTerms/ram:Description") == (
        f"Credit against invoice {invoice.reference}"
    )


def test_a_credit_note_of_every_line_at_the_invoices_discount_gives_back_its_totals(
    valid_einvoice,
):
    invoice = issue(MIXED, discount="12.5")
    note = credit_note(invoice, items=invoice.items, discount="12.5")
    tree = valid_einvoice(facturx.cii_xml(note))
    assert (note.total, note.tax, note.grandtotal) == (
        invoice.total,
        invoice.tax,
        invoice.grandtotal,
    )
    totals = document_totals(note.items, note.discount)
    assert text(tree, SUMMATION + "AllowanceTotalAmount") == f"{totals.discount:.2f}"
    assert text(tree, SUMMATION + "GrandTotalAmount") == f"{invoice.grandtotal:.2f}"


def test_drafts_are_not_e_invoices():
    invoice = draft_invoice(items=MIXED, client=client_in())
    with pytest.raises(ValueError, match="not issued"):
        facturx.cii_xml(invoice)
    note = credit_note(issue(MIXED), "10", issue=False)
    with pytest.raises(ValueError, match="not issued"):
        facturx.cii_xml(note)


# --- what the account and the client lack ------------------------------------------


def test_a_complete_account_and_client_lack_nothing():
    assert facturx.missing_for_einvoice(client=client_in()) == []


def test_an_account_without_vat_number_or_country_issues_an_e_invoice_the_rules_refuse(
    en16931_rules,
):
    """Issuing works and the XML is still well-formed CII (the XSD accepts it), but
    the EN 16931 rules refuse it, each refusal about a field the page asks for."""
    update_account_settings(vat_number="", country="", company_number="")
    client = client_in(country="Atlantis")
    assert facturx.missing_for_einvoice(client=client) == [
        "VAT number",
        "country",
        "client's country",
    ]
    invoice = issue(MIXED, client=client)
    assert invoice.issued
    xml = facturx.cii_xml(invoice)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    refused = {failure.split(":")[0] for failure in en16931_rules(xml)}
    assert refused == {
        # The addresses, left out without their countries (the XSD wants one in each).
        "BR-08",
        "BR-09",
        "BR-10",
        "BR-11",
        "FX-SCH-A-000032",
        "FX-SCH-A-000419",
        # No seller identifier at all (no company number either).
        "BR-CO-26",
        # Standard, zero-rated and exempt lines need the seller's VAT number.
        "BR-S-02",
        "BR-Z-02",
        "BR-E-02",
    }


def test_a_client_country_written_in_words_or_as_a_code_is_read():
    for written in ("United Kingdom", "uk", "GB", " Great Britain "):
        assert facturx.missing_for_einvoice(client=client_in(country=written)) == []
    assert facturx.missing_for_einvoice(client=client_in(country="")) == ["client's country"]


def test_vat_numbers_get_their_country_prefix():
    assert facturx.vat_identifier("123 4567 89", "GB") == "GB123456789"
    assert facturx.vat_identifier("gb123456789", "GB") == "GB123456789"
    assert facturx.vat_identifier("094259216", "GR") == "EL094259216"
    assert facturx.vat_identifier("123456789", "") == "123456789"


# --- the PDF/A-3b -----------------------------------------------------------------


def test_pdf_options_make_a_factur_x_pdf(valid_einvoice):
    from weasyprint import HTML

    invoice = issue(MIXED, discount="10")
    pdf = HTML(string="<h1>Invoice</h1><p>Total</p>").write_pdf(**facturx.pdf_options(invoice))

    filename, xml = get_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml"
    assert xml == facturx.cii_xml(invoice)
    valid_einvoice(xml)

    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    # WeasyPrint 70 lists the one file twice in /AF (from the name tree and from
    # the file specs): one file all the same.
    [filespec] = {spec.idnum: spec.get_object() for spec in root["/AF"]}.values()
    assert filespec["/F"] == "factur-x.xml"
    assert filespec["/AFRelationship"] == "/Data"
    assert filespec["/EF"]["/F"].get_object()["/Subtype"] == "/text/xml"
    xmp = etree.fromstring(root["/Metadata"].get_object().get_data())
    fx = {"fx": "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"}
    assert [
        xmp.findtext(f".//fx:{name}", namespaces=fx)
        for name in ("DocumentType", "DocumentFileName", "Version", "ConformanceLevel")
    ] == ["INVOICE", "factur-x.xml", "1.0", "EN 16931"]
    pdfa = {"pdfaid": "http://www.aiim.org/pdfa/ns/id/"}
    [identification] = [
        element
        for element in xmp.iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description")
        if element.get(f"{{{pdfa['pdfaid']}}}part")
    ]
    assert identification.get(f"{{{pdfa['pdfaid']}}}part") == "3"
    assert identification.get(f"{{{pdfa['pdfaid']}}}conformance") == "B"


# --- pages ----------------------------------------------------------------------------


def test_the_xml_downloads_from_an_issued_invoice_and_credit_note(staff_client):
    invoice = issue(MIXED)
    response = staff_client.get(f"/invoices/{invoice.pk}/factur-x.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="invoice-{invoice.reference}-factur-x.xml"'
    )
    assert response.content == facturx.cii_xml(invoice)

    note = credit_note(invoice, "10")
    response = staff_client.get(f"/invoices/creditnotes/{note.pk}/factur-x.xml")
    assert response.status_code == 200
    assert response.content == facturx.cii_xml(note)


def test_drafts_have_no_xml_and_strangers_get_none(staff_client, client, restricted_client):
    draft = draft_invoice(items=MIXED, client=client_in())
    assert staff_client.get(f"/invoices/{draft.pk}/factur-x.xml").status_code == 404
    note = credit_note(issue(MIXED), "10", issue=False)
    assert staff_client.get(f"/invoices/creditnotes/{note.pk}/factur-x.xml").status_code == 404
    invoice = issue(MIXED)
    response = client.get(f"/invoices/{invoice.pk}/factur-x.xml")
    assert response.status_code == 302 and "/login" in response["Location"]
    # Restricted to contacts: no invoices area.
    assert restricted_client.get(f"/invoices/{invoice.pk}/factur-x.xml").status_code == 403


def test_the_document_pages_link_the_xml_and_say_what_to_fill(staff_client):
    acme = client_in(country="")
    invoice = issue(MIXED, client=acme)
    page = staff_client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert f'href="/invoices/{invoice.pk}/factur-x.xml"' in page
    assert "Not yet a valid e-invoice." in page
    assert f'<a href="/connections/companies/{acme.pk}/edit/">Acme Ltd\'s country</a>' in page
    assert "your VAT number" not in page

    update_account_settings(vat_number="")
    note = credit_note(invoice, "10")
    page = staff_client.get(f"/invoices/creditnotes/{note.pk}/").content.decode()
    assert f'href="/invoices/creditnotes/{note.pk}/factur-x.xml"' in page
    assert '<a href="/settings/company/">your VAT number</a>' in page


def test_a_complete_invoice_page_asks_for_nothing_and_a_draft_offers_no_xml(staff_client):
    invoice = issue(MIXED)
    page = staff_client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "Download the Factur-X XML" in page
    assert "Not yet a valid e-invoice." not in page
    draft = draft_invoice(items=MIXED, client=client_in(country=""))
    page = staff_client.get(f"/invoices/{draft.pk}/").content.decode()
    assert "factur-x.xml" not in page and "Not yet a valid e-invoice." not in page
