"""The whole published dataset as downloads: every marts and audit table as CSV and Parquet.

DuckDB writes the files itself (``COPY ... TO``), so large tables cost no Python time. Each CSV
and Parquet file is sorted by all its columns in turn, except the CSV of
marts.fct_indicator_values: its indicators' CSVs (``downloads/indicators/``) one after another,
so its rows are formatted once. When those rows are more than a spreadsheet holds
(SPREADSHEET_ROWS: 1,080,924 at 169 councils, 1.2 GB of CSV) that whole-table CSV is not written:
nobody could open it in a spreadsheet, its indicators' CSVs hold every row and the Parquet file
holds the table. In CSV files text that a spreadsheet would run as a
formula (starting with = + - @, tab or carriage return, and not a number) gets a leading ``'``,
exactly as the page CSVs do.
Results are temporary tables for the downloads page:

- ``site_downloads(table_schema, table_name, description, row_count, csv_file, csv_bytes,
  parquet_file, parquet_bytes)``
- ``site_data_dictionary(table_schema, table_name, column_name, data_type, description)``
- ``site_indicator_downloads(indicator_id, title, row_count, csv_file, csv_bytes)``: each indicator's CSV

``site_downloads.csv_file`` is NULL for a table whose CSV is not written (above).

What the quality outputs may show (issue 11): the audit tables describe *inputs*, including rows
that were rejected before any suppression could apply, so on the site (pages, CSV and Parquet)
they are read through the temporary views ``site_audit_<table>`` that ``public_views`` creates,
never directly:

- ``rejected_rows.value`` is withheld (always empty): a rejected cell or row may hold a small,
  disclosive count (a death count of 3 in one ward, sex and age band). File, row, column and
  reason are shown, which is enough to find and fix the row in the source file.
- ``file_inventory``: names and fingerprints are shown only for files a source accepts and the
  documentation; any other file in RAW_DIR is listed as a withheld name (its name may itself
  be disclosive).
- ``quality_results``: ``details`` (samples of failing values) is withheld, and ``observed``
  is shown only when it is a count (of unexpected rows, or of the table's rows).
- ``apportionment_validation``: the direct ward claimant counts (and the estimate and error,
  from which direct = estimate - error) are withheld for every ward of a council and month in
  which the marts withhold a ward count: they are the very counts disclosure control withholds
  there (a planted count of 3 was published in this table beside its suppressed mart cell).

The warehouse keeps the full audit tables for the engineers who run it.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from .cache import OutputCache, digest
from .csvfile import to_csv
from .data import QueryResult

SCHEMAS = ("marts", "audit")
# Columns that change on every run (when a file was loaded): left out of the downloads so an
# unchanged rebuild is byte-identical; the build time is in build-info.json.
RUN_SPECIFIC = {"loaded_at"}
FOLDER = "downloads"
UNDESCRIBED = "Not yet described."
NAME_WITHHELD = "(name withheld: no source takes this file)"
_SHOWN_FILES = "status in ('accepted', 'documentation')"
_WITHHELD_MONTH = ("exists (select 1 from marts.fct_indicator_values as v where v.area_type = 'ward' "
                   "and v.suppression is not null and v.la_code = apportionment_validation.la_code "
                   "and v.period = apportionment_validation.period)")
PUBLIC = {  # (schema, table) -> {column: the SQL expression published in its place}
    ("audit", "rejected_rows"): {"value": "cast(null as varchar)"},
    ("audit", "file_inventory"): {
        "file_name": f"case when {_SHOWN_FILES} then file_name else '{NAME_WITHHELD}' end",
        "sha256": f"case when {_SHOWN_FILES} then sha256 end",
    },
    ("audit", "quality_results"): {
        "observed": "case when observed like 'unexpected count:%' or expectation like 'expect_table_%' "
                    "or expectation = 'expect_column_to_exist' then observed end",
        "details": "cast(null as varchar)",
    },
    ("audit", "apportionment_validation"): {
        column: f"case when {_WITHHELD_MONTH} then null else {column} end" for column in ("direct", "estimate", "error")
    },
}
# Rejected rows published per file: the first REJECTIONS_SHOWN, then one summary row (how many
# more, and the commonest reason); every rejection stays in the warehouse's audit.rejected_rows.
REJECTIONS_SHOWN = 1000
_NUMBER = r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$"
_NUMBER_RE, _FORMULA = re.compile(_NUMBER), re.compile(r"[=+@\t\r-]")  # as _csv_select's patterns, in Python
# A table of more rows has its CSV sorted and written in parts of about this many (`_write_csv`).
PART_ROWS = 100_000
INDICATOR_ORDER = ("area_type", "coalesce(period_start, period_end)", "period", "area_code")  # an indicator's CSV
# The table whose CSV is its indicators' CSVs one after another (`_concatenated`): sorted by
# indicator_id, then as INDICATOR_ORDER; every other table's CSV is sorted by all its columns.
CONCATENATED = ("marts", "fct_indicator_values")
# Rows a spreadsheet holds below its header (Excel's worksheet: 1,048,576 rows): past it the values'
# whole-table CSV is left out, its indicators' CSVs being there.
SPREADSHEET_ROWS = 1_048_575
# Tables with a unique key (a dbt test): sorted by their columns up to the last key column, which is
# the order of sorting by all of them, at a fraction of the cost (1.08 million rows at 169 councils).
UNIQUE_KEYS = {("marts", "fct_indicator_values"): ("indicator_id", "area_code", "period")}


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _csv_select(columns: list[tuple[str, str]]) -> str:
    parts = []
    for name, kind in columns:
        col = _ident(name)
        if kind.upper().startswith("VARCHAR"):
            parts.append(f"case when regexp_matches({col}, '^[=+@\\t\\r-]') and not regexp_matches({col}, '{_NUMBER}') "
                         f"then '''' || {col} else {col} end as {col}")
        else:
            parts.append(col)
    return ", ".join(parts)


def _changed_by_csv(value) -> bool:
    """Whether the CSV writes this value with a leading ``'`` (then its text sorts differently)."""
    return isinstance(value, str) and bool(_FORMULA.match(value)) and not _NUMBER_RE.fullmatch(value)


def _ranges(key: str, counts: list[tuple], where: str, params: tuple) -> list[tuple[str, list]]:
    """Consecutive ranges of `key` of about PART_ROWS rows each, from its values' row counts in
    order (no NULLs), as filters (after `where`) and their parameters."""
    parts, low, held = [], None, 0
    for n, (value, count) in enumerate(counts):
        low, held = value if low is None else low, held + count
        if held >= PART_ROWS or n == len(counts) - 1:
            parts.append((f"{where}{key} between ? and ?", [*params, low, value]))
            low, held = None, 0
    return parts


def _parts(con, source: str, keys: list[str], where: str = "", params: tuple = ()) -> list[tuple[str, list]]:
    """The rows of `source` (matching `where`) in the order of the sort `keys` as consecutive parts
    of about PART_ROWS rows, as filters and their parameters: ranges of the first key (NULLs,
    last, a part of their own), a value of more rows split so by the next keys. One part when
    they fit in one, or when the CSV changes a value of the key (a leading ``'``: its order
    would differ)."""
    scope, prefix = (f" where {where}", f"{where} and ") if where else ("", "")
    counts = con.execute(f"select {keys[0]}, count(*) from {source}{scope} group by all order by all",
                         list(params)).fetchall()
    if sum(count for _, count in counts) <= PART_ROWS or any(_changed_by_csv(value) for value, _ in counts):
        return [(where, list(params))]
    parts, run = [], []
    for value, count in counts:
        if value is None:  # last
            return parts + _ranges(keys[0], run, prefix, params) + [(f"{prefix}{keys[0]} is null", list(params))]
        if count > PART_ROWS and len(keys) > 1:
            parts += _ranges(keys[0], run, prefix, params)
            parts += _parts(con, source, keys[1:], f"{prefix}{keys[0]} = ?", (*params, value))
            run = []
        else:
            run.append((value, count))
    return parts + _ranges(keys[0], run, prefix, params)


def _write_csv(con, select: str, order: str, parts: list[tuple[str, list]], path: Path) -> None:
    """A CSV as `select` sorted by `order`, a part (`_parts`) at a time, the parts appended in
    order, so that DuckDB sorts and buffers only a part's rows at once."""
    def copy(where: str, params: list, target: Path, header: bool) -> None:
        con.execute(f"copy ({select}{f' where {where}' if where else ''}{order}) "
                    f"to '{target.as_posix()}' (header {str(header).lower()}, delimiter ',')", params)

    if len(parts) == 1:
        copy(*parts[0], path, True)
        return
    part = path.with_name(path.name + ".part")
    with path.open("wb") as out:
        for n, (where, params) in enumerate(parts):
            copy(where, params, part, n == 0)
            _append(part, out)
    part.unlink()


def _append(path: Path, out, skip: int = 0) -> None:
    """Append the file at `path` (from byte `skip`) to the open file `out`, in the kernel where it
    can (no copy through this process)."""
    out.flush()
    with path.open("rb") as src:
        size, offset = path.stat().st_size, skip
        try:
            while offset < size:
                copied = os.copy_file_range(src.fileno(), out.fileno(), size - offset, offset)
                if not copied:
                    break
                offset += copied
        except OSError:  # a file system that cannot: copy what is left through this process
            pass
        src.seek(offset)
        shutil.copyfileobj(src, out, 1 << 20)


def _order(schema: str, table: str, columns: list[str]) -> str:
    """' order by' all the columns, or only as far as the last of the table's unique key (the same
    order: rows never tie on a unique key)."""
    if not columns:
        return ""
    key = UNIQUE_KEYS.get((schema, table))
    if not key or not set(key) <= set(columns):
        return " order by all"
    last = max(columns.index(name) for name in key)
    return " order by " + ", ".join(_ident(name) for name in columns[:last + 1])


def load_dictionary(path: Path) -> dict:
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected schema -> table -> description/columns")
    return data


@dataclass
class _IndicatorFiles:
    """The per-indicator CSVs (`_per_indicator`): their columns, and by indicator_id in order, their files
    and rows of site_indicator_downloads."""

    columns: list[tuple]
    files: dict[str, str]
    listed: list[tuple]


def _per_indicator(con, out_dir: Path, cache: OutputCache, write) -> _IndicatorFiles:
    """downloads/indicators/<indicator_id>.csv: every value of one indicator (linked from its page)."""
    table = ".".join(CONCATENATED)
    columns = con.execute("select column_name, data_type from information_schema.columns "
                          "where table_schema = 'marts' and table_name = 'fct_indicator_values' "
                          "order by ordinal_position").fetchall()
    state = con.execute(f"select count(*), bit_xor(hash(t)), sum(hash(t)::hugeint) from {table} t").fetchone()
    indicators = con.execute(f"select i.indicator_id, i.title, count(v.indicator_id) from marts.dim_indicator i "
                             f"left join {table} v using (indicator_id) group by all order by i.indicator_id").fetchall()
    ids = [indicator_id for indicator_id, _, _ in indicators]
    key, key_digest = f"{FOLDER}/indicators", digest("per-indicator", 1, columns, state[0], state[1], str(state[2]), ids)
    files = {i: f"{FOLDER}/indicators/{i}.csv" for i in ids}
    if cache.hit(key, key_digest) is None:
        (out_dir / FOLDER / "indicators").mkdir(parents=True, exist_ok=True)
        for indicator_id, rel in files.items():
            (out_dir / rel).unlink(missing_ok=True)
            _write_csv(con, f"select {_csv_select(columns)} from {table}", f" order by {', '.join(INDICATOR_ORDER)}",
                       _parts(con, table, list(INDICATOR_ORDER), "indicator_id = ?", (indicator_id,)), out_dir / rel)
        cache.record(key, key_digest, dict.fromkeys(files.values()))
    for rel in files.values():
        write.count(rel)
    listed = [(i, title, rows, files[i], (out_dir / files[i]).stat().st_size) for i, title, rows in indicators]
    return _IndicatorFiles([tuple(c) for c in columns], files, listed)


def _held_by_indicators(con, indicators: _IndicatorFiles, columns: list, rows: int) -> bool:
    """Whether the indicators' CSVs hold every one of marts.fct_indicator_values' `rows`, with its columns."""
    if not indicators.files or indicators.columns != [tuple(c) for c in columns]:
        return False
    held = con.execute(f"select count(*) from {'.'.join(CONCATENATED)} where list_contains(?, indicator_id)",
                       [list(indicators.files)]).fetchone()[0]
    return held == rows


def _concatenated(out_dir: Path, indicators: _IndicatorFiles, path: Path) -> None:
    """marts.fct_indicator_values' CSV as its indicators' CSVs one after another (one header), when
    they hold every row (`_held_by_indicators`): the rows are formatted once, not twice."""
    with path.open("wb") as out:
        for n, rel in enumerate(indicators.files.values()):
            with (out_dir / rel).open("rb") as src:
                header = len(src.readline())
            _append(out_dir / rel, out, skip=0 if n == 0 else header)


def public_views(con) -> None:
    """Temporary views ``site_audit_<table>``: the audit tables as the site may show them (see
    the module docstring); every page and download reads these, not the tables."""
    for (schema, table), replaced in PUBLIC.items():
        columns = [name for (name,) in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "order by ordinal_position", [schema, table]).fetchall()]
        if not columns:
            continue
        select = ", ".join(f"{replaced[c]} as {_ident(c)}" if c in replaced else _ident(c) for c in columns)
        source = f"{_ident(schema)}.{_ident(table)}"
        if (schema, table) == ("audit", "rejected_rows"):
            source = _capped_rejections()
        con.execute(f"create or replace temp view {_ident('site_' + schema + '_' + table)} as "
                    f"select {select} from {source}")


def _capped_rejections() -> str:
    """audit.rejected_rows with at most REJECTIONS_SHOWN rows per file and a summary row for the
    rest, so a huge file of bad rows cannot swell the site (a subquery, same columns)."""
    return f"""(
        select source_id, file_name, row_number, column_name, value, reason from (
            select *, row_number() over (partition by source_id, file_name order by row_number, column_name) as shown
            from audit.rejected_rows
        ) where shown <= {REJECTIONS_SHOWN}
        union all
        select source_id, file_name, null, null, null,
            'and ' || format('{{:,}}', count(*) - {REJECTIONS_SHOWN}) || ' more rejections in this file, most often: '
            || mode(reason) || ' (the warehouse''s audit.rejected_rows holds every one)'
        from audit.rejected_rows group by source_id, file_name having count(*) > {REJECTIONS_SHOWN}
    )"""


def _public_source(schema: str, table: str) -> str:
    if (schema, table) in PUBLIC:
        return _ident(f"site_{schema}_{table}")
    return f"{_ident(schema)}.{_ident(table)}"


def _tables(con) -> list[tuple[str, str]]:
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema in ({', '.join('?' for _ in SCHEMAS)}) and table_type = 'BASE TABLE' "
        "order by table_schema, table_name", list(SCHEMAS)).fetchall()


TABLES = ("site_downloads", "site_data_dictionary", "site_indicator_downloads")  # the temp tables pages read (`register`)


def export(con, out_dir: Path, cache: OutputCache, dictionary: dict, write) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Write every table's CSV and Parquet (unless cached) and the data dictionary CSV. Returns
    the rows of site_downloads, site_data_dictionary and site_indicator_downloads for `register`.
    Reads only the warehouse and the views it creates (`public_views`), so it may run on its own
    cursor."""
    downloads, columns_rows = [], []
    public_views(con)
    (out_dir / FOLDER).mkdir(parents=True, exist_ok=True)
    indicators = _per_indicator(con, out_dir, cache, write)
    for schema, table in _tables(con):
        described = (dictionary.get(schema) or {}).get(table) or {}
        col_text = described.get("columns") or {}
        columns = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position", [schema, table]).fetchall()
        columns = [(name, kind) for name, kind in columns if name not in RUN_SPECIFIC]
        for name, kind in columns:
            columns_rows.append((schema, table, name, kind, str(col_text.get(name) or UNDESCRIBED)))
        source = _public_source(schema, table)
        listed = ", ".join(_ident(name) for name, _ in columns)
        rows, h1, h2 = con.execute(
            f"select count(*), bit_xor(hash(t)), sum(hash(t)::hugeint) from (select {listed} from {source}) t"
        ).fetchone()
        base = f"{FOLDER}/{schema}/{table}"
        by_indicator = (schema, table) == CONCATENATED and _held_by_indicators(con, indicators, columns, rows)
        csv_file = None if by_indicator and rows > SPREADSHEET_ROWS else f"{base}.csv"
        files = dict.fromkeys([f for f in (csv_file, f"{base}.parquet") if f])
        key_digest = digest("download", 4, columns, rows, h1, str(h2), csv_file)
        if cache.hit(base, key_digest) is None:
            (out_dir / FOLDER / schema).mkdir(parents=True, exist_ok=True)
            for rel in (f"{base}.csv", f"{base}.parquet"):
                (out_dir / rel).unlink(missing_ok=True)
            order = _order(schema, table, [name for name, _ in columns])
            if by_indicator and csv_file:
                _concatenated(out_dir, indicators, out_dir / csv_file)
            elif csv_file:
                parts = _parts(con, source, [_ident(n) for n, _ in columns]) if rows > PART_ROWS and columns else [("", [])]
                _write_csv(con, f"select {_csv_select(columns)} from {source}", order, parts, out_dir / csv_file)
            con.execute(f"copy (select {listed} from {source}{order}) to '{(out_dir / base).as_posix()}.parquet' "
                        "(format parquet)")
            cache.record(base, key_digest, files)
        for rel in files:
            write.count(rel)
        downloads.append((schema, table, str(described.get("description") or UNDESCRIBED), rows,
                          csv_file, (out_dir / csv_file).stat().st_size if csv_file else None,
                          f"{base}.parquet", (out_dir / f"{base}.parquet").stat().st_size))
    dictionary_csv = to_csv(["table_schema", "table_name", "column_name", "data_type", "description"],
                            QueryResult("dictionary", ["a", "b", "c", "d", "e"], columns_rows))
    write.write(f"{FOLDER}/data-dictionary.csv", dictionary_csv)
    return downloads, columns_rows, indicators.listed


def register(con, downloads: list[tuple], columns_rows: list[tuple], indicator_files: list[tuple]) -> None:
    """The temp tables site_downloads(table_schema, table_name, description, row_count, csv_file,
    csv_bytes, parquet_file, parquet_bytes), site_data_dictionary(table_schema, table_name,
    column_name, data_type, description) and site_indicator_downloads(indicator_id, title,
    row_count, csv_file, csv_bytes) on `con`, from `export`'s result."""
    con.execute("create or replace temp table site_downloads (table_schema varchar, table_name varchar, "
                "description varchar, row_count bigint, csv_file varchar, csv_bytes bigint, "
                "parquet_file varchar, parquet_bytes bigint)")
    con.execute("create or replace temp table site_data_dictionary (table_schema varchar, table_name varchar, "
                "column_name varchar, data_type varchar, description varchar)")
    con.execute("create or replace temp table site_indicator_downloads (indicator_id varchar, title varchar, "
                "row_count bigint, csv_file varchar, csv_bytes bigint)")
    for name, rows in (("site_downloads", downloads), ("site_data_dictionary", columns_rows),
                       ("site_indicator_downloads", indicator_files)):
        if rows:
            cols = [list(c) for c in zip(*rows)]
            con.execute(f"insert into {name} select {', '.join(f'unnest(${i + 1})' for i in range(len(cols)))}", cols)
