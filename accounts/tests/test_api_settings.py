"""The settings resource: single values, the logo, and the reference lists."""

import json
from decimal import Decimal

import pytest

from accounts.models import AccountSettings
from billing.models import ChargeRate, LedgerCategory, TaxCode
from conftest import without_field_detail
from projects.models import ActivityType

pytestmark = pytest.mark.django_db


# --- single values --------------------------------------------------------------------


def test_breakeven_round_trip_as_a_string(depot):
    assert depot.get("settings/breakeven").json() == {"error": False, "value": "0"}
    response = depot.patch("settings/breakeven", {"value": "24000"})
    assert response.status_code == 200
    assert response.json() == {"error": False}
    assert depot.get("settings/breakeven").json() == {"error": False, "value": "24000"}
    depot.patch("settings/breakeven", {"value": "1250.5"})
    assert depot.get("settings/breakeven").json()["value"] == "1250.5"


def test_timeround_round_trip(depot):
    depot.patch("settings/timeround", {"value": "15"})
    assert depot.get("settings/timeround").json() == {"error": False, "value": "15"}
    assert (
        depot.get("settings/timeround", fmt="xml")
        .content.decode()
        .endswith("<response>\n   <error>false</error>\n   <value>15</value>\n</response>\n")
    )


@pytest.mark.parametrize("key", ["nextproposalid", "nextinvoiceid", "nextcreditid"])
def test_next_ids_are_integers(depot, key):
    response = depot.patch(f"settings/{key}", {"value": "456"}, as_json=False)
    assert response.status_code == 200
    assert depot.get(f"settings/{key}").json() == {"error": False, "value": 456}
    assert getattr(AccountSettings.load(), key) == 456


@pytest.mark.parametrize(
    "key,value,error",
    [
        ("timeround", "abc", "value must be a whole number."),
        ("timeround", "-5", "timeround must be a whole number from 0 to 1440."),
        ("timeround", "2000", "timeround must be a whole number from 0 to 1440."),
        ("nextinvoiceid", "0", "nextinvoiceid must be a whole number from 1 to 2000000000."),
        ("nextinvoiceid", "1.5", "value must be a whole number."),
        ("breakeven", "lots", "value must be a number."),
        ("breakeven", "-1", "breakeven must be an amount of 0 or more."),
    ],
)
def test_malformed_values_are_400(depot, key, value, error):
    before = AccountSettings.load()
    response = depot.patch(f"settings/{key}", {"value": value})
    assert response.status_code == 400
    assert without_field_detail(response) == {
        "error": True,
        "msg": "Validation errors",
        "errors": [error],
    }
    after = AccountSettings.load()
    assert getattr(after, key) == getattr(before, key)


def test_missing_value_is_400(depot):
    response = depot.patch("settings/timeround", {})
    assert response.status_code == 400
    assert response.json()["errors"] == ["value is required."]


def test_logo_remove(depot):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "PNG")
    depot.client.post(
        "/api/v1/settings/logo.json",
        {"_tbxFile1": SimpleUploadedFile("l.png", buffer.getvalue())},
        headers=depot.headers,
    )
    assert depot.get("settings/logo").json()["value"].endswith(".png")
    assert depot.patch("settings/logo", {"removelogo": "0"}).status_code == 400
    response = depot.patch("settings/logo", {"removelogo": "1"})
    assert response.json() == {"error": False}
    assert depot.get("settings/logo").json() == {"error": False, "value": None}


def _png(width=12, height=8) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_logo_upload_where_the_php_kit_sends_it(depot, fmt):
    # The official kit posts to settings/logo/upload, the spec to settings/logo.
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = depot.client.post(
        depot.url("settings/logo/upload", fmt),
        {"_tbxFile1": SimpleUploadedFile("kit.png", _png())},
        headers=depot.headers,
    )
    assert response.status_code == 200
    if fmt == "json":
        body = response.json()
        assert body["error"] is False and body["finish"] is True
        assert depot.get("settings/logo").json()["value"] == body["upload_name"]
    else:
        assert b"<finish>true</finish>" in response.content
    assert "/media/logo/kit" in depot.get("settings/logo").json()["value"]


def test_chunked_logo_upload_to_the_kit_path(depot):
    content = _png(200, 100)
    headers = {
        **depot.headers,
        "X-File-Id": "kit-1",
        "X-File-Name": "chunked.png",
        "X-File-Size": str(len(content)),
        "X-File-Resume": "false",
    }
    answers = [
        depot.client.post(
            depot.url("settings/logo/upload"),
            part,
            content_type="application/octet-stream",
            headers=headers,
        ).json()
        for part in (content[:60], content[60:])
    ]
    assert answers[0] == {"error": False, "id": "kit-1", "finish": False}
    assert answers[1]["finish"] is True
    assert depot.get("settings/logo").json()["value"] == answers[1]["upload_name"]


def test_both_logo_upload_paths_are_documented(client):
    paths = json.loads(client.get("/api/v1/openapi.json").content)["paths"]
    assert "post" in paths["/api/v1/settings/logo"]
    assert "post" in paths["/api/v1/settings/logo/upload"]


# --- tax codes, charge rates, ledgers -------------------------------------------------


def test_tax_codes_replace_and_read_back(depot):
    value = [
        {"code": "001", "name": "Standard VAT", "rate": 0.2},
        {"code": "002", "name": "Zero VAT", "rate": 0},
        {"code": "003", "name": "Reduced VAT", "rate": 0.05},
    ]
    response = depot.patch("settings/taxcodes", {"value": json.dumps(value)})
    assert response.status_code == 200
    body = depot.get("settings/taxcodes").json()
    assert body["rows"] == value
    assert body["total"] == 3

    # Replace keeps matching codes, drops the rest, follows the new order.
    standard_pk = TaxCode.objects.get(code="001").pk
    depot.patch(
        "settings/taxcodes",
        {
            "value": [
                {"code": "003", "name": "Reduced", "rate": "0.05"},
                {"id": "001", "name": "Std", "rate": "0.2"},
            ]
        },
        as_json=True,
    )
    assert [row["code"] for row in depot.get("settings/taxcodes").json()["rows"]] == ["003", "001"]
    assert TaxCode.objects.get(code="001").pk == standard_pk


def test_tax_codes_xml(depot):
    depot.patch("settings/taxcodes", {"value": '[{"code":"001","name":"Standard VAT","rate":0.2}]'})
    body = depot.get("settings/taxcodes", fmt="xml").content.decode()
    assert (
        "<item>\n         <code>001</code>\n         <name>Standard VAT</name>\n"
        "         <rate>0.2</rate>\n      </item>" in body
    )


@pytest.mark.parametrize(
    "value,errors",
    [
        ("not json", ["value must be valid JSON."]),
        ('{"code": "1"}', ["value must be a JSON list."]),
        (
            '[{"code":"1","name":"A","rate":1.5}]',
            ["value item 1: rate must be a fraction from 0 to 1 (0.2 means 20%)."],
        ),
        ('[{"code":"1","name":"A","rate":"x"}]', ["value item 1: rate must be a number."]),
        ('[{"code":"1","name":"","rate":0.2}]', ["value item 1: name is required."]),
        (
            '[{"code":"1","name":"A","rate":0.2},{"code":"1","name":"B","rate":0}]',
            ["value item 2: code 1 is repeated."],
        ),
    ],
)
def test_tax_code_errors_change_nothing(depot, value, errors):
    TaxCode.objects.create(code="009", name="Keep me", rate=Decimal("0.1"))
    response = depot.patch("settings/taxcodes", {"value": value})
    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert list(TaxCode.objects.values_list("code", flat=True)) == ["009"]


def test_charge_rates_round_half_up_to_the_cent(depot):
    depot.patch("settings/chargerates", {"value": '[{"name": "Odd", "rate": "100.125"}]'})
    assert depot.get("settings/chargerates").json()["rows"] == [{"name": "Odd", "rate": 100.13}]
    depot.patch("settings/breakeven", {"value": "0.125"})
    assert depot.get("settings/breakeven").json()["value"] == "0.13"


def test_charge_rates_round_trip(depot):
    value = [{"name": "Standard rate", "rate": 100}, {"name": "Consultancy rate", "rate": 150}]
    assert depot.patch("settings/chargerates", {"value": json.dumps(value)}).status_code == 200
    assert depot.get("settings/chargerates").json()["rows"] == value
    response = depot.patch("settings/chargerates", {"value": '[{"name":"X","rate":-1}]'})
    assert response.status_code == 400
    assert ChargeRate.objects.count() == 2


def test_ledgers_round_trip(depot):
    value = [
        {"code": "4000", "name": "Consultancy & Strategy"},
        {"code": "4001", "name": "Research"},
    ]
    assert depot.patch("settings/ledgers", {"value": json.dumps(value)}).status_code == 200
    assert depot.get("settings/ledgers").json()["rows"] == value
    assert (
        "<name>Consultancy &amp; Strategy</name>"
        in depot.get("settings/ledgers", fmt="xml").content.decode()
    )
    assert LedgerCategory.objects.count() == 2


# --- activity types ---------------------------------------------------------------------


def test_activity_types_round_trip(depot):
    value = {
        "nextid": 101,
        "tasks": [
            {"id": "1", "name": "Administration"},
            {"id": "2", "name": "Cleaning"},
            {"name": "Design"},
        ],
    }
    response = depot.patch("settings/activitytypes", {"value": json.dumps(value)})
    assert response.status_code == 200
    body = depot.get("settings/activitytypes").json()
    assert body["rows"] == [
        {"id": "1", "name": "Administration"},
        {"id": "2", "name": "Cleaning"},
        {"id": "101", "name": "Design"},
    ]
    assert body["total"] == 3
    assert AccountSettings.load().nextactivitytypeid == 102

    depot.patch(
        "settings/activitytypes",
        {"value": {"tasks": [{"id": "2", "name": "Cleaning up"}]}},
        as_json=True,
    )
    assert list(ActivityType.objects.values_list("id", "name")) == [(2, "Cleaning up")]


@pytest.mark.parametrize(
    "value,error",
    [
        ('{"tasks": "nope"}', 'value must be an object with a "tasks" list (and "nextid").'),
        (
            '{"tasks": [{"id": "x", "name": "A"}]}',
            "tasks item 1: id must be a whole number from 1 to 2000000000.",
        ),
        ('{"tasks": [{"id": "1", "name": ""}]}', "tasks item 1: name is required."),
        (
            '{"tasks": [{"id": "99999999999999999999999", "name": "X"}]}',
            "tasks item 1: id must be a whole number from 1 to 2000000000.",
        ),
        (
            '{"tasks": [{"id": "3000000000", "name": "X"}]}',
            "tasks item 1: id must be a whole number from 1 to 2000000000.",
        ),
        (
            '{"nextid": 99999999999999999999999, "tasks": []}',
            "nextid must be a whole number from 1 to 2000000000.",
        ),
        (
            '{"tasks": [{"name": ["a"]}]}',
            "tasks item 1: name must be text, not a list or an object.",
        ),
        (
            '{"nextid": 2, "tasks": [{"id": "5", "name": "A"}]}',
            "nextid must be greater than the highest id (5).",
        ),
    ],
)
def test_activity_type_errors(depot, value, error):
    response = depot.patch("settings/activitytypes", {"value": value})
    assert response.status_code == 400
    assert response.json()["errors"] == [error]
    assert ActivityType.objects.count() == 0


# --- query counts ------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 50])
def test_settings_lists_keep_queries_flat(depot, django_assert_max_num_queries, count):
    TaxCode.objects.bulk_create(
        TaxCode(code=f"{n:03d}", name=f"Tax {n}", rate="0.2", position=n) for n in range(count)
    )
    LedgerCategory.objects.bulk_create(
        LedgerCategory(code=f"4{n:03d}", name=f"Ledger {n}", position=n) for n in range(count)
    )
    ChargeRate.objects.bulk_create(
        ChargeRate(name=f"Rate {n}", rate=100 + n, position=n) for n in range(count)
    )
    ActivityType.objects.bulk_create(ActivityType(id=n + 1, name=f"Task {n}") for n in range(count))
    # credential (2) + the database cache's rate-limit bucket (6) + the rows (1);
    # activity types also read (here: first create) the account's settings row (+3).
    budgets = {"taxcodes": 9, "ledgers": 9, "chargerates": 9, "activitytypes": 12}
    for resource, budget in budgets.items():
        with django_assert_max_num_queries(budget):
            response = depot.get(f"settings/{resource}")
        assert response.status_code == 200
        assert response.json()["total"] == count
