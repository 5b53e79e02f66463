"""SQL blocks: Jinja-parameterised with safe quoting, run on one read-only DuckDB connection."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
from jinja2 import Environment, StrictUndefined, Template

from .cache import digest
from .data import QueryResult
from .errors import MissingColumnError

_OPEN, _CLOSE = "\x02", "\x03"
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
    page sees only the rows whose `column` equals its slug. A `council_free` block reads nothing
    that changes from one council's section to the next, so its result for the same SQL text
    is the same in every section.
    """

    name: str
    text: str
    template: Template | None
    static: bool = True
    materialise: bool = False
    by: str | None = None
    council_free: bool = False

    def render(self, params) -> str:
        if self.template is None:
            return self.text
        return _check_quoted(self.template.render(params=params))


_JINJA = re.compile(r"\{\{|\{%")


def _reads(text: str, name: str) -> bool:
    return re.search(rf"\b{re.escape(name)}\b", text, re.I) is not None


def plan_blocks(env: Environment, blocks: list[tuple[str, str, str | None]], templated: bool,
                per_council: frozenset[str] | None = None) -> list[SqlBlock]:
    """Compile blocks, mark those later blocks read from (materialised) and the static ones, and,
    given the names whose rows change from one council to the next (`per_council`), the blocks
    reading none of them nor any earlier block (council_free: their SQL text says all they read)."""
    planned: list[SqlBlock] = []
    for name, text, by in blocks:
        uses_jinja = bool(_JINJA.search(text))
        refs = [b for b in planned if _reads(text, b.name)]
        for b in refs:
            b.materialise = True
        free = per_council is not None and not any(_reads(text, n) for n in per_council)
        block = SqlBlock(name=name, text=text, template=env.from_string(text) if uses_jinja else None,
                         static=not uses_jinja and all(b.static for b in refs), by=by,
                         council_free=free and not refs)
        if by and not (templated and block.static):
            raise ValueError(f"block '{name}' by {by}: only a [slug] page can split a block by a column, "
                             "and the block must not use params")
        planned.append(block)
    return planned


@dataclass
class QueryRunner:
    """Runs a page's blocks in order; static results are cached across a template's pages, and
    the results of council_free blocks that no later block reads, by their SQL text, across the
    whole build (an indicator's sources are the same in every council's section).

    With `hashing`, `digests` holds a digest of each block's rows for the page just run
    (the content-hash cache's view of the page's data).
    """

    con: duckdb.DuckDBPyConnection
    hashing: bool = False
    cache: dict[str, tuple[QueryResult, str]] = field(default_factory=dict)
    shared: dict[str, tuple[list[str], list[tuple], str]] = field(default_factory=dict)
    parts: dict[str, tuple[list[str], dict[str, list[tuple]]]] = field(default_factory=dict)
    part_digests: dict[tuple[str, str], str] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    current: str | None = None

    def _execute(self, block: SqlBlock, params, sql: str | None = None) -> tuple[list[str], list[tuple]]:
        sql = block.render(params) if sql is None else sql
        if block.materialise:
            self.con.execute(f'create or replace temp table "{block.name}" as {sql}')
            cur = self.con.execute(f'select * from "{block.name}"')
        else:
            cur = self.con.execute(sql)
        return [d[0] for d in cur.description], cur.fetchall()

    def _digest(self, columns, rows) -> str:
        return digest(columns, rows) if self.hashing else ""

    def run_block(self, block: SqlBlock, params, slug: str | None) -> QueryResult:
        self.current = block.name
        if block.by:
            if block.name not in self.parts:
                columns, rows = self._execute(block, params)
                if block.by not in columns:
                    raise MissingColumnError(block.name, block.by, columns)
                key, split = columns.index(block.by), {}
                for row in rows:
                    split.setdefault(str(row[key]), []).append(row)
                self.parts[block.name] = (columns, split)
            columns, split = self.parts[block.name]
            rows = split.get(slug, [])
            if self.hashing:
                known = self.part_digests.get((block.name, slug))
                if known is None:
                    known = self.part_digests[(block.name, slug)] = self._digest(columns, rows)
                self.digests[block.name] = known
            return QueryResult(block.name, columns, rows)
        if block.static and block.name in self.cache:
            result, self.digests[block.name] = self.cache[block.name]
            return result
        if block.council_free and not block.materialise:
            sql = block.render(params)
            if sql not in self.shared:
                columns, rows = self._execute(block, params, sql)
                self.shared[sql] = (columns, rows, self._digest(columns, rows))
            columns, rows, self.digests[block.name] = self.shared[sql]
            return QueryResult(block.name, columns, rows)
        columns, rows = self._execute(block, params)
        result = QueryResult(block.name, columns, rows)
        self.digests[block.name] = self._digest(columns, rows)
        if block.static:
            self.cache[block.name] = (result, self.digests[block.name])
        return result

    def run(self, blocks: list[SqlBlock], params, slug: str | None = None) -> dict[str, QueryResult]:
        self.digests = {}
        results = {b.name: self.run_block(b, params, slug) for b in blocks}
        self.current = None
        return results

    def drop(self, blocks: list[SqlBlock], static: bool) -> None:
        """Drop temp tables (per page for varying blocks; at the end for static ones)."""
        for b in blocks:
            if b.materialise and b.static == static:
                self.con.execute(f'drop table if exists "{b.name}"')
        if static:
            self.cache.clear()
            self.parts.clear()
            self.part_digests.clear()
