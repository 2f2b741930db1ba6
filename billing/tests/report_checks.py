"""How the reports' tests read an answer: the API's JSON, totals and 400s, and the
pages' tables and CSVs."""

import csv
import io
import re


def report_json(api, path: str, period: dict, **params) -> dict:
    """GET reports/PATH over `period` (its from and to), every row on one page."""
    response = api.get(f"reports/{path}", {**period, "rows": 100, **params})
    assert response.status_code == 200, response.content
    return response.json()


def totals(body) -> dict:
    return {key: row["total"] for key, row in body["rows"].items()}


def refused(response, field: str) -> str:
    """The first sentence of a 400 about `field` (others may be named too)."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] is True and body["msg"] == "Validation errors"
    assert field in body["fields"], body
    return body["fields"][field][0]


def table_rows(html: str, table_id: str = "report-table") -> list[list[str]]:
    """The cells of the table's body, as text with its white space folded."""
    table = html[html.index(f'id="{table_id}"') :]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    return [
        [
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def csv_rows(response) -> list[list[str]]:
    """A CSV download's rows."""
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))
