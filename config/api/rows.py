"""A resource's rows built from `values_list()`: each output key says which columns it
reads and how it shapes them, so a list reads only what it shows and builds no model
instances (at 1,000 rows, instances and their joined company were most of a list's
time). The keys come out in the order declared, which is the order JSON shows them.

The query that reads the columns is compiled once per connection and kept
(`KeptSelect`): Django builds a query anew each time, and for a row of 25 columns
with its joins that cost 0.5 ms, a third of a small API call. What varies per request
(filters, order, page) is a cheap query for the ids, or the id the URL names.
"""

import functools
import inspect
import itertools
import json
import re
import sqlite3
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import psycopg
from django.db import connections, router
from django.db.models import BigIntegerField, Func, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from ninja.decorators import decorate_view
from psycopg.adapt import AdaptersMap, PyFormat, Transformer
from psycopg.pq import ConnStatus, DiagnosticField, ExecStatus, Format, TransactionStatus

from .counts import kept_total_sql, remember_total
from .errors import ApiError
from .listing import query_flags

# A key whose reader returns OMIT is left out of that row (a contact without a company
# has no `company` key at all).
OMIT = object()


class EpochSeconds(Func):
    """A timestamp column as whole seconds since 1970, truncated as Python's
    `int(moment.timestamp())` is: the database does it, so a list of 1,000 rows
    parses no timestamps (two per row were a tenth of its time)."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="TRUNC(EXTRACT(EPOCH FROM %(expressions)s))::bigint"
        )

    def as_sqlite(self, compiler, connection, **extra):
        # Stored as UTC text, with ".ffffff" only when there are microseconds. Only
        # the whole seconds go to strftime, which would round a fraction to
        # milliseconds (.9999995 into the next second); that floors, so a moment
        # before 1970 with a fraction gets the 1 truncating adds back. The format's
        # % is doubled twice: once for this template, once for the cursor.
        return self.as_sql(
            compiler,
            connection,
            template="(CAST(strftime('%%%%s', substr(%(expressions)s, 1, 19)) AS INTEGER) + "
            "(CASE WHEN %(expressions)s < '1970-01-01' AND instr(%(expressions)s, '.') > 0 "
            "THEN 1 ELSE 0 END))",
        )


def json_text(field: str) -> Cast:
    """A JSON column as the text the database holds, for `from_json`: Django's own
    decoding of each value cost a list of 1,000 rows a tenth of its time."""
    return Cast(field, TextField())


def from_json(text):
    # Most rows hold no custom fields or accounts ids: no parse for those.
    if text == "[]":
        return []
    if text == "{}":
        return {}
    return None if text is None else json.loads(text)


@dataclass(frozen=True)
class Key:
    """One key of a row. Without `read` it is its one column as the database gave it;
    with `read`, `read(*columns)` (or `read(request, *columns)` when `request` is
    set). `hidden_by` names the flag (`hidetags`, ...) that leaves it out."""

    name: str
    columns: tuple  # field names, or expressions (EpochSeconds("added"))
    read: Callable[..., Any] | None = None
    hidden_by: str | None = None
    request: bool = False


def key(name: str, *columns, read=None, hidden_by=None, request=False) -> Key:
    return Key(name, columns or (name,), read, hidden_by, request)


@dataclass(frozen=True)
class Batched:
    """A key filled for the whole page at once: `fetch(ids)` answers {id: value} in
    one query (a row's tags), rows it doesn't mention get `default()`."""

    name: str
    column: str
    fetch: Callable[[list], dict]
    default: Callable[[], Any] = list
    hidden_by: str | None = None


class RowSpec:
    def __init__(self, *keys: Key | Batched):
        self.keys = keys
        self._layouts: dict[tuple, tuple] = {}

    def with_columns(self, *names: str) -> "RowSpec":
        """The same row with these plain columns first: the parent's id that embedded
        rows (a job's items) are grouped by, read in the same query."""
        return RowSpec(*(key(name) for name in names), *self.keys)

    def _layout(self, flags: dict[str, bool]) -> tuple[tuple, "RowBuilder"]:
        """The columns the keys `flags` leaves shown read, and the builder of their
        rows: worked out once per combination of flags."""
        hidden = tuple(bool(flags.get(k.hidden_by)) for k in self.keys if k.hidden_by)
        layout = self._layouts.get(hidden)
        if layout is None:
            shown = [k for k in self.keys if not (k.hidden_by and flags.get(k.hidden_by))]
            columns: list = []
            for k in shown:
                for column in (k.column,) if isinstance(k, Batched) else k.columns:
                    if column not in columns:
                        columns.append(column)
            places = [
                (k, (columns.index(k.column),))
                if isinstance(k, Batched)
                else (k, tuple(columns.index(column) for column in k.columns))
                for k in shown
            ]
            layout = self._layouts[hidden] = (tuple(columns), RowBuilder(places))
        return layout

    def rows(self, request, queryset, flags: dict[str, bool] | None = None) -> list[dict]:
        """The rows of `queryset` (already filtered, ordered and sliced), with the keys
        `flags` doesn't hide."""
        columns, builder = self._layout(flags or {})
        annotations = queryset.query.annotations
        if any(isinstance(column, str) and column in annotations for column in columns):
            # Rows that read the queryset's own annotations (hours rolled up, flags
            # worked out in SQL) are read by it: a kept select knows only the model.
            return builder.build(request, list(queryset.values_list(*columns)))
        page = KeptPage.of(queryset, columns)
        if page is not None:
            records, total = page.fetch(queryset.query.low_mark, queryset.query.high_mark)
            if total is not None:
                remember_total(request, queryset.db, queryset.model._meta.db_table, total)
            return builder.build(request, records)
        ids = list(queryset.values_list("pk", flat=True))
        return self.rows_of(request, queryset.model, ids, flags, using=queryset.db)

    def rows_of(
        self, request, model, ids: list, flags: dict[str, bool] | None = None, *, using=None
    ) -> list[dict]:
        """The rows of `model` with primary keys `ids`, in that order; an id with no row
        is left out."""
        columns, builder = self._layout(flags or {})
        kept = KeptSelect.of(model, columns, using=using)
        records = ReadAhead.claim(request, kept, ids)
        if records is None:
            records = kept.fetch(ids) if ids else []
        return builder.build(request, records)

    def read_ahead(self, request, model, object_id: int, flags: dict[str, bool]) -> None:
        """Offers the statement that authenticates the call the row that
        `rows_of(request, model, [object_id], flags)` will read (ReadAhead)."""
        columns, _ = self._layout(flags)
        kept = KeptSelect.of(model, columns, using=router.db_for_read(model))
        if kept.in_range(object_id):
            request.docket_read_ahead = ReadAhead(kept, object_id)


class RowBuilder:
    """Turns a layout's records into rows with a function written for that layout,
    compiled once: keys as constants and columns by index. A loop over the keys
    asking each what to do took 2.5 ms for 1,000 contacts' rows; this takes 1.7."""

    def __init__(self, places: list[tuple[Key | Batched, tuple[int, ...]]]):
        # Each key's reader; a batched key's is made per page, from its fetch.
        self.reads = [None if isinstance(k, Batched) else k.read for k, _ in places]
        self.batched = [
            (at, k, indices[0]) for at, (k, indices) in enumerate(places) if isinstance(k, Batched)
        ]
        self.function = _row_function(places)

    def build(self, request, records: list[tuple]) -> list[dict]:
        reads = list(self.reads)
        for at, k, index in self.batched:
            found = k.fetch([record[index] for record in records]) if records else {}
            reads[at] = _batched_reader(found, k.default)
        return self.function(records, request, reads, OMIT)


def _row_function(places: list) -> Callable:
    """`rows(records, request, reads, OMIT)` for `places`, written out and compiled.
    Plain columns up to the first key with a reader go in one dict display; each
    key after that is set in its turn, so the keys keep their declared order when a
    reader leaves its own out (OMIT)."""
    lines = ["def rows(records, request, reads, OMIT):"]
    lines += [f"    read{at} = reads[{at}]" for at, (k, _) in enumerate(places) if _reads(k)]
    lines += ["    built = []", "    append = built.append", "    for r in records:"]
    shown, steps = [], []
    for at, (k, indices) in enumerate(places):
        values = ", ".join(f"r[{index}]" for index in indices)
        if not _reads(k):
            # A plain key of several columns holds them as a tuple.
            value = values if len(indices) == 1 else f"({values},)"
            if steps:
                steps.append(f"        row[{k.name!r}] = {value}")
            else:
                shown.append(f"{k.name!r}: {value}")
            continue
        arguments = f"request, {values}" if getattr(k, "request", False) else values
        steps.append(f"        value = read{at}({arguments})")
        if isinstance(k, Batched):  # its reader answers the default, never OMIT
            steps.append(f"        row[{k.name!r}] = value")
        else:
            steps.append("        if value is not OMIT:")
            steps.append(f"            row[{k.name!r}] = value")
    lines.append(f"        row = {{{', '.join(shown)}}}")
    lines += steps
    lines += ["        append(row)", "    return built"]
    namespace: dict = {}
    # Our own text: the names are written by repr(), the columns are indexes.
    exec("\n".join(lines), namespace)  # noqa: S102
    return namespace["rows"]


def _reads(k: Key | Batched) -> bool:
    return isinstance(k, Batched) or k.read is not None


_FORMAT_PLACEHOLDER = re.compile(r"(?<!%)%s")


class KeptSelect:
    """`SELECT columns FROM model (and its joins) WHERE key IN (values)`, compiled by
    Django once and kept for the connection (a compiler and its converters belong to
    one connection, and each thread has its own). `key` is the primary key or another
    unique field."""

    _kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, model, columns: tuple, *, key: str = "pk", using=None) -> "KeptSelect":
        connection = connections[using or "default"]
        kept = cls._kept.setdefault(connection, {})
        found = kept.get((model, columns, key))
        if found is None:
            found = kept[(model, columns, key)] = cls(model, columns, key, connection)
        return found

    def __init__(self, model, columns: tuple, key: str, connection):
        meta = model._meta
        field = meta.pk if key == "pk" else meta.get_field(key)
        name = "pk" if key == "pk" else field.name
        self.key_at = columns.index(name) if name in columns else len(columns)
        every = columns if self.key_at < len(columns) else (*columns, name)
        # The base manager: the keys say which rows; no default filter or ordering.
        query = model._base_manager.values_list(*every).order_by().query
        self.compiler = query.get_compiler(connection=connection)
        self.sql, self.params = self.compiler.as_sql()
        self.converters = _needed_converters(self.compiler, connection)
        quote = connection.ops.quote_name
        self.key_column = f"{quote(meta.db_table)}.{quote(field.column)}"
        self.connection = connection
        self.width = len(columns)
        # A number past the column's range matches nothing (a URL may name any
        # number), as the ORM's own lookups answer it, rather than overflow the driver.
        self.range = connection.ops.integer_field_ranges.get(field.get_internal_type())
        self.qmark_sql = _qmark(self.sql) if connection.vendor == "sqlite" else None
        self.record_width = len(every)

    def in_range(self, value) -> bool:
        if self.range is None:
            return True
        low, high = self.range
        return low <= value <= high

    def fetch(
        self,
        keys: list,
        before: tuple[str, list] | None = None,
        along: "tuple[ReadAhead, str] | None" = None,
    ) -> list[tuple]:
        """The rows found, in the order of `keys` (repeats repeated, as a page had
        them); a key with no row is left out. `before`: SQL and parameters put before
        the select (a WITH its columns read, throttle.RequestTake). `along`: a
        ReadAhead read by the same statement when the SQL condition given with it
        holds, one key only (its row would repeat this select's otherwise)."""
        if self.range is not None:
            keys = [value for value in keys if self.in_range(value)]
        if not keys:
            return []
        placeholders = ", ".join(["%s"] * len(keys))
        head, head_params = before or ("", [])
        where = f" WHERE {self.key_column} IN ({placeholders})"
        if along is None or len(keys) > 1:
            fetched = _fetch_all(self, [*head_params, *self.params, *keys], where, head)
        else:
            if not head:
                raise ValueError("A read-ahead goes along a WITH that its condition reads.")
            ahead, condition = along
            lateral, lateral_params = ahead.lateral()
            # The condition is read as a column too: the row was read only if it held.
            fetched = _fetch_all(
                self,
                [*head_params, *self.params, *keys, *lateral_params],
                f"{where}) AS docket_caller LEFT JOIN LATERAL ({lateral}) AS docket_along "
                f"ON {condition}",
                f"{head}SELECT docket_caller.*, {condition}, docket_along.* FROM (",
            )
            ahead.keep([record[self.record_width :] for record in fetched])
        found = {record[self.key_at]: tuple(record[: self.width]) for record in fetched}
        return [found[value] for value in keys if value in found]


class ReadAhead:
    """The row a GET names, read by the statement that authenticates the call: one
    round trip for both where the row's own query was a second (on PostgreSQL, 0.05
    ms of CPU between the worker and the server, a tenth of `contacts/<id>.json`).

    The view offers it before authentication (`reads_ahead`); the authenticator reads
    it only along a statement that took the caller's rate-limit token, and so only for
    a token and secret (or personal bearer token) that match (accounts/api_auth.py);
    `RowSpec.rows_of` takes the row instead of reading it. The view's checks are
    unchanged: the row goes out only if they pass, as if it had been read then.
    Nothing reads ahead elsewhere (SQLite, the rate limit off or in Redis, OAuth
    tokens, the browser's session): the view reads its row itself."""

    __slots__ = ("kept", "key", "records")

    def __init__(self, kept: KeptSelect, key):
        self.kept = kept
        self.key = key
        self.records: list[tuple] | None = None  # None: not read (yet)

    def lateral(self) -> tuple[str, list]:
        kept = self.kept
        return f"{kept.sql} WHERE {kept.key_column} IN (%s)", [*kept.params, self.key]

    def keep(self, tails: list[tuple]) -> None:
        """The statement's rows past the caller's own columns: whether the condition
        held, then the read-ahead's columns (all NULL, a LEFT JOIN, when the row isn't
        there). Nothing is kept unless it held: a caller the statement didn't find
        (an OAuth token, looked for among personal ones first) may still get in,
        and its view must read the row itself."""
        if not tails or not tails[0][0]:
            self.records = None
            return
        kept = self.kept
        found = [tail[1:] for tail in tails if tail[1 + kept.key_at] is not None]
        if found and kept.converters:
            found = list(kept.compiler.apply_converters(found, kept.converters))
        self.records = [tuple(record[: kept.width]) for record in found]

    @staticmethod
    def claim(request, kept: KeptSelect, keys: list) -> list[tuple] | None:
        """The rows read ahead for exactly this select and keys, once; None when there
        are none to take."""
        ahead = getattr(request, "docket_read_ahead", None)
        if ahead is None or ahead.records is None or ahead.kept is not kept:
            return None
        if keys != [ahead.key]:
            return None
        request.docket_read_ahead = None
        return ahead.records


def reads_ahead(spec: RowSpec, model, id_param: str, flag_defaults: dict[str, bool] | None = None):
    """Marks a GET of one object by id whose view answers with
    `spec.rows_of(request, model, [id], query_flags(request, flag_defaults))` (no
    flags: `flag_defaults` None): its row is then offered to the authenticating
    statement (ReadAhead). A view that reads the row another way (other flags, an
    annotated queryset) would leave it unclaimed, read for nothing. Goes under the
    route's decorator, as `@decorate_view` does."""

    def offer(run):
        @functools.wraps(run)
        def run_reading_ahead(request, *args, **kwargs):
            object_id = kwargs.get(id_param)
            try:
                # Before authentication: a bad flag is the view's 400 to give, after.
                flags = query_flags(request, flag_defaults or {})
            except ApiError:
                flags = None
            if isinstance(object_id, int) and flags is not None:
                spec.read_ahead(request, model, object_id, flags)
            return run(request, *args, **kwargs)

        return run_reading_ahead

    def decorate(view):
        if id_param not in inspect.signature(view).parameters:
            raise TypeError(f"{view.__name__} takes no {id_param!r} to read ahead.")
        return decorate_view(offer)(view)

    return decorate


# Rows a KeptPage may skip. It reads each skipped row in full, joins included, where
# a query for the page's ids skips along the order's index alone: past the first
# pages that costs more than the two statements it saves (at 50,000 rows in, 128 ms
# against 3 ms on SQLite, 258 against 61 ms on PostgreSQL).
KEPT_PAGE_MAX_SKIP = 100


class KeptPage:
    """A page of a whole table, `SELECT columns FROM model (and its joins) ORDER BY
    ... LIMIT n OFFSET m`, in one query compiled once per connection, columns and
    order: the first pages of a list that filters nothing (a client syncing every
    contact) are read without a query for their ids first, and without Django
    building that query each time; deeper ones page their ids first
    (KEPT_PAGE_MAX_SKIP). When the database keeps the table's row count
    (config.api.counts) the same query reads it, so a full page's `total` costs no
    query of its own either.
    Filtered lists keep the ids query: what they filter varies per request."""

    _kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, queryset, columns: tuple) -> "KeptPage | None":
        """The kept page for `queryset` (ordered and sliced), or None when it is not
        a plain page of its table: filtered, distinct, annotated, grouped, or ordered
        by anything but field names."""
        query = queryset.query
        order = query.order_by
        if (
            query.high_mark is None
            or query.low_mark > KEPT_PAGE_MAX_SKIP
            or query.where
            or query.distinct
            or query.combinator
            or query.extra
            or query.extra_order_by
            or query.annotations
            or query.group_by is not None
            or query.select_for_update
            or not order
            or not all(
                isinstance(name, str) and name.lstrip("-") not in ("", "?") for name in order
            )
        ):
            return None
        connection = connections[queryset.db]
        kept = cls._kept.setdefault(connection, {})
        found = kept.get((queryset.model, columns, order))
        if found is None:
            found = kept[(queryset.model, columns, order)] = cls(
                queryset.model, columns, order, connection
            )
        return found

    def __init__(self, model, columns: tuple, order: tuple, connection):
        self.width = len(columns)
        every = columns
        total = kept_total_sql(connection, model._meta.db_table)
        self.counted = total is not None
        if self.counted:
            every = (*columns, RawSQL(*total, output_field=BigIntegerField()))
        # The base manager, as KeptSelect: a page of the whole table, no default filter.
        query = model._base_manager.values_list(*every).order_by(*order).query
        self.compiler = query.get_compiler(connection=connection)
        sql, self.params = self.compiler.as_sql()
        self.sql = f"{sql} LIMIT %s OFFSET %s"
        self.converters = _needed_converters(self.compiler, connection)
        self.connection = connection
        self.qmark_sql = _qmark(self.sql) if connection.vendor == "sqlite" else None

    def fetch(self, low: int, high: int) -> tuple[list[tuple], int | None]:
        """The rows from `low` up to `high`, and the table's kept number (None when
        it isn't kept or no row came back to carry it)."""
        fetched = _fetch_all(self, [*self.params, high - low, low])
        if not fetched:
            return [], None
        if not self.counted:
            return [tuple(record) for record in fetched], None
        width = self.width
        return [tuple(record[:width]) for record in fetched], fetched[0][width]


def _needed_converters(compiler, connection) -> dict:
    """The compiler's converters for the selected columns, less those that only turn
    a whole number into int: an expression's (EpochSeconds, a kept count) is given
    one in case a driver answers otherwise, and psycopg and sqlite3 answer an
    integer column with an int already. Ten rows spent 25 µs on them."""
    converters = compiler.get_converters(
        [selected[0] for selected in compiler.select[: compiler.col_count]]
    )
    if connection.vendor not in ("postgresql", "sqlite"):
        return converters
    needed = {}
    for place, (functions, expression) in converters.items():
        kept = [
            function
            for function in functions
            if not (
                function is getattr(expression, "convert_value", None)
                and expression.output_field.get_internal_type().endswith("IntegerField")
            )
        ]
        if kept:
            needed[place] = (kept, expression)
    return needed


def _qmark(sql: str) -> str:
    """SQLite's cursor turns each query's %s into ? with a regular expression on every
    call (37 µs for a credential's long select); a kept query's is turned once."""
    return _FORMAT_PLACEHOLDER.sub("?", sql).replace("%%", "%")


def _fetch_all(kept, params: list, tail: str = "", head: str = "") -> list:
    """Run a kept query (`kept.sql`, and `kept.qmark_sql` on SQLite) with `head` put
    before it and `tail` appended, converted as Django would."""
    connection = kept.connection
    counted = connection.queries_logged or connection.execute_wrappers
    if kept.qmark_sql is None and not counted:
        fetched = _fetch_prepared(connection, f"{head}{kept.sql}{tail}", params)
    else:
        with connection.cursor() as cursor:
            if counted or head:
                # Counted queries (tests, debug) and execute wrappers see it as any other.
                cursor.execute(f"{head}{kept.sql}{tail}", params)
            else:
                # Straight to the driver's cursor, past the conversion; Django's error
                # translation still applies.
                with connection.wrap_database_errors:
                    sqlite3.Cursor.execute(
                        cursor.cursor, f"{kept.qmark_sql}{tail.replace('%s', '?')}", params
                    )
            fetched = cursor.fetchall()
    if kept.converters:
        fetched = list(kept.compiler.apply_converters(fetched, kept.converters))
    return fetched


def _fetch_prepared(connection, sql: str, params: list) -> list:
    """A kept query on PostgreSQL, as a prepared statement of the connection: the
    server parses and plans it once, where each call spent more on that (0.15 ms for
    a credential's read, 0.3 ms for a page) than on running it. Django's own cursor
    binds parameters into the text, which can't be prepared, so these are sent apart
    (`KeptStatements`). Without prepared statements (DATABASE_PREPARED_STATEMENTS off,
    as a pooler may need) they are still sent apart, unprepared."""
    # What Django's cursor() checks before a query, without making its cursor.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = connection.connection
    with connection.wrap_database_errors:
        if not raw.autocommit and raw.pgconn.transaction_status != TransactionStatus.INTRANS:
            # A transaction psycopg has yet to begin: its cursor sends the BEGIN.
            return _fetch_by_cursor(connection, raw, sql, params)
        statements = getattr(connection, "docket_kept_statements", None)
        if statements is None or statements.raw is not raw:
            statements = connection.docket_kept_statements = KeptStatements(
                raw, utc=connection.timezone is UTC
            )
        return statements.fetch(sql, params)


def _fetch_by_cursor(connection, raw, sql: str, params: list) -> list:
    cursor = getattr(connection, "docket_kept_cursor", None)
    if cursor is None or cursor.connection is not raw or cursor.closed:
        cursor = connection.docket_kept_cursor = psycopg.Cursor(raw)
    # Never prepared by psycopg: holding a statement of its own, it answers a
    # ROLLBACK by deallocating every statement of the session, the kept ones too.
    cursor.execute(sql, params, prepare=False)
    return cursor.fetchall()


# Prepared statements one connection keeps; past this, kept queries go unprepared
# rather than fill the server's memory (a statement per text and parameter types).
KEPT_STATEMENTS_MAX = 200
_PLACEHOLDER = re.compile(r"%(.)", re.DOTALL)


class KeptStatements:
    """The kept queries of one psycopg connection, run through libpq directly: psycopg's
    cursor spent 55 µs of a credential's read (a third of the whole read) on its
    generic machinery (placeholder parsing, its own statement cache, a poll loop), and
    the kept texts need none of it. The values are dumped and the rows loaded by
    psycopg's own adapters, as its cursor would (Django's among them), and libpq
    waits for the answer without holding the GIL.

    Only for autocommit or a transaction already begun (`_fetch_prepared`); psycopg
    itself sees the connection's state through libpq, as after any query."""

    def __init__(self, raw, *, utc: bool = False):
        self.raw = raw
        self.pgconn = raw.pgconn
        self.transformer = Transformer(_KeptAdapters(raw, utc))
        self.texts: dict[str, tuple[bytes, list]] = {}
        self.names: dict[tuple, bytes] = {}
        # Never reused: after one statement was dropped the others may still be there.
        self.numbers = itertools.count(1)

    def fetch(self, sql: str, params: list) -> list:
        text = self.texts.get(sql)
        if text is None:
            text = self.texts[sql] = _numbered(sql)
        query, formats = text
        if len(params) != len(formats):
            raise psycopg.ProgrammingError(
                f"The query has {len(formats)} placeholders but {len(params)} values."
            )
        transformer = self.transformer
        values = transformer.dump_sequence(params, formats)
        types = transformer.types
        pgconn = self.pgconn
        if self.raw.prepare_threshold is None:
            result = pgconn.exec_params(query, values, types, transformer.formats)
        else:
            # psycopg's cursor keys its statements the same way: a value's type
            # (int2 for 5, int8 for 5,000,000,000) is part of what was planned.
            name = self.names.get((sql, types))
            if name is None:
                name = self._prepare(sql, query, types)
            if name is None:
                result = pgconn.exec_params(query, values, types, transformer.formats)
            else:
                result = pgconn.exec_prepared(name, values, transformer.formats)
                if _statement_gone(result):
                    # Dropped by a DEALLOCATE ALL or DISCARD ALL (a pooler's reset),
                    # so the others most likely too: each is prepared again when next
                    # used. Outside a transaction nothing was spoilt, so this one is
                    # prepared now; inside, the transaction has failed already.
                    self.names.clear()
                    if pgconn.transaction_status == TransactionStatus.IDLE:
                        name = self._prepare(sql, query, types)
                        result = pgconn.exec_prepared(name, values, transformer.formats)
        if result.status != ExecStatus.TUPLES_OK:
            raise self._error(result)
        transformer.set_pgresult(result)
        return transformer.load_rows(0, result.ntuples, tuple)

    def _prepare(self, sql: str, query: bytes, types) -> bytes | None:
        if len(self.names) >= KEPT_STATEMENTS_MAX:
            return None
        name = f"docket_kept_{next(self.numbers)}".encode()
        result = self.pgconn.prepare(name, query, types)
        if result.status != ExecStatus.COMMAND_OK:
            raise self._error(result)
        self.names[(sql, types)] = name
        return name

    def _error(self, result) -> psycopg.Error:
        if result.status == ExecStatus.FATAL_ERROR and self.pgconn.status != ConnStatus.OK:
            message = self.pgconn.get_error_message().decode(errors="replace")
            return psycopg.OperationalError(message)
        return psycopg.errors.error_from_result(result, encoding=self.raw.info.encoding)


class _KeptAdapters:
    """The connection's adapters for the kept queries (an AdaptContext), except that
    a moment in UTC is loaded by psycopg's compiled loader: Django's own parses it in
    Python to set the same UTC on it (5 µs a value, a twentieth of a small call with
    the credential's two). Only when Django wants UTC, which the session then uses
    (`utc`)."""

    def __init__(self, raw, utc: bool):
        self.connection = raw
        self.adapters = raw.adapters
        if utc:
            # The rows come back as text (libpq's default result format).
            self.adapters = AdaptersMap(raw.adapters)
            self.adapters.register_loader(
                TIMESTAMPTZ, psycopg.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
            )


TIMESTAMPTZ = psycopg.adapters.types["timestamptz"].oid


INVALID_SQL_STATEMENT_NAME = b"26000"


def _statement_gone(result) -> bool:
    return (
        result.status == ExecStatus.FATAL_ERROR
        and result.error_field(DiagnosticField.SQLSTATE) == INVALID_SQL_STATEMENT_NAME
    )


def _numbered(sql: str) -> tuple[bytes, list]:
    """`sql` with its %s as $1, $2, ... and %% as %, as bytes; and each value's
    format (psycopg chooses)."""
    count = 0

    def number(match):
        nonlocal count
        if match[1] == "%":
            return "%"
        if match[1] != "s":
            raise ValueError(f"Only %s placeholders in a kept query, not %{match[1]}.")
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql).encode(), [PyFormat.AUTO] * count


def _batched_reader(found: dict, default):
    def read(value):
        return found[value] if value in found else default()

    return read
