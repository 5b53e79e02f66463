"""SQL blocks: Jinja-parameterised with safe quoting, run on one read-only DuckDB connection."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
from jinja2 import Environment, StrictUndefined, Template

from .cache import digest
from .data import PackedResult, QueryResult, payload
from .errors import MissingColumnError

_OPEN, _CLOSE = "\x02", "\x03"
COUNCIL_COLUMN = "council_code"  # a block's column saying whose council a row is: never shown to a page
BATCH_COUNCILS = 8  # councils whose rows of the blocks run once for all councils are held at a time
_MARKED = re.compile(f"{_OPEN}(.*?){_CLOSE}", re.S)


class SqlLiteral(str):
    """Already-quoted SQL text from the `sql_literal` filter."""


def sql_literal(value) -> SqlLiteral:
    """Jinja filter: a value as a complete SQL literal (`'O''Brien'`, `42`, `NULL`)."""
    if value is None:
        return SqlLiteral("NULL")
    if isinstance(value, bool):
        return SqlLiteral("TRUE" if value else "FALSE")
    if isinstance(value, (int, float, Decimal)):
        return SqlLiteral(repr(value) if isinstance(value, float) else str(value))
    text = str(value).replace(_OPEN, "").replace(_CLOSE, "")
    return SqlLiteral("'" + text.replace("'", "''") + "'")


def _finalize(value):
    """Every `{{ }}` value is quote-doubled and marked, so it can only sit inside '...'."""
    if isinstance(value, SqlLiteral):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, Decimal)) or (isinstance(value, float) and value == value):
        return str(value)
    text = "" if value is None else str(value).replace(_OPEN, "").replace(_CLOSE, "")
    return _OPEN + text.replace("'", "''") + _CLOSE


_LEX = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/|\"(?:[^\"]|\"\")*\"|" + _MARKED.pattern, re.S)


def _check_quoted(sql: str) -> str:
    """Refuse text parameters outside a '...' string literal (or inside comments/identifiers)."""
    for m in _LEX.finditer(sql):
        token = m.group(0)
        if _OPEN in token and not token.startswith("'"):
            value = _MARKED.search(token).group(1)
            raise ValueError(
                f"text parameter {value!r} must sit inside a '...' string, e.g. "
                "'{{ params.x }}', or use {{ params.x | sql_literal }}"
            )
    return sql.replace(_OPEN, "").replace(_CLOSE, "")


def sql_environment() -> Environment:
    env = Environment(autoescape=False, undefined=StrictUndefined, finalize=_finalize,
                      keep_trailing_newline=True)
    env.filters["sql_literal"] = sql_literal
    return env


@dataclass
class SqlBlock:
    """One ```sql name``` block; `static` blocks do not vary between pages of a template.

    A ```sql name by column``` block runs once for all pages of a templated page and each
    page sees only the rows whose `column` equals its slug. ```sql name per column``` does the
    same and leaves `column` out of the rows a page sees, so a query written for one page
    (`where indicator_id = '{{ params.indicator }}'`) can be run for all of them (`select
    indicator_id as indicator, ...`) and give each page the same rows and columns.
    A `council_free` block reads nothing that changes from one council's section to the next,
    so its result for the same SQL text is the same in every section. A `build_wide` by/per
    block reads nothing a council changes either (nor any block that does): it runs once per
    build, and every council's section takes its pages' rows from that one result.
    A block whose result has a `council_code` column holds every council's rows when
    `site_council` holds every council, so on a multi-council site it runs once for all of them
    (`QueryRunner.batch`); pages never see that column.
    """

    name: str
    text: str
    template: Template | None
    static: bool = True
    materialise: bool = False
    by: str | None = None
    hide_by: bool = False
    council_free: bool = False
    build_wide: bool = False
    key: str = ""  # what the block's result depends on (SQL, split, blocks read)
    reads: tuple[str, ...] = ()  # the earlier blocks it reads

    def render(self, params) -> str:
        if self.template is None:
            return self.text
        return _check_quoted(self.template.render(params=params))


_JINJA = re.compile(r"\{\{|\{%")


def reads(text: str, name: str) -> bool:
    """Whether SQL text names a table, view or block (as a word)."""
    return re.search(rf"\b{re.escape(name)}\b", text, re.I) is not None


def plan_blocks(env: Environment, blocks: list[tuple], templated: bool,
                per_council: frozenset[str] | None = None) -> list[SqlBlock]:
    """Compile blocks (name, SQL, split column[, hide it]), mark those later blocks read from
    (materialised) and the static ones, and, given the names whose rows change from one council
    to the next (`per_council`), the blocks reading none of them nor any earlier block
    (council_free: their SQL text says all they read) and the by/per blocks whose result is the
    same in every council's section (build_wide)."""
    planned: list[SqlBlock] = []
    refs_of: dict[str, list[SqlBlock]] = {}
    for name, text, by, *hide in blocks:
        uses_jinja = bool(_JINJA.search(text))
        refs = [b for b in planned if reads(text, b.name)]
        for b in refs:
            b.materialise = True
        free = per_council is not None and not any(reads(text, n) for n in per_council)
        block = SqlBlock(name=name, text=text, template=env.from_string(text) if uses_jinja else None,
                         static=not uses_jinja and all(b.static for b in refs), by=by, hide_by=bool(hide and hide[0]),
                         council_free=free and not refs)
        if by and not (templated and block.static):
            raise ValueError(f"block '{name}' by {by}: only a [slug] page can split a block by a column, "
                             "and the block must not use params")
        block.build_wide = bool(by) and free
        block.key = "\x00".join([by or "", str(block.hide_by), text] + [r.key for r in refs])
        block.reads = tuple(r.name for r in refs)
        refs_of[name] = refs
        planned.append(block)
    changed = True
    while changed:  # build_wide needs every block read to be build_wide, and every reader of a table
        changed = False  # it materialises to be build_wide too (a build-wide result is not re-run)
        for b in planned:
            readers = [r for r in planned if b in refs_of[r.name]]
            if b.build_wide and not (all(r.build_wide for r in refs_of[b.name]) and all(r.build_wide for r in readers)):
                b.build_wide, changed = False, True
    return planned


def _by_council(block: SqlBlock, columns: list[str], rows: list[tuple]) -> tuple[list[str], dict]:
    """Rows of several councils as each council's pages see them (without `council_code`): a list
    per council, or for a by/per block a dict of lists per page (`QueryRunner._split`), in one pass."""
    key = columns.index(COUNCIL_COLUMN)
    if not block.by:
        split: dict[str, list[tuple]] = {}
        for row in rows:
            split.setdefault(row[key], []).append(row[:key] + row[key + 1:])
        return columns[:key] + columns[key + 1:], split
    if block.by not in columns or block.by == COUNCIL_COLUMN:
        raise MissingColumnError(block.name, block.by, columns[:key] + columns[key + 1:])
    by = columns.index(block.by)
    keep = [i for i in range(len(columns)) if i != key and not (block.hide_by and i == by)]
    contiguous = bool(keep) and keep == list(range(keep[0], keep[-1] + 1))  # one slice (council_code, `per` first)
    first, end = (keep[0], keep[-1] + 1) if contiguous else (0, 0)
    pages: dict[str, dict[str, list[tuple]]] = {}
    council, group = object(), {}
    for row in rows:  # a council's rows come together (`batch` sorts them so)
        if row[key] != council:
            council = row[key]
            group = pages.setdefault(council, {})
        slug = str(row[by])
        page = group.get(slug)
        if page is None:
            page = group[slug] = []
        page.append(row[first:end] if contiguous else tuple([row[i] for i in keep]))
    return [columns[i] for i in keep], pages


def _visible(columns: list[str], rows: list[tuple]) -> tuple[list[str], list[tuple]]:
    """A result as a page sees it: without `council_code`."""
    if COUNCIL_COLUMN not in columns:
        return columns, rows
    key = columns.index(COUNCIL_COLUMN)
    return columns[:key] + columns[key + 1:], [row[:key] + row[key + 1:] for row in rows]


@dataclass
class QueryRunner:
    """Runs a page's blocks in order; static results are cached across a template's pages, and
    the results of council_free blocks that no later block reads, by their SQL text, and of
    build_wide blocks, across the whole build (an indicator's sources are the same in every
    council's section).

    With `hashing`, `digests` holds a digest of each block's rows for the page just run
    (the content-hash cache's view of the page's data). With `packed` (pages rendered in
    worker processes), a page's own results come as PackedResult (rows pickled once, for the digest
    and the worker, where they become QueryResults); static results stay QueryResults.

    On a multi-council site, `batch` runs a page's blocks that return `council_code` once for
    every council into temp tables sorted by council; `council` (the current council's code and
    position) then takes their rows from there, BATCH_COUNCILS councils at a time.
    """

    con: duckdb.DuckDBPyConnection
    hashing: bool = False
    cache: dict[str, tuple[QueryResult, str]] = field(default_factory=dict)
    shared: dict[str, tuple[list[str], list[tuple], bytes | None, str]] = field(default_factory=dict)  # sql -> rows, packed, digest
    parts: dict[str, tuple[list[str], dict[str, list[tuple]], dict[str, str]]] = field(default_factory=dict)
    wide: dict[str, tuple[list[str], dict[str, list[tuple]], dict[str, str]]] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    current: str | None = None
    streams: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # block -> (temp table, columns)
    council: tuple[str, int] | None = None  # (la_code, position) of the council whose pages are run
    batches: dict[str, tuple[str, bool]] = field(default_factory=dict)  # key -> (temp table, a page reads it per council)
    held: dict[str, tuple[int, int, list[str], dict[str, list[tuple]]]] = field(default_factory=dict)
    packed: bool = False

    def _execute(self, block: SqlBlock, params, sql: str | None = None) -> tuple[list[str], list[tuple]]:
        if self.council is not None and block.key in self.batches:
            return self._council_rows(block)
        sql = block.render(params) if sql is None else sql
        if block.materialise:
            self.con.execute(f'create or replace temp table "{block.name}" as {sql}')
            cur = self.con.execute(f'select * from "{block.name}"')
        else:
            cur = self.con.execute(sql)
        return _visible([d[0] for d in cur.description], cur.fetchall())

    def batch(self, blocks: list[SqlBlock]) -> None:
        """Run once, for every council in `site_council`, each of a page's blocks that returns
        `council_code`, needs no params, and reads only blocks run so too (or council_free ones),
        into a temp table sorted by council position (then the block's own order)."""
        done: set[str] = set()
        made: set[str] = set()  # council_free blocks read by others: the same in every section
        for block in blocks:
            if block.council_free and block.static and block.materialise and not block.by:
                self.current = block.name
                self.con.execute(f'create or replace temp table "{block.name}" as {block.render({})}')
                made.add(block.name)
            if block.council_free or block.build_wide or not block.static or not set(block.reads) <= done | made:
                continue
            self.current = block.name
            sql = block.render({})
            if block.key not in self.batches:
                columns = [row[0] for row in self.con.execute(f"describe {sql}").fetchall()]
                if COUNCIL_COLUMN not in columns:
                    continue
                table = f"__council_{len(self.batches)}"
                self.con.execute(f'create or replace temp table "{block.name}" as {sql}')
                self.con.execute(
                    f'create temp table "{table}" as select s.position as __position, b.* from "{block.name}" b '
                    f'join site_councils s on s.la_code = b.{COUNCIL_COLUMN} order by s.position, b.rowid')
                self.batches[block.key] = (table, False)
            elif block.materialise:
                table = self.batches[block.key][0]
                self.con.execute(f'create or replace temp table "{block.name}" as '
                                 f'select * exclude (__position) from "{table}"')
            done.add(block.name)
        for block in blocks:  # a block read by one not run once for all councils is made per council
            if block.name in done and any(block.name in b.reads and b.name not in done for b in blocks):
                self.batches[block.key] = (self.batches[block.key][0], True)
        for name in done | made:
            self.con.execute(f'drop table if exists "{name}"')
        self.current = None

    def _council_rows(self, block: SqlBlock):
        """The current council's rows of a block run once for all councils (`batch`): (columns,
        rows), or for a by/per block its `_split` (rows by page), made in the same pass."""
        code, position = self.council
        table, per_council = self.batches[block.key]
        if per_council:
            self.con.execute(f'create or replace temp table "{block.name}" as select * exclude (__position) '
                             f'from "{table}" where __position = ?', [position])
        held = self.held.get(block.key)
        if held is None or not held[0] <= position <= held[1]:
            last = position + BATCH_COUNCILS - 1
            cur = self.con.execute(f'select * exclude (__position) from "{table}" where __position between ? and ?',
                                   [position, last])
            columns = [d[0] for d in cur.description]
            held = self.held[block.key] = (position, last, *_by_council(block, columns, cur.fetchall()))
        if block.by:
            return held[2], held[3].get(code, {}), {}
        return held[2], held[3].get(code, [])

    def release(self) -> None:
        """Drop the results of the blocks run once for all councils (every section is built)."""
        for table, _ in self.batches.values():
            self.con.execute(f'drop table if exists "{table}"')
        self.batches.clear()
        self.held.clear()

    def _digest(self, columns, rows) -> str:
        return digest(payload(columns, rows)) if self.hashing else ""

    @staticmethod
    def _split(block: SqlBlock, columns: list[str], rows: list[tuple]):
        """Rows by the value of the block's `by` column (as text), in the order of the result;
        without that column for a `per` block."""
        if block.by not in columns:
            raise MissingColumnError(block.name, block.by, columns)
        key, split = columns.index(block.by), {}
        if block.hide_by:
            columns = columns[:key] + columns[key + 1:]
            for row in rows:
                split.setdefault(str(row[key]), []).append(row[:key] + row[key + 1:])
        else:
            for row in rows:
                split.setdefault(str(row[key]), []).append(row)
        return columns, split, {}

    def run_block(self, block: SqlBlock, params, slug: str | None) -> QueryResult:
        self.current = block.name
        if block.by:
            parts, key = (self.wide, block.key) if block.build_wide else (self.parts, block.name)
            if key not in parts:
                if self.council is not None and block.key in self.batches:
                    parts[key] = self._council_rows(block)
                else:
                    parts[key] = self._split(block, *self._execute(block, params))
            columns, split, digests = parts[key]
            result, self.digests[block.name] = self._result(block.name, columns, split.get(slug, []), digests.get(slug))
            if self.hashing:
                digests[slug] = self.digests[block.name]
            return result
        if block.static and block.name in self.cache:
            result, self.digests[block.name] = self.cache[block.name]
            return result
        if block.council_free and not block.materialise:
            sql = block.render(params)
            if sql not in self.shared:
                columns, rows = self._execute(block, params, sql)
                packed = payload(columns, rows) if self.packed or self.hashing else None
                self.shared[sql] = (columns, rows, packed, digest(packed) if self.hashing else "")
            columns, rows, packed, self.digests[block.name] = self.shared[sql]
            return PackedResult(block.name, packed) if self.packed else QueryResult(block.name, columns, rows)
        columns, rows = self._execute(block, params)
        if block.static:
            result = QueryResult(block.name, columns, rows)
            self.digests[block.name] = self._digest(columns, rows)
            self.cache[block.name] = (result, self.digests[block.name])
            return result
        result, self.digests[block.name] = self._result(block.name, columns, rows)
        return result

    def _result(self, name: str, columns: list[str], rows: list[tuple],
                known: str | None = None) -> tuple[QueryResult | PackedResult, str]:
        """A page's result and its digest (with `hashing`; `known` if worked out before), its rows
        pickled once: packed for a worker, the digest reads the packed bytes."""
        if not self.packed:
            return QueryResult(name, columns, rows), known or self._digest(columns, rows)
        result = PackedResult(name, payload(columns, rows))
        return result, (known or digest(result.payload)) if self.hashing else ""

    def stream(self, block: SqlBlock) -> bool:
        """Run a by/per block once into a DuckDB temp table, so its rows come into Python a range
        of pages at a time (`load`) instead of all at once. Only for a block split by a text
        column (ranges of text in DuckDB and in Python sort alike) that is not build_wide (whose
        result is kept for the whole build); returns whether the block is streamed."""
        if not block.by or block.build_wide or block.name in self.parts:
            return False
        self.current = block.name
        table = block.name if block.materialise else f"__stream_{block.name}"
        self.con.execute(f'create or replace temp table "{table}" as {block.render({})}')
        cur = self.con.execute(f'select * from "{table}" limit 0')
        columns, types = [d[0] for d in cur.description], [str(d[1]) for d in cur.description]
        if block.by not in columns:
            raise MissingColumnError(block.name, block.by, columns)
        streamed = types[columns.index(block.by)] == "VARCHAR"
        if streamed:
            self.streams[block.name] = (table, columns)
        else:
            self.parts[block.name] = self._split(block, *_visible(columns, self.con.execute(f'select * from "{table}"').fetchall()))
            if table != block.name:
                self.con.execute(f'drop table "{table}"')
        self.current = None
        return streamed

    def load(self, block: SqlBlock, first: str, last: str) -> None:
        """The rows of a streamed block for the pages whose slugs sort from `first` to `last`, in
        the block's order (a filtered scan keeps a temp table's insertion order)."""
        table, columns = self.streams[block.name]
        by = '"' + block.by.replace('"', '""') + '"'
        rows = self.con.execute(f'select * from "{table}" where {by} >= ? and {by} <= ?', [first, last]).fetchall()
        self.parts[block.name] = self._split(block, *_visible(columns, rows))

    def run(self, blocks: list[SqlBlock], params, slug: str | None = None) -> dict[str, QueryResult]:
        self.digests = {}
        results = {b.name: self.run_block(b, params, slug) for b in blocks}
        self.current = None
        return results

    def drop(self, blocks: list[SqlBlock], static: bool) -> None:
        """Drop temp tables (per page for varying blocks; at the end for static ones). A block run
        once for all councils made none for a council's pages unless another block reads it per
        council (a `drop` costs about 1-2 ms: 169 councils' pages asked for thousands in vain)."""
        for b in blocks:
            if b.materialise and b.static == static and not (
                    self.council is not None and b.key in self.batches and not self.batches[b.key][1]):
                self.con.execute(f'drop table if exists "{b.name}"')
        if static:
            for name, (table, _) in self.streams.items():
                if table != name:
                    self.con.execute(f'drop table if exists "{table}"')
            self.streams.clear()
            self.cache.clear()
            self.parts.clear()
