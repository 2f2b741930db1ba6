"""The function RowSpec compiles for each layout (config/api/rows.py RowBuilder) must
build the rows the keys declare: in their order, a key left out when its reader says
OMIT, batched keys filled from one fetch for the page, any key name written safely."""

from config.api.rows import OMIT, Batched, RowSpec, key


def _names(owner_ids, calls):
    calls.append(list(owner_ids))
    return {1: ["red"], 3: ["blue", "green"]}


def _spec(calls):
    return RowSpec(
        key("id"),
        key("name"),
        key(
            "company",
            "company_id",
            "company_name",
            read=lambda i, n: {"id": i, "name": n} if i else OMIT,
        ),
        key("after", "name", read=str.upper),
        key("plain_after"),
        key("link", "name", request=True, read=lambda request, name: f"{request}/{name}"),
        Batched("tags", "id", fetch=lambda ids: _names(ids, calls), hidden_by="hidetags"),
        key("notes", hidden_by="hidenotes"),
    )


RECORDS_COLUMNS = ("id", "name", "company_id", "company_name", "plain_after", "notes")


def _records(columns, *rows):
    return [tuple(row[column] for column in columns) for row in rows]


ACME = {
    "id": 1,
    "name": "ann",
    "company_id": 7,
    "company_name": "Acme",
    "plain_after": 1,
    "notes": "n",
}
LONER = {
    "id": 2,
    "name": "bo",
    "company_id": None,
    "company_name": None,
    "plain_after": 2,
    "notes": "",
}
TAGGED = {**LONER, "id": 3, "name": "cy"}
OTHER_LONER = {**LONER, "id": 4, "name": "di"}


def test_rows_keep_the_declared_order_and_leave_out_what_a_reader_omits():
    calls = []
    spec = _spec(calls)
    columns, builder = spec._layout({"hidetags": False, "hidenotes": True})
    assert set(columns) <= set(RECORDS_COLUMNS)
    rows = builder.build("https://x", _records(columns, ACME, LONER, TAGGED, OTHER_LONER))
    assert [list(row) for row in rows] == [
        ["id", "name", "company", "after", "plain_after", "link", "tags"],
        *[["id", "name", "after", "plain_after", "link", "tags"]] * 3,
    ]
    assert rows[0] == {
        "id": 1,
        "name": "ann",
        "company": {"id": 7, "name": "Acme"},
        "after": "ANN",
        "plain_after": 1,
        "link": "https://x/ann",
        "tags": ["red"],
    }
    assert rows[2]["tags"] == ["blue", "green"]
    # Rows a batch doesn't mention get a default of their own, not a shared one.
    assert rows[1]["tags"] == rows[3]["tags"] == []
    assert rows[1]["tags"] is not rows[3]["tags"]
    assert calls == [[1, 2, 3, 4]]  # one fetch for the page


def test_flags_change_the_layout_and_an_empty_page_fetches_nothing():
    calls = []
    spec = _spec(calls)
    columns, builder = spec._layout({"hidetags": True, "hidenotes": False})
    rows = builder.build("r", _records(columns, LONER))
    assert list(rows[0]) == ["id", "name", "after", "plain_after", "link", "notes"]
    assert rows[0]["notes"] == ""
    columns, builder = spec._layout({"hidetags": False, "hidenotes": True})
    assert builder.build("r", []) == []
    assert calls == []


def test_any_key_name_is_written_as_it_is():
    odd = ["it's", 'say "hi"', "back\\slash", "new\nline", "{braces}", "ünï"]
    spec = RowSpec(
        *(key(name, "value") for name in odd[:3]),
        *(key(name, "value", read=str) for name in odd[3:]),
    )
    columns, builder = spec._layout({})
    assert columns == ("value",)
    assert builder.build(None, [(5,)]) == [dict.fromkeys(odd[:3], 5) | dict.fromkeys(odd[3:], "5")]


def test_a_plain_key_of_several_columns_holds_them_together():
    # Before a reader (in the one dict display) and after one (set on its own).
    spec = RowSpec(
        key("pair", "a", "b"),
        key("upper", "a", read=str.upper),
        key("again", "b", "a"),
    )
    columns, builder = spec._layout({})
    assert columns == ("a", "b")
    assert builder.build(None, [("x", "y")]) == [
        {"pair": ("x", "y"), "upper": "X", "again": ("y", "x")}
    ]
