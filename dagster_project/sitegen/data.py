"""Query results as Jinja sees them: a list of rows, each readable as `row.col` or `row['col']`."""

from __future__ import annotations

import pickle
import re

from .errors import MissingColumnError


class Columns:
    """Column names of one query result, shared by all its rows."""

    __slots__ = ("query", "names", "index")

    def __init__(self, query: str, names: list[str]):
        self.query, self.names = query, names
        self.index = {name: i for i, name in enumerate(names)}

    def __reduce__(self):
        return Columns, (self.query, self.names)


class Row:
    """One result row; a missing column raises MissingColumnError naming the query."""

    __slots__ = ("_cols", "_vals")

    def __init__(self, cols: Columns, vals: tuple):
        self._cols, self._vals = cols, vals

    def __reduce__(self):  # pages' data go to the render workers by pipe
        return Row, (self._cols, self._vals)

    def __getattr__(self, name: str):  # Jinja's `row.col`: as __getitem__, without its call
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._vals[self._cols.index[name]]
        except KeyError:
            raise MissingColumnError(self._cols.query, name, self._cols.names) from None

    def __getitem__(self, key):
        if isinstance(key, int):
            return self._vals[key]
        try:
            return self._vals[self._cols.index[key]]
        except KeyError:
            raise MissingColumnError(self._cols.query, key, self._cols.names) from None

    def __contains__(self, key) -> bool:
        return key in self._cols.index

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._cols.names, self._vals))!r})"


class QueryResult(list):
    """Rows of a named query, with `.name` (used for CSV file names) and `.columns`."""

    def __init__(self, name: str, columns: list[str], rows: list[tuple]):
        cols = Columns(name, columns)
        super().__init__(Row(cols, r) for r in rows)
        self.name, self.columns = name, columns

    def __reduce__(self):
        return QueryResult, (self.name, self.columns, [r._vals for r in self])

    def require(self, *columns: str | None) -> None:
        """Fail early, naming this query, when a component is given a column it lacks."""
        for column in columns:
            if column and column not in self.columns:
                raise MissingColumnError(self.name, column, self.columns)

    def __add__(self, other) -> QueryResult:
        """`a + b` in Jinja: rows of both, which must have the same columns; keeps a's name."""
        other = as_result(other, self.name)
        if self.columns and other.columns and other.columns != self.columns:
            raise ValueError(f"cannot add query '{other.name}' to '{self.name}': columns differ "
                             f"({', '.join(other.columns)} vs {', '.join(self.columns)})")
        out = self.subset(self.name, list(self) + list(other))
        out.columns = self.columns or other.columns
        return out

    def subset(self, name: str, rows: list[Row]) -> QueryResult:
        out = QueryResult.__new__(QueryResult)
        list.__init__(out, rows)
        out.name, out.columns = name, self.columns
        return out


class PackedResult:
    """A query's rows on their way to a render worker, pickled once (`payload`): the bytes the
    content-hash cache digests are the bytes the worker unpickles into a QueryResult."""

    __slots__ = ("name", "payload")

    def __init__(self, name: str, packed: bytes):
        self.name, self.payload = name, packed

    def __reduce__(self):
        return _unpacked, (self.name, self.payload)


def payload(columns: list[str], rows: list[tuple]) -> bytes:
    """A result's columns and rows as one pickle (what a page's data digest reads)."""
    return pickle.dumps((columns, rows), protocol=5)


def _unpacked(name: str, packed: bytes) -> QueryResult:
    return QueryResult(name, *pickle.loads(packed))


def as_result(data, name: str = "data") -> QueryResult:
    """Accept a QueryResult, or a plain list of rows filtered in Jinja (keeps its query name)."""
    if isinstance(data, QueryResult):
        return data
    rows = list(data or [])
    if rows and isinstance(rows[0], Row):
        cols = rows[0]._cols
        out = QueryResult(cols.query, cols.names, [])
        list.extend(out, rows)
        return out
    if rows and isinstance(rows[0], dict):
        names = list(rows[0])
        return QueryResult(name, names, [tuple(r.get(n) for n in names) for r in rows])
    return QueryResult(name, [], [])


_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def slugify(value) -> str:
    return _UNSAFE.sub("-", str(value)).strip("-").lower() or "x"


def where(data, column: str, value) -> QueryResult:
    """Jinja filter: rows whose `column` equals `value`; the subset is named `<query>-<value>`."""
    result = as_result(data)
    result.require(column)
    i = result.columns.index(column)
    return result.subset(f"{result.name}-{slugify(value)}", [r for r in result if r._vals[i] == value])


def groups(data, column: str) -> dict:
    """Jinja filter: {value: rows with that value in `column`}, in one pass (for loops over many
    groups, where repeated `where` would scan every row each time). Missing keys give no rows."""
    result = as_result(data)
    result.require(column)
    i = result.columns.index(column)
    split: dict = {}
    for r in result:
        split.setdefault(r._vals[i], []).append(r)
    return _Groups(result, split)


class _Groups(dict):
    def __init__(self, result: QueryResult, split: dict):
        super().__init__((k, result.subset(f"{result.name}-{slugify(k)}", rows)) for k, rows in split.items())
        self._empty = result.subset(result.name, [])

    def __missing__(self, key):
        return self._empty
