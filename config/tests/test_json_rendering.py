"""The API's JSON (config.api.rendering.render_json): orjson writes it, and what
orjson refuses the standard library writes instead, so every answer that rendered
before still renders, with the same values."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from config.api.rendering import render_json


def test_values_come_out_as_depots_examples_show_them():
    body = render_json(
        {
            "error": False,
            "rows": [
                {
                    "name": "Café Ñandú “quoted” \n",
                    "total": Decimal("250.00"),
                    "rate": Decimal("12.50"),
                    "due": date(2026, 12, 31),
                    "sent": datetime(2026, 12, 1, 9, 30, 5, 120000, tzinfo=UTC),
                    "local": datetime(2026, 7, 1, 9, 30, tzinfo=ZoneInfo("Europe/London")),
                    "none": None,
                    "tags": ("a", "b"),
                }
            ],
            "total": 1,
        }
    )
    expected = (
        '{"error":false,"rows":[{"name":"Café Ñandú “quoted” \\n","total":250,'
        '"rate":12.5,"due":"2026-12-31","sent":"2026-12-01T09:30:05.120000+00:00",'
        '"local":"2026-07-01T09:30:00+01:00","none":null,"tags":["a","b"]}],"total":1}'
    )
    assert body == expected.encode()


@pytest.mark.parametrize(
    "data",
    [
        {"id": 2**70},  # a number past 64 bits, as a client may send one back
        {"rows": {5: "a key that is a number"}},
        {"total": Decimal("123456789012345678901234")},
    ],
)
def test_what_orjson_refuses_is_written_by_the_standard_library(data):
    body = render_json(data)
    assert json.loads(body) == json.loads(json.dumps(data, default=int))


def test_the_standard_librarys_bytes_are_the_same_kind_as_orjsons():
    """Letters stay letters in UTF-8 and no spaces are added, whichever writes."""
    assert render_json({"name": "Café", "id": 2**70}) == (
        '{"name":"Café","id":1180591620717411303424}'.encode()
    )


def test_a_value_no_encoder_knows_is_still_an_error():
    with pytest.raises(TypeError, match="object is not JSON serialisable"):
        render_json({"thing": object()})
