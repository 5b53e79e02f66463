"""Plain CSV files read by DuckDB's CSV reader and typed set-based in SQL, by the reader's rules.

The Python reader (`reader.py`) is the definition of every rule and of every message. This module
is its fast path for a well-formed file, which is most of them: DuckDB parses the file as text,
a cell that is plainly valid (a whole number of digits, a decimal, an area code of the declared
pattern, text with nothing to strip, a null marker) is typed in SQL, and every other distinct
cell text of a column (periods, suppression markers with spaces, anything odd) is typed by the
Python reader's own `type_cell`, once per distinct text, and joined back. So each loaded value,
each rejection (row, column, value, reason) and each count is the Python reader's.

A file whose layout needs the Python reader's judgement is left to it (`stage_csv` returns None):
a header that is not exactly declared names, any byte the CSV dialects read differently (space
beside a quote), a quoted cell running over lines, a blank or whitespace-only row, a NUL byte, a
line over the reader's limit, a cell over the csv module's, text DuckDB refuses (bad UTF-8, a
row of the wrong width), or a file that changes while read. That reader then names the file, row
and column of the problem exactly as before.
"""

import codecs
import csv
import hashlib
import io
import re
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.defs.ingest import reader, staging
from dagster_project.defs.ingest.reader import (
    FileLoad, IngestError, Rejection, _SIGNATURES, _check_header, _identity, cell_rules, type_cell,
)
from dagster_project.defs.ingest.registry import Source
from dagster_project.regular_files import is_regular

# What str.strip() removes (the characters for which str.isspace() is true; a test checks the
# list), as an RE2 class: a text cell without these at its ends needs no stripping.
SPACES = (9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 133, 160, 5760, 8192, 8193, 8194, 8195, 8196, 8197, 8198, 8199, 8200, 8201, 8202, 8232, 8233, 8239, 8287, 12288)
_SPACE = "[" + "".join(f"\\x{{{c:x}}}" for c in SPACES) + "]"
# Cells typed in SQL when they match; anything else goes to the Python rule.
_PLAIN = {
    "integer": "[0-9]{1,18}(\\.0*)?",  # R and spreadsheets write whole numbers as 20.0
    "number": "-?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]{1,2})?",  # and finite in DuckDB's cast
}
_SQL_TYPES = {t: d for t, d in staging.DUCKDB_TYPES.items() if t != "geometry"}  # typed in SQL here
_CSV_FIELD_LIMIT = csv.field_size_limit()
# Python's csv and DuckDB's reader part ways here (DuckDB drops a space beside a quote and a
# trailing delimiter; the Python reader counts the extra field), and a NUL byte is refused.
_DIALECT_TRAPS = (b'" ', b' "', b'"\t', b'\t"', b",\n", b",\r\n", b"\x00")


def _scan(path: Path) -> tuple[str, int, bool] | None:
    """One pass over the bytes: sha256, the number of lines and whether any byte is a quote; None
    when the file is not plain enough for DuckDB's reader (a dialect trap, a line over
    reader.MAX_LINE_BYTES). The file is read in blocks of at most that limit, so a longer line
    always crosses a block boundary, where it is measured."""
    limit = reader.MAX_LINE_BYTES
    digest, lines, last_newline, position, tail, quoted = hashlib.sha256(), 0, -1, 0, b"", False
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(min(1 << 22, limit)), b""):
            digest.update(block)
            if any(trap in block or trap in tail + block[:2] for trap in _DIALECT_TRAPS):
                return None
            quoted = quoted or b'"' in block
            first = block.find(b"\n")
            if (position + (len(block) if first < 0 else first) - last_newline) > limit:
                return None
            if first >= 0:
                lines += block.count(b"\n")
                last_newline = position + block.rfind(b"\n")
            position += len(block)
            tail = block[-2:]
    if position - 1 - last_newline > limit or tail.endswith(b","):
        return None
    return digest.hexdigest(), lines + (position > 0 and not tail.endswith(b"\n")), quoted


def _header(source: Source, path: Path) -> list[str] | None:
    """Row 1 when it is exactly declared column names (each once, all required ones present),
    without padding; None for anything the Python reader must judge (and perhaps refuse)."""
    with path.open("rb") as handle:
        first = handle.readline(reader.MAX_LINE_BYTES)
    if any(first.startswith(signature) for signature, _ in _SIGNATURES):
        return None
    try:
        line = first.decode("utf-8").removeprefix("\ufeff")
        cells = next(csv.reader(io.StringIO(line), strict=True))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return None
    if any(c != c.strip() for c in cells):  # the reader strips names; DuckDB's would not match
        return None
    try:
        _check_header(source, path.name, cells)  # the reader's own header rules
    except IngestError:
        return None
    return cells


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _one_of(cell: str, texts) -> str:
    """SQL true when the cell is exactly one of these texts (a regular expression: DuckDB plans a
    long IN list for each of many columns slowly)."""
    return f"regexp_full_match({cell}, {_quote('|'.join(re.escape(t) for t in texts))})" if texts else "false"


def _plain_sql(source: Source, name: str, kind: str, cell: str) -> str:
    """SQL true when the cell's text is typed in SQL without the Python rule."""
    is_marker = _one_of(cell, source.null_markers)
    if name == source.period_column or kind not in _SQL_TYPES:
        return "false"
    if kind == "area_code":
        return f"regexp_full_match({cell}, '{source.area_code_pattern.pattern[1:-1]}')"
    if kind == "text":
        return f"(not regexp_matches({cell}, '^{_SPACE}|{_SPACE}$') or {is_marker})"
    finite = f" and isfinite(try_cast({cell} as double))" if kind == "number" else ""
    return f"((regexp_full_match({cell}, '{_PLAIN[kind]}'){finite}) or {is_marker})"


def stage_csv(
    con: duckdb.DuckDBPyConnection, source: Source, path: Path, loaded_at: datetime, kept_rejections: int,
) -> FileLoad | None:
    """Load one plain CSV file into the staged rows and rejections (staging.py), or None to leave it to the
    Python reader. Returns the file's accounting with its first `kept_rejections` rejections."""
    if source.format != "csv" or codecs.lookup(source.encoding).name not in ("utf-8", "utf-8-sig"):
        return None
    if any(kind not in _SQL_TYPES for kind in source.columns.values()) or not is_regular(path):
        return None
    if path.stat().st_size > source.max_file_bytes:  # the Python reader refuses it, naming the cap
        return None
    before = _identity(path)
    header = _header(source, path)
    scanned = header and _scan(path)
    if not scanned:
        return None
    sha256, lines, quoted = scanned
    columns = ", ".join(f"'c{i}': 'varchar'" for i in range(len(header)))
    con.execute("set preserve_insertion_order = true")  # row numbers are rowid + 2: file order must hold
    try:
        con.execute(
            "create or replace temp table _ingest_text as select * from read_csv(?, columns = {" + columns + "}, "
            "header = true, delim = ',', quote = '\"', escape = '\"', auto_detect = false, strict_mode = true, "
            "null_padding = false, allow_quoted_nulls = false, encoding = 'utf-8')",
            [str(path)],
        )
    except duckdb.Error:
        return None
    try:
        return _type_rows(con, source, path, header, sha256, lines, quoted, before, loaded_at, kept_rejections)
    finally:
        con.execute("drop table if exists _ingest_text")
        for i in range(len(header)):
            con.execute(f"drop table if exists _ingest_cells_{i}")


def _type_rows(con, source, path, header, sha256, lines, quoted, before, loaded_at, kept_rejections) -> FileLoad | None:
    cells = [f"coalesce(c{i}, '')" for i in range(len(header))]
    # A row is blank when every cell strips to nothing (the first cell is tested first, and
    # alone for nearly every row); a cell holds a line break or a quote only in a quoted file.
    blank = " and ".join(f"regexp_full_match({c}, '{_SPACE}*')" for c in cells)
    too_long = " or ".join(f"strlen({c}) > {_CSV_FIELD_LIMIT}" for c in cells)
    odd = " or ".join(f"regexp_matches({c}, '[\\r\\n\"]')" for c in cells) if quoted else "false"
    rows, awkward = con.execute(
        f"select count(*), count(*) filter (({blank}) or {too_long} or {odd}) from _ingest_text"
    ).fetchall()[0]
    if rows != lines - 1 or awkward or _identity(path) != before:
        return None  # blank rows, cells over lines or over the limit, or a file that changed
    rules = dict(zip(source.columns, cell_rules(source)))
    nulls = frozenset(source.null_markers)
    present = [(name, kind, header.index(name)) for name, kind in source.columns.items() if name in header]
    plain = {i: _plain_sql(source, name, kind, cells[i]) for name, kind, i in present}
    # Every column's distinct texts the SQL rules do not cover, in one scan.
    odd_texts = dict(zip(
        [i for _, _, i in present],
        con.execute("select " + ", ".join(f"list(distinct {cells[i]}) filter (not {plain[i]})" for _, _, i in present)
                    + " from _ingest_text").fetchall()[0],
    ))
    values, reasons, suppressed, texts, joins = [], [], [], [], []
    for name, kind in source.columns.items():
        if name not in header:  # an optional column this release does not have
            values.append(f"null::{_SQL_TYPES[kind]}")
            reasons.append("null")
            suppressed.append("false")
            texts.append("null")
            continue
        i = header.index(name)
        cell = cells[i]
        typed = {"integer": f"try_cast(split_part({cell}, '.', 1) as bigint)", "number": f"try_cast({cell} as double)"}.get(kind, cell)
        if kind == "area_code":  # a plain area code is never a null marker
            value, marker = cell, "false"
        else:
            value = f"case when {_one_of(cell, source.null_markers)} then null else {typed} end"
            marker = _one_of(cell, [m for m in source.null_markers if m])
        odd = odd_texts[i] or []
        if odd:  # typed by the Python rule, once per distinct text
            _, converter, missing = rules[name]
            decided = [type_cell(t, converter, missing, nulls) for t in odd]
            con.register("_decided", pd.DataFrame({
                "text": pd.array(odd, dtype="string"),
                "value": pd.array([v for v, _, _ in decided], dtype={"integer": "Int64", "number": "Float64"}.get(kind, "string")),
                "reason": pd.array([r for _, r, _ in decided], dtype="string"),
                "marker": pd.array([m for _, _, m in decided], dtype="boolean"),
            }))
            con.execute(f"create or replace temp table _ingest_cells_{i} as select * from _decided")
            con.unregister("_decided")
            joins.append(f"left join _ingest_cells_{i} as m{i} on m{i}.text = {cell}")
            value = f"case when {plain[i]} then {value} else m{i}.value end"
            reasons.append(f"case when {plain[i]} then null else m{i}.reason end")
            marker = f"case when {plain[i]} then {marker} else m{i}.marker end"
        else:
            reasons.append("null")
        values.append(value)
        suppressed.append(marker)
        texts.append(cell)
    names = list(source.columns)
    checked = [k for k in range(len(names)) if reasons[k] != "null"]
    problem = " or ".join(f"r{k} is not null" for k in checked) or "false"
    con.execute(
        "create or replace temp table _ingest_typed as select _ingest_text.rowid + 2 as _row_number, "
        + ", ".join(f"{v} as v{k}, cast({m} as integer) as s{k}" for k, (v, m) in enumerate(zip(values, suppressed)))
        + "".join(f", {reasons[k]} as r{k}, {texts[k]} as t{k}" for k in checked)
        + " from _ingest_text " + " ".join(joins)
    )
    try:
        staging.insert_rows(con, ", ".join(f"v{k}" for k in range(len(names))),
                            "_ingest_typed" + (f" where not ({problem})" if checked else ""), path.name, loaded_at)
        rejecting = [
            f"select _row_number as row_number, {k} as k, {_quote(names[k])} as column_name, left(t{k}, 200) as value, "
            f"r{k} as reason from _ingest_typed where r{k} is not null" for k in checked
        ]
        if rejecting:
            staging.insert_rejections(con, "(" + " union all ".join(rejecting) + ") order by row_number, k", source.id, path.name)
        loaded, marked, rejected = con.execute(
            f"select count(*) filter (not ({problem})), "
            f"coalesce(sum({' + '.join(f's{k}' for k in range(len(names)))}) filter (not ({problem})), 0), "
            f"count(*) filter ({problem}) from _ingest_typed"
        ).fetchall()[0]
        sample = [
            Rejection(row, column, value, reason)
            for row, column, value, reason in con.execute(
                f"select row_number, column_name, value, reason from {staging.REJECTIONS} where file_name = ? "
                "order by row_number, rowid limit ?", [path.name, kept_rejections],
            ).fetchall()
        ] if rejected else []
    finally:
        con.execute("drop table if exists _ingest_typed")
    load = FileLoad(source.id, path.name, sha256, names, rejections=sample, rows_read=rows, suppressed_cells=marked)
    load.rows_passed_on = loaded
    load.rejected_passed_on = rejected - len({r.row_number for r in sample})
    return load
