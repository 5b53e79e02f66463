"""A suite's expectations compiled to one DuckDB query, giving the outcome GX gives on the pandas batch.

GX on pandas stays the reference (gx_runner): this module covers the expectation types the
project's suites use, on the column types whose pandas form it reproduces, and raises
Unsupported for anything else (another type or argument, a column another type, a regex outside
the subset RE2 and Python's `re` read alike) so that GX validates the suite instead. Where GX's
result depends on values it does not reproduce (a value outside printable ASCII under a regex, a
missing integer in a pair GX does not skip, a duplicate with a missing part), the query counts
them and the suite goes to GX as well.

GX's semantics, as reproduced here (GX 1.x, pandas engine):
- column map expectations skip missing values (NULL, and NaN in a float column, as pandas sees
  both as missing), except not_null and null, which count every row; `mostly` compares
  (considered - unexpected) / considered with it, and a batch with nothing to consider passes;
- between: `min <= x <= max`, strict_min/strict_max make them strict;
- unique: every row of a repeated non-missing value fails (pandas `duplicated(keep=False)`);
  compound unique skips rows whose columns are all missing and counts missing parts as equal;
- pair A > B (`or_equal`: >=): rows skipped by `ignore_row_if` (both_values_are_missing by
  default, either_value_is_missing, neither); a missing value in a row not skipped fails;
- match_regex: `re.search` on the value (a partial match), the same as RE2's regexp_matches for
  the subset of regexes `_regex_supported` allows, on printable ASCII values;
- the failing sample: the first failing rows in the batch's order (rowid of the table, or of the
  batch copied into a temporary table), formatted as GX's partial_unexpected_list / index list print.
"""

import math
import re
from dataclasses import dataclass

import duckdb

LINEAGE = ("_source_file", "_row_number")
SAMPLE = 10

_INT_TYPES = {
    "TINYINT": "int8", "SMALLINT": "int16", "INTEGER": "int32", "BIGINT": "int64",
    "UTINYINT": "uint8", "USMALLINT": "uint16", "UINTEGER": "uint32", "UBIGINT": "uint64",
}

SHAPE = {
    "expect_table_columns_to_match_set", "expect_table_columns_to_match_ordered_list",
    "expect_table_column_count_to_equal", "expect_table_column_count_to_be_between",
}
_ARGUMENTS = {
    "expect_column_values_to_be_between": {"column", "min_value", "max_value", "strict_min", "strict_max", "mostly"},
    "expect_column_values_to_not_be_null": {"column", "mostly"},
    "expect_column_values_to_be_null": {"column", "mostly"},
    "expect_column_values_to_be_unique": {"column", "mostly"},
    "expect_column_values_to_match_regex": {"column", "regex", "mostly"},
    "expect_column_values_to_be_in_set": {"column", "value_set", "mostly"},
    "expect_compound_columns_to_be_unique": {"column_list", "mostly"},
    "expect_column_pair_values_a_to_be_greater_than_b": {"column_A", "column_B", "or_equal", "ignore_row_if", "mostly"},
    "expect_table_row_count_to_equal": {"value"},
    "expect_table_row_count_to_be_between": {"min_value", "max_value", "strict_min", "strict_max"},
    "expect_table_columns_to_match_set": {"column_set", "exact_match"},
    "expect_table_columns_to_match_ordered_list": {"column_list"},
    "expect_table_column_count_to_equal": {"value"},
    "expect_table_column_count_to_be_between": {"min_value", "max_value", "strict_min", "strict_max"},
}


class Unsupported(Exception):
    """The suite needs GX: an expectation, argument, column type or value this engine does not reproduce."""


@dataclass(frozen=True)
class Result:
    success: bool
    observed: str
    sample: list[str]


@dataclass(frozen=True)
class _Column:
    name: str
    kind: str  # int, float, str or bool: the pandas dtype DuckDB's .df() gives the column
    numpy: str  # the numpy scalar type a pair's sample prints (int32, float64)

    @property
    def sql(self) -> str:
        """The value as pandas sees it: a DECIMAL as a double, NaN as missing."""
        quoted = '"' + self.name.replace('"', '""') + '"'
        if self.kind == "float":
            return f"(case when isnan({quoted}::double) then null else {quoted}::double end)"
        return quoted


def _column(name: str, duckdb_type: str) -> _Column:
    if duckdb_type in _INT_TYPES:
        return _Column(name, "int", _INT_TYPES[duckdb_type])
    if duckdb_type == "DOUBLE" or duckdb_type.startswith("DECIMAL"):
        return _Column(name, "float", "float64")
    if duckdb_type == "VARCHAR":
        return _Column(name, "str", "str")
    if duckdb_type == "BOOLEAN":
        return _Column(name, "bool", "bool")
    return _Column(name, "other", "")


# Regexes both dialects read alike on printable ASCII: literals, anchors, non-capturing and
# capturing groups, alternation, bracket classes without POSIX names, \d, escaped punctuation,
# and the quantifiers ? * + {n} {n,} {n,m}.
_REGEX_TOKEN = re.compile(r"\\d|\\[.\-\\/^$()\[\]{}|?*+]|\(\?:|[()|^$?*+.]|\{\d+(,\d*)?\}|\[\^?(?:[^\\\[\]]|\\[d.\-\\\]])+\]|[A-Za-z0-9 _\-/,:;'\"=<>!@#%&~`]")


def _regex_supported(regex: str) -> bool:
    return re.fullmatch(f"(?:{_REGEX_TOKEN.pattern})*", regex) is not None and "[:" not in regex


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _literal(value) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return repr(value)


def _text(column: _Column, value) -> str:
    """str() of the value as pandas holds it (partial_unexpected_list, index list)."""
    if value is None:
        return "<NA>" if column.kind in ("int", "bool") else "nan"
    return str(value)


def _numpy_repr(column: _Column, value) -> str:
    """repr() of the value inside a pair's tuple."""
    if column.kind == "str":
        return "nan" if value is None else repr(value)
    if column.kind == "float":
        return f"np.float64({'nan' if value is None else repr(float(value))})"
    return f"np.{column.numpy}({value})"


class _Compiler:
    """Builds the aggregates of one query over the batch table, and the joins they need."""

    def __init__(self, table: str, columns: dict[str, _Column]):
        self.table = table
        self.columns = columns
        self.joins: list[tuple[str, str]] = []  # (common table, join)
        self.aggregates: list[str] = ["count(*)"]
        self.guards: dict[str, str] = {}  # what each count that must be 0 for GX's result to be reproduced finds

    def column(self, name: str, kinds=("int", "float", "str", "bool")) -> _Column:
        column = self.columns.get(name)
        if column is None or column.kind not in kinds:
            raise Unsupported(f"column {name!r}")
        return column

    def repeated(self, keys: list[_Column], considered: str) -> str:
        """A condition true on the considered rows whose keys another considered row repeats
        (missing parts equal): a join with the repeated keys, found by a group by on the keys'
        hash first and then on the keys of the rows whose hash repeats (less memory than a group
        by on every key, or a window)."""
        alias = f"_repeated{len(self.joins)}"
        listed = ", ".join(f"{c.sql} as _k{i}" for i, c in enumerate(keys))
        hashed = f"hash({', '.join(c.sql for c in keys)})"
        on = " and ".join(f"{c.sql} is not distinct from {alias}._k{i}" for i, c in enumerate(keys))
        self.joins.append((
            f"{alias}_hash as (select {hashed} as _h from {self.table} as batch where {considered} "
            "group by 1 having count(*) > 1), "
            f"{alias} as (select {listed}, true as {alias} from {self.table} as batch "
            f"semi join {alias}_hash on {hashed} = {alias}_hash._h "
            f"where {considered} group by all having count(*) > 1)",
            f"left join {alias} on {considered} and {on}",
        ))
        return f"{alias} is not null"

    def add(self, considered: str, failing: str, shown: list[_Column]) -> int:
        """Adds the count considered, the count failing and the first failing rows; returns the
        index of the first of these three aggregates."""
        index = len(self.aggregates)
        values = ", ".join(f"'v{i}': {c.sql}" for i, c in enumerate(shown))
        lineage = ", 'file': _source_file, 'row': _row_number" if set(LINEAGE) <= set(self.columns) else ""
        self.aggregates += [
            f"count(*) filter (where {considered})",
            f"count(*) filter (where {considered} and {failing})",
            f"arg_min({{{values}{lineage}}}, batch.rowid, {SAMPLE}) filter (where {considered} and {failing})",
        ]
        return index


def _map(compiler: _Compiler, kind: str, kw: dict):
    """(considered, failing, columns shown) of a map expectation, as SQL over the batch."""
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a = compiler.column(kw["column_A"], ("int", "float", "str"))
        b = compiler.column(kw["column_B"], ("int", "float", "str"))
        if (a.kind == "str") != (b.kind == "str"):
            raise Unsupported("a pair of a text and a number column")
        ignore = kw.get("ignore_row_if", "both_values_are_missing")
        considered = {
            "both_values_are_missing": f"({a.sql} is not null or {b.sql} is not null)",
            "either_value_is_missing": f"({a.sql} is not null and {b.sql} is not null)",
            "neither": "true",
        }.get(ignore)
        if considered is None:
            raise Unsupported(f"ignore_row_if {ignore!r}")
        if ignore != "either_value_is_missing" and "int" in (a.kind, b.kind):
            # pandas' missing integer (pd.NA) in a comparison: GX reports an error, not a result
            compiler.guards[f"a missing integer in {a.name}, {b.name}"] = (
                f"count(*) filter (where {considered} and ({a.sql} is null or {b.sql} is null))"
            )
        operator = ">=" if kw.get("or_equal") else ">"
        return considered, f"not coalesce({a.sql} {operator} {b.sql}, false)", [a, b]
    if kind == "expect_compound_columns_to_be_unique":
        columns = [compiler.column(name) for name in kw["column_list"]]
        if not columns:
            raise Unsupported("an empty column_list")
        considered = "(" + " or ".join(f"{c.sql} is not null" for c in columns) + ")"
        failing = compiler.repeated(columns, considered)
        # a repeated row with a missing part prints as GX's dict of it, not reproduced here
        compiler.guards[f"a repeated row with a missing part in {kw['column_list']}"] = (
            f"count(*) filter (where {considered} and {failing} and ("
            + " or ".join(f"{c.sql} is null" for c in columns) + "))"
        )
        return considered, failing, columns
    column = compiler.column(kw["column"])
    value = column.sql
    if kind == "expect_column_values_to_not_be_null":
        return "true", f"{value} is null", [column]
    if kind == "expect_column_values_to_be_null":
        return "true", f"{value} is not null", [column]
    present = f"{value} is not null"
    if kind == "expect_column_values_to_be_unique":
        return present, compiler.repeated([column], present), [column]
    if kind == "expect_column_values_to_be_between":
        compiler.column(column.name, ("int", "float"))
        low, high = kw.get("min_value"), kw.get("max_value")
        if (low is None and high is None) or any(v is not None and not _number(v) for v in (low, high)) or (
            low is not None and high is not None and low > high
        ):
            raise Unsupported("bounds")
        tests = []
        if low is not None:
            tests.append(f"{value} {'>' if kw.get('strict_min') else '>='} {_literal(low)}")
        if high is not None:
            tests.append(f"{value} {'<' if kw.get('strict_max') else '<='} {_literal(high)}")
        return present, f"not ({' and '.join(tests)})", [column]
    if kind == "expect_column_values_to_be_in_set":
        values = list(kw.get("value_set") or [])
        text = column.kind == "str" and all(isinstance(v, str) for v in values)
        number = column.kind in ("int", "float") and all(_number(v) for v in values)
        if not values or not (text or number):
            raise Unsupported("value_set")
        return present, f"{value} not in ({', '.join(_literal(v) for v in values)})", [column]
    if kind == "expect_column_values_to_match_regex":
        compiler.column(column.name, ("str",))
        regex = kw["regex"]
        if not isinstance(regex, str) or not _regex_supported(regex):
            raise Unsupported(f"regex {regex!r}")
        # outside printable ASCII Python's \d and RE2's differ (and $ before a final newline)
        compiler.guards[f"a value outside printable ASCII in {column.name}"] = (
            f"count(*) filter (where {present} and not regexp_full_match({value}, '[ -~]*'))"
        )
        return present, f"not regexp_matches({value}, {_literal(regex)})", [column]
    raise Unsupported(kind)


def _between(value, kw: dict) -> bool:
    low, high = kw.get("min_value"), kw.get("max_value")
    above = low is None or (value > low if kw.get("strict_min") else value >= low)
    below = high is None or (value < high if kw.get("strict_max") else value <= high)
    return above and below


def _shape(kind: str, kw: dict, names: list[str]) -> Result:
    if kind == "expect_table_columns_to_match_set":
        expected, actual = set(kw.get("column_set") or []), set(names)
        exact = kw.get("exact_match", True) is not False
        success = expected == actual if exact else expected <= actual
        return Result(success, f"observed value: {sorted(names)}", [])
    if kind == "expect_table_columns_to_match_ordered_list":
        return Result(list(kw["column_list"]) == names, f"observed value: {names}", [])
    if kind == "expect_table_column_count_to_equal":
        return Result(len(names) == kw["value"], f"observed value: {len(names)}", [])
    return Result(_between(len(names), kw), f"observed value: {len(names)}", [])


def _format(kind: str, shown: list[_Column], row: dict, lineage: bool) -> str:
    values = [row[f"v{i}"] for i in range(len(shown))]
    if lineage:
        return f"{row['file']}: row {row['row']}: " + ", ".join(
            f"{c.name} {_text(c, v)}" for c, v in zip(shown, values)
        )
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        return "(" + ", ".join(_numpy_repr(c, v) for c, v in zip(shown, values)) + ")"
    if kind == "expect_compound_columns_to_be_unique":
        return "{" + ", ".join(f"{c.name!r}: {float(v) if c.kind == 'float' else v!r}" for c, v in zip(shown, values)) + "}"
    return _text(shown[0], values[0])


def _check_arguments(expectations) -> None:
    """Unsupported for a type or argument this engine does not reproduce (GX then validates, or
    reports the arguments wrong)."""
    for e in expectations:
        kw = e.kwargs
        if e.type not in _ARGUMENTS or not set(kw) <= _ARGUMENTS[e.type]:
            raise Unsupported(e.type)
        mostly = kw.get("mostly", 1)
        if not _number(mostly) or not 0 <= mostly <= 1:
            raise Unsupported("mostly")
        if e.type.startswith("expect_table_"):
            bounds = [kw[k] for k in ("value", "min_value", "max_value") if kw.get(k) is not None]
            if e.type.endswith("_between") and not bounds:
                raise Unsupported("no bounds")
            if not all(_number(b) for b in bounds) or (
                kw.get("min_value") is not None and kw.get("max_value") is not None and kw["min_value"] > kw["max_value"]
            ):
                raise Unsupported("bounds")
            if e.type.endswith("_to_match_set") and not isinstance(kw.get("column_set"), list):
                raise Unsupported("column_set")
            if e.type.endswith("_ordered_list") and not isinstance(kw.get("column_list"), list):
                raise Unsupported("column_list")


def validate(con: duckdb.DuckDBPyConnection, table: str, expectations, names: list[str]) -> list[Result]:
    """One result per expectation, in order, for the batch in `table` (a table whose rowid is the
    batch's order: the table itself or a temporary copy of the batch; `names`: all the batch's
    columns); Unsupported when GX must validate the suite instead."""
    _check_arguments(expectations)
    described = con.execute(f"describe {table}").fetchall()
    columns = {row[0]: _column(row[0], row[1]) for row in described}
    lineage = set(LINEAGE) <= set(columns)
    compiler = _Compiler(table, columns)
    plans = []
    for e in expectations:
        if e.type in SHAPE or e.type.startswith("expect_table_row_count"):
            plans.append(None)
            continue
        considered, failing, shown = _map(compiler, e.type, e.kwargs)
        plans.append((compiler.add(considered, failing, shown), shown))
    sql = (
        ("with " + ", ".join(j[0] for j in compiler.joins) + " " if compiler.joins else "")
        + f"select {', '.join(compiler.aggregates + list(compiler.guards.values()))} from {table} as batch "
        + " ".join(j[1] for j in compiler.joins)
    )
    row = con.execute(sql).fetchone()
    found = [what for what, count in zip(compiler.guards, row[len(compiler.aggregates):]) if count]
    if found:
        raise Unsupported(f"values whose GX result is not reproduced here: {'; '.join(found)}")
    total = row[0]
    results = []
    for e, plan in zip(expectations, plans):
        if e.type in SHAPE:
            results.append(_shape(e.type, e.kwargs, names))
        elif e.type == "expect_table_row_count_to_equal":
            results.append(Result(total == e.kwargs["value"], f"observed value: {total}", []))
        elif e.type == "expect_table_row_count_to_be_between":
            results.append(Result(_between(total, e.kwargs), f"observed value: {total}", []))
        else:
            index, shown = plan
            considered, failing, sample = row[index], row[index + 1], row[index + 2] or []
            mostly = e.kwargs.get("mostly", 1)
            success = total == 0 or considered == 0 or (float(considered) - float(failing)) / float(considered) >= mostly
            results.append(Result(success, f"unexpected count: {failing}",
                                  [_format(e.type, shown, r, lineage) for r in sample]))
    return results
