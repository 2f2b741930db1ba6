"""Factur-X / ZUGFeRD e-invoices (EN 16931 profile) of issued invoices and credit notes.

The CII XML is built from the document's stored sections priced by billing.totals,
the one pricing, so every amount in it is the cent the pages, the API and the PDF
show. The PDF renderer embeds it with `pdf_options`; pages offer it on its own.

Choices the standard leaves to us, each with the rule it satisfies:

- Tax categories come from a code's rate and name: a rate above zero is S
  (standard), a zero rate whose name says "exempt" is E with the name as its
  exemption reason (BR-E-10), any other zero rate Z (zero-rated, no reason: BR-Z-10).
  Codes of one category and rate are one VAT breakdown: the rules add lines up per
  category and rate (BR-S-08, BR-Z-08, BR-E-08).
- The document's discount is one allowance per breakdown, so each breakdown's
  taxable amount is its lines less its allowance (BR-S-08) and the allowances add up
  to the discount the page shows (BR-CO-13). billing.totals rounds the discount once
  over the subtotal and each code's discounted net on its own; the cent or two by
  which those differ goes on a zero-rated allowance where there is one, else on the
  largest (the tax checks allow a unit of rounding: BR-S-09, BR-CO-17).
- Payments and credit notes after issue are not in it: the PDF of an issued document
  is frozen as issued, and the XML on its own must be that same document. The amount
  due (BT-115) is the grand total; there is no prepaid amount (BT-113).
- Nothing is guessed: the address of a seller or client whose country we can't
  read is left out, which the EN 16931 rules refuse (BR-08 to BR-11), and
  `missing_for_einvoice` names the country for the document page to ask for. So is
  a missing VAT number (BR-S-02, BR-Z-02, BR-E-02). Such an XML still passes the XSD.
"""

import base64
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone
from lxml import etree

from accounts.models import AccountSettings
from config.countries import COUNTRIES, country_code
from crm.models import Company

from .models import CreditNote, Invoice, TaxCode
from .totals import HUNDRED, ZERO, Totals, document_totals, line_amount

FILENAME = "factur-x.xml"
# Factur-X's XMP name for the EN 16931 ("COMFORT") profile, and its guideline ID.
CONFORMANCE_LEVEL = "EN 16931"
GUIDELINE = "urn:cen.eu:en16931:2017"
INVOICE_TYPE = "380"  # UNTDID 1001: commercial invoice
CREDIT_NOTE_TYPE = "381"  # UNTDID 1001: credit note
DISCOUNT_REASON_CODE = "95"  # UNTDID 5189: discount (BR-33, BR-CO-05)
HOURS_UNIT = "HUR"  # UN/ECE rec 20: hour
ITEM_UNIT = "C62"  # UN/ECE rec 20: one

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}

Document = Invoice | CreditNote


def _sub(parent, tag: str, text=None, **attributes) -> etree._Element:
    prefix, name = tag.split(":")
    element = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", attributes)
    if text is not None:
        element.text = str(text)
    return element


def _amount(value: Decimal) -> str:
    """Money to the cent: EN 16931 allows two decimals on amounts (BR-DEC-*)."""
    return f"{value:.2f}"


def _number(value: Decimal) -> str:
    """A quantity, price or percentage as people write it: 2.5, never 2.5000 or 5E+1."""
    return format(Decimal(value).normalize(), "f") if value else "0"


def _date(parent, tag: str, day: date, *, qualified: bool = False) -> None:
    holder = _sub(parent, tag)
    _sub(
        holder,
        "qdt:DateTimeString" if qualified else "udt:DateTimeString",
        f"{day:%Y%m%d}",
        format="102",
    )


# --- who: the seller (the account) and the buyer (the client) ----------------------


def vat_identifier(vat_number: str, country: str) -> str:
    """The VAT number with its country prefix (BR-CO-09): "123 4567 89" of a GB
    account is GB123456789; Greece's prefix is EL."""
    compact = re.sub(r"[\s.\-]", "", vat_number).upper()
    if not compact or compact[:2].isalpha() or country not in COUNTRIES:
        return compact
    return ("EL" if country == "GR" else country) + compact


def _iban(text: str) -> str:
    """The first valid IBAN written in the bank details, or "" (ISO 13616 mod 97)."""
    for candidate in re.findall(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){11,30}\b", text.upper()):
        iban = candidate.replace(" ", "")
        digits = "".join(str(int(char, 36)) for char in iban[4:] + iban[:4])
        if int(digits) % 97 == 1:
            return iban
    return ""


def missing_for_einvoice(account: AccountSettings | None = None, client=None) -> list[str]:
    """What the account (and the client, a crm Company or Contact) lack for an
    e-invoice the EN 16931 rules accept, in words for the document page. Issuing
    never waits for them; the XML leaves them out and says so by failing those rules."""
    account = account or AccountSettings.load()
    missing = []
    if not account.company_name.strip():
        missing.append("company name")  # BR-06
    # Every category we write (S, Z, E) needs the seller's VAT number: BR-S-02,
    # BR-Z-02, BR-E-02.
    if not account.vat_number.strip():
        missing.append("VAT number")
    if account.country not in COUNTRIES:
        missing.append("country")  # BR-09
    if client is not None and not country_code(client.country):
        missing.append("client's country")  # BR-11
    return missing


def _address(party, lines: Iterable[str], *, postcode="", city="", district="", country=""):
    """BG-5/BG-8. Lines beyond the standard's three are kept on the third. The XSD
    wants a CountryID in every address, so an address whose country we can't read
    is left out whole: the XML stays well-formed CII and the rules refuse it (BR-08,
    BR-09 for the seller; BR-10, BR-11 for the buyer)."""
    if not country:
        return
    lines = [line.strip() for line in lines if line and line.strip()]
    if len(lines) > 3:
        lines = [*lines[:2], ", ".join(lines[2:])]
    address = _sub(party, "ram:PostalTradeAddress")
    if postcode:
        _sub(address, "ram:PostcodeCode", postcode)
    for tag, line in zip(("ram:LineOne", "ram:LineTwo", "ram:LineThree"), lines, strict=False):
        _sub(address, tag, line)
    if city:
        _sub(address, "ram:CityName", city)
    _sub(address, "ram:CountryID", country)
    if district:
        _sub(address, "ram:CountrySubDivisionName", district)


def _seller(agreement, account: AccountSettings) -> None:
    """BG-4, the seller, from the account's company details."""
    party = _sub(agreement, "ram:SellerTradeParty")
    _sub(party, "ram:Name", account.company_name.strip())
    if account.company_number.strip():
        # BT-30: with the VAT number, how the buyer identifies us (BR-CO-26).
        legal = _sub(party, "ram:SpecifiedLegalOrganization")
        _sub(legal, "ram:ID", account.company_number.strip())
    country = account.country if account.country in COUNTRIES else ""
    _address(party, account.company_address.splitlines(), country=country)
    if account.company_email:
        communication = _sub(party, "ram:URIUniversalCommunication")
        _sub(communication, "ram:URIID", account.company_email, schemeID="EM")  # BT-34
    if account.vat_number.strip():
        registration = _sub(party, "ram:SpecifiedTaxRegistration")
        _sub(registration, "ram:ID", vat_identifier(account.vat_number, country), schemeID="VA")


def _party_name(client) -> str:
    """A client company's name or a person's full name."""
    return client.name if isinstance(client, Company) else client.fullname


def _buyer(agreement, client) -> None:
    """BG-7, the buyer: the client company or person, with their address."""
    party = _sub(agreement, "ram:BuyerTradeParty")
    _sub(party, "ram:Name", _party_name(client))  # BR-07
    _address(
        party,
        (client.line1, client.line2, client.line3),
        postcode=client.postcode,
        city=client.city,
        district=client.district,
        country=country_code(client.country),
    )
    email = getattr(client, "email", "")
    if email:
        communication = _sub(party, "ram:URIUniversalCommunication")
        _sub(communication, "ram:URIID", email, schemeID="EM")  # BT-49


# --- what: the lines, and the tax breakdown -----------------------------------------


@dataclass
class TaxGroup:
    """One VAT breakdown (BG-23): the tax codes of one category and rate."""

    category: str
    percent: Decimal
    reason: str  # exemption reason (BT-120), for category E only
    lines_net: Decimal = ZERO  # Σ line nets (BT-131) before the discount
    tax: Decimal = ZERO  # Σ of billing.totals' tax per code
    allowance: Decimal = ZERO  # this group's share of the document's discount

    @property
    def taxable(self) -> Decimal:
        return self.lines_net - self.allowance  # BT-116 as BR-S-08 adds it up


def _category(rate: Decimal, name: str) -> tuple[str, str]:
    """(category, exemption reason) of a tax code: see the module's docstring."""
    if rate > 0:
        return "S", ""
    if "exempt" in name.lower():
        return "E", name.strip()
    return "Z", ""


def _tax_groups(sections: list, totals: Totals) -> tuple[dict[str, tuple], list[TaxGroup]]:
    """Each tax code's group key, and the groups with their money from `totals`."""
    names = dict(TaxCode.objects.values_list("code", "name"))
    keys: dict[str, tuple] = {}
    groups: dict[tuple, TaxGroup] = {}
    for share in totals.taxes:
        category, reason = _category(share.rate, names.get(share.code, ""))
        key = (category, share.rate * HUNDRED)
        keys[share.code] = key
        group = groups.setdefault(key, TaxGroup(category, share.rate * HUNDRED, ""))
        if reason and reason not in group.reason.split("; "):
            group.reason = f"{group.reason}; {reason}" if group.reason else reason
        group.tax += share.tax
        # The code's discounted net, as billing.totals rounded it; the lines' nets
        # are added below.
        group.allowance -= share.net
    for section in sections:
        for line in section["items"]:
            groups[keys[line["taxcode"]]].lines_net += line_amount(line)
    ordered = list(groups.values())
    for group in ordered:
        group.allowance += group.lines_net
    drift = totals.discount - sum((group.allowance for group in ordered), ZERO)
    if drift and ordered:
        untaxed = [group for group in ordered if group.category != "S"]
        target = max(untaxed or ordered, key=lambda group: group.lines_net)
        target.allowance += drift
    return keys, ordered


def _trade_tax(parent, tag: str, group: TaxGroup) -> None:
    """A line's or an allowance's VAT category (BR-CO-04, BR-32)."""
    tax = _sub(parent, tag)
    _sub(tax, "ram:TypeCode", "VAT")
    _sub(tax, "ram:CategoryCode", group.category)
    _sub(tax, "ram:RateApplicablePercent", _number(group.percent))


def _lines(transaction, sections: list, keys: dict, groups: dict) -> None:
    """BG-25, one per stored line, in order, numbered from 1 (BR-21)."""
    number = 0
    for section in sections:
        for line in section["items"]:
            number += 1
            item = _sub(transaction, "ram:IncludedSupplyChainTradeLineItem")
            document = _sub(item, "ram:AssociatedDocumentLineDocument")
            _sub(document, "ram:LineID", number)
            if section["title"]:
                note = _sub(document, "ram:IncludedNote")
                _sub(note, "ram:Content", section["title"])
            product = _sub(item, "ram:SpecifiedTradeProduct")
            _sub(product, "ram:Name", line["title"])  # BR-25
            if line["description"]:
                _sub(product, "ram:Description", line["description"])
            agreement = _sub(item, "ram:SpecifiedLineTradeAgreement")
            # The price the line is billed at: the unit price with the part taken
            # and any markup, so quantity × price is the line's net before rounding.
            price = (
                Decimal(line["unitprice"])
                * Decimal(line["take"])
                / HUNDRED
                * (1 + Decimal(line["markup"]) / HUNDRED)
            )
            net_price = _sub(agreement, "ram:NetPriceProductTradePrice")
            _sub(net_price, "ram:ChargeAmount", _number(price))  # BR-26, BR-27
            delivery = _sub(item, "ram:SpecifiedLineTradeDelivery")
            unit = HOURS_UNIT if line["type"] == "hourly" else ITEM_UNIT
            _sub(delivery, "ram:BilledQuantity", _number(Decimal(line["quantity"])), unitCode=unit)
            settlement = _sub(item, "ram:SpecifiedLineTradeSettlement")
            _trade_tax(settlement, "ram:ApplicableTradeTax", groups[keys[line["taxcode"]]])
            summation = _sub(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
            _sub(summation, "ram:LineTotalAmount", _amount(line_amount(line)))


# --- how much and when: the settlement ---------------------------------------------


def _payment_means(settlement, account: AccountSettings) -> None:
    """BG-16 from the bank details: a credit transfer to the IBAN written there
    (BR-61 needs the account), else the details as text (BR-49 needs a type code)."""
    details = " ".join(account.bank_details.split())
    if not details:
        return
    means = _sub(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
    iban = _iban(account.bank_details)
    if iban:
        _sub(means, "ram:TypeCode", "58" if account.currency == "EUR" else "30")
        _sub(means, "ram:Information", details)
        creditor = _sub(means, "ram:PayeePartyCreditorFinancialAccount")
        _sub(creditor, "ram:IBANID", iban)
    else:
        _sub(means, "ram:TypeCode", "1")  # UNTDID 4461: instrument not defined
        _sub(means, "ram:Information", details)


def _breakdown(settlement, group: TaxGroup) -> None:
    tax = _sub(settlement, "ram:ApplicableTradeTax")
    _sub(tax, "ram:CalculatedAmount", _amount(group.tax))
    _sub(tax, "ram:TypeCode", "VAT")
    if group.category == "E":
        _sub(tax, "ram:ExemptionReason", group.reason)  # BR-E-10
    _sub(tax, "ram:BasisAmount", _amount(group.taxable))
    _sub(tax, "ram:CategoryCode", group.category)
    _sub(tax, "ram:RateApplicablePercent", _number(group.percent))


def _discount(settlement, group: TaxGroup, percent: Decimal) -> None:
    """A document level allowance (BG-20) of the group's share of the discount."""
    allowance = _sub(settlement, "ram:SpecifiedTradeAllowanceCharge")
    indicator = _sub(allowance, "ram:ChargeIndicator")
    _sub(indicator, "udt:Indicator", "false")
    _sub(allowance, "ram:ActualAmount", _amount(group.allowance))
    _sub(allowance, "ram:ReasonCode", DISCOUNT_REASON_CODE)
    _sub(allowance, "ram:Reason", f"Discount {_number(percent)}%")
    _trade_tax(allowance, "ram:CategoryTradeTax", group)


def _payment_terms(settlement, document: Document) -> None:
    """BT-20 and BT-9: with a positive amount due, one of them must be there
    (BR-CO-25)."""
    terms = _sub(settlement, "ram:SpecifiedTradePaymentTerms")
    if isinstance(document, CreditNote):
        _sub(terms, "ram:Description", f"Credit against invoice {document.invoice.reference}")
        return
    days = document.terms
    words = f"Payment due within {days} days" if days else "Payment due on receipt"
    _sub(terms, "ram:Description", words)
    _date(terms, "ram:DueDateDateTime", timezone.localdate(document.due))


def _summation(settlement, totals: Totals, currency: str) -> None:
    """BG-22: the page's totals, which add up as BR-CO-10, -13, -14, -15, -16 check."""
    summation = _sub(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _sub(summation, "ram:LineTotalAmount", _amount(totals.subtotal))
    if totals.discount:
        _sub(summation, "ram:AllowanceTotalAmount", _amount(totals.discount))
    _sub(summation, "ram:TaxBasisTotalAmount", _amount(totals.total))
    _sub(summation, "ram:TaxTotalAmount", _amount(totals.tax), currencyID=currency)
    _sub(summation, "ram:GrandTotalAmount", _amount(totals.grandtotal))
    _sub(summation, "ram:DuePayableAmount", _amount(totals.grandtotal))


# --- the document ---------------------------------------------------------------------


def cii_xml(document: Document) -> bytes:
    """The Factur-X EN 16931 CII XML of an issued invoice (type 380) or credit note
    (type 381, referring to its invoice: BG-3)."""
    if not document.issued:
        raise ValueError(f"{document} is not issued: only issued documents are e-invoices.")
    account = AccountSettings.load()
    is_credit = isinstance(document, CreditNote)
    invoice = document.invoice if is_credit else document
    discount = Decimal(document.discount)
    sections = document.items
    totals = document_totals(sections, discount)
    keys, groups = _tax_groups(sections, totals)
    by_key = {(group.category, group.percent): group for group in groups}

    root = etree.Element(f"{{{NS['rsm']}}}CrossIndustryInvoice", nsmap=NS)
    context = _sub(root, "rsm:ExchangedDocumentContext")
    guideline = _sub(context, "ram:GuidelineSpecifiedDocumentContextParameter")
    _sub(guideline, "ram:ID", GUIDELINE)  # BR-01

    header = _sub(root, "rsm:ExchangedDocument")
    _sub(header, "ram:ID", document.reference)  # BR-02
    _sub(header, "ram:TypeCode", CREDIT_NOTE_TYPE if is_credit else INVOICE_TYPE)  # BR-04
    _date(header, "ram:IssueDateTime", timezone.localdate(document.date))  # BR-03

    transaction = _sub(root, "rsm:SupplyChainTradeTransaction")
    _lines(transaction, sections, keys, by_key)

    agreement = _sub(transaction, "ram:ApplicableHeaderTradeAgreement")
    _seller(agreement, account)
    _buyer(agreement, invoice.client)
    if invoice.purchaseorder:
        order = _sub(agreement, "ram:BuyerOrderReferencedDocument")
        _sub(order, "ram:IssuerAssignedID", invoice.purchaseorder)  # BT-13

    delivery = _sub(transaction, "ram:ApplicableHeaderTradeDelivery")
    # BT-70: the work is delivered to the client. It also keeps the element, which
    # the XSD requires, from being empty (PEPPOL-EN16931-R008).
    ship_to = _sub(delivery, "ram:ShipToTradeParty")
    _sub(ship_to, "ram:Name", _party_name(invoice.client))

    settlement = _sub(transaction, "ram:ApplicableHeaderTradeSettlement")
    _sub(settlement, "ram:PaymentReference", invoice.reference)  # BT-83
    _sub(settlement, "ram:InvoiceCurrencyCode", account.currency)  # BR-05
    _payment_means(settlement, account)
    for group in groups:
        _breakdown(settlement, group)
    for group in groups:
        if group.allowance:
            _discount(settlement, group, discount)
    _payment_terms(settlement, document)
    _summation(settlement, totals, account.currency)
    if is_credit:
        preceding = _sub(settlement, "ram:InvoiceReferencedDocument")
        _sub(preceding, "ram:IssuerAssignedID", invoice.reference)  # BT-25
        _date(
            preceding,
            "ram:FormattedIssueDateTime",
            timezone.localdate(invoice.date),
            qualified=True,
        )  # BT-26
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- the PDF/A-3b it goes into ------------------------------------------------------

# The Factur-X XMP properties and the PDF/A extension schema that declares them
# (PDF/A-3 refuses undeclared properties). WeasyPrint writes each `xmp_metadata`
# item beside its own rdf:RDF inside the packet's x:xmpmeta.
XMP = f"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#">
    <fx:DocumentType>INVOICE</fx:DocumentType>
    <fx:DocumentFileName>{FILENAME}</fx:DocumentFileName>
    <fx:Version>1.0</fx:Version>
    <fx:ConformanceLevel>{CONFORMANCE_LEVEL}</fx:ConformanceLevel>
  </rdf:Description>
  <rdf:Description rdf:about=""
      xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
      xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
      xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
    <pdfaExtension:schemas>
      <rdf:Bag>
        <rdf:li rdf:parseType="Resource">
          <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>
          <pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>
          <pdfaSchema:prefix>fx</pdfaSchema:prefix>
          <pdfaSchema:property>
            <rdf:Seq>
{
    "".join(
        f'''              <rdf:li rdf:parseType="Resource">
                <pdfaProperty:name>{name}</pdfaProperty:name>
                <pdfaProperty:valueType>Text</pdfaProperty:valueType>
                <pdfaProperty:category>external</pdfaProperty:category>
                <pdfaProperty:description>{words}</pdfaProperty:description>
              </rdf:li>
'''
        for name, words in (
            ("DocumentFileName", "The name of the embedded XML invoice file"),
            ("DocumentType", "INVOICE"),
            ("Version", "The version of the Factur-X XML schema"),
            ("ConformanceLevel", "The conformance level of the embedded Factur-X data"),
        )
    )
}            </rdf:Seq>
          </pdfaSchema:property>
        </rdf:li>
      </rdf:Bag>
    </pdfaExtension:schemas>
  </rdf:Description>
</rdf:RDF>
""".encode()


def pdf_options(document: Document) -> dict:
    """Keyword arguments for WeasyPrint's `write_pdf` that make the PDF of an issued
    invoice or credit note a Factur-X EN 16931 e-invoice: PDF/A-3b, the CII XML
    embedded as factur-x.xml (relationship Data) and the Factur-X XMP. Build them
    for each render: the XMP is a file object, read once."""
    # Imported here: pages that only link to the XML needn't load WeasyPrint.
    from weasyprint import Attachment

    xml = cii_xml(document)
    # A data: URL is the one source that carries a media type: Factur-X wants the
    # embedded file's subtype text/xml, where guessing from the name gives
    # application/xml. The Attachment fetches it with its own default fetcher.
    url = "data:text/xml;base64," + base64.b64encode(xml).decode()
    return {
        "pdf_variant": "pdf/a-3b",
        "attachments": [
            Attachment(
                url=url,
                name=FILENAME,
                description=f"Factur-X {CONFORMANCE_LEVEL} e-invoice",
                relationship="Data",
            )
        ],
        "xmp_metadata": [io.BytesIO(XMP)],
    }
