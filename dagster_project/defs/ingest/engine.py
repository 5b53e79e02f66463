"""Plain CSV files read by DuckDB's CSV reader and typed set-based in SQL, by the reader's rules.

The Python reader (`reader.py`) is the definition of every rule and of every message. This module
is its fast path for a well-formed file, which is most of them: DuckDB parses the file as text,
a cell that is plainly valid (a whole number of digits, a decimal, an area code of the declared
pattern, text with nothing to strip or a null marker in a text column) is typed in SQL, and every
other distinct cell text of a column (periods, suppression markers, anything odd) is typed by the
Python reader's own `type_cell`, once per distinct text: a rejected text's rows are set aside, and
a text SQL would type otherwise than the rule is joined to the rule's value. So each loaded value,
each rejection (row, column, value, reason) and each count is the Python reader's. Nothing runs
per row in Python: the file is parsed once (its bytes hashed and scanned meanwhile), checked by
one aggregate, and typed into the staged rows by one insert (benchmarks/README.md, sessions 5
and 7, has the figures).

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
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from dagster_project.defs.ingest import reader, staging
from dagster_project.defs.ingest.reader import (
    Digests, FileLoad, IngestError, Rejection, _SIGNATURES, _check_header, _identity, cell_rules, type_cell,
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
# The column of the decided texts' table that holds each type's value (an area code is text).
_DECIDED = {"integer": "integer_value", "number": "number_value", "text": "text_value", "area_code": "text_value"}
_CSV_FIELD_LIMIT = csv.field_size_limit()
# Python's csv and DuckDB's reader part ways at a delimiter ending a line (DuckDB drops it; the
# Python reader counts the extra field) and at a space or tab beside a quote (DuckDB drops it),
# and a NUL byte is refused: `_scan` looks for these bytes. A line's closing comma is no trap when
# it ends the last declared cell (an empty last column): `_scan` then counts each line's commas.
_COMMA, _NEWLINE, _QUOTE, _SPACE_BYTES = ord(","), ord("\n"), ord('"'), (ord(" "), ord("\t"))
_TRAILING = "a comma before a line end"


def _trapped(buf: bytes, newline: np.ndarray) -> str | None:
    """The dialect trap the bytes hold, if any (`newline`: where they hold a line feed): a NUL,
    a quote with a space or tab beside it, or _TRAILING (`,\n` or `,\r\n`). With numpy and memchr
    rather than a search of the bytes for each trap."""
    if b"\x00" in buf:
        return "a NUL byte"
    octets = np.frombuffer(buf, np.uint8)
    if b'"' in buf:
        quotes = np.flatnonzero(octets == _QUOTE)
        beside = np.concatenate((octets[quotes[quotes > 0] - 1], octets[quotes[quotes < len(octets) - 1] + 1]))
        if np.isin(beside, _SPACE_BYTES).any():
            return "a space beside a quote"
    if (octets[:-1][newline[1:]] == _COMMA).any() or (b"\r" in buf and b",\r\n" in buf):
        return _TRAILING
    return None


def _commas_per_line(path: Path, commas: int) -> bool:
    """Whether every line of the file holds exactly this many commas (a second reading, for a file
    without quotes whose lines end in a comma: each then has exactly its declared cells)."""
    pending, last = 0, b""  # commas since the last line feed; the last byte read
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            octets = np.frombuffer(block, np.uint8)
            ends = np.flatnonzero(octets == _NEWLINE)
            upto = np.cumsum(octets == _COMMA)
            if len(ends):
                counts = np.diff(upto[ends], prepend=0)
                counts[0] += pending
                if (counts != commas).any():
                    return False
                pending = int(upto[-1] - upto[ends[-1]])
            else:
                pending += int(upto[-1])
            last = block[-1:]
    return pending == commas or (pending == 0 and last == b"\n")


def _scan(path: Path, sha256: str | None = None, width: int = 0) -> tuple[str, int, bool, bool, bool] | None:
    """One pass over the bytes: sha256 (unless given: the file's, known for its identity), the
    number of lines, whether any byte is a quote, whether any line is longer than the csv
    module's cell limit (only then can a cell be) and whether any byte is a carriage return; None
    when the file is not plain enough for DuckDB's reader (a dialect trap, a line over
    reader.MAX_LINE_BYTES). Lines ending in a comma are plain in a file without quotes or carriage
    returns whose every line holds `width` cells (`_commas_per_line`). Blocks are at most the cell
    limit long, so a longer line always crosses a block boundary, where it is measured; each is
    checked with the last two bytes before it, so a trap across a boundary is seen."""
    limit = reader.MAX_LINE_BYTES
    digest, lines, last_newline, position, tail, quoted, longest = hashlib.sha256(), 0, -1, 0, b"", False, 0
    carriage = trailing = False
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(min(_CSV_FIELD_LIMIT, limit)), b""):
            if sha256 is None:
                digest.update(block)
            buf = tail + block
            newline = np.frombuffer(buf, np.uint8) == _NEWLINE
            trap = _trapped(buf, newline)
            quoted = quoted or b'"' in block
            carriage = carriage or b"\r" in block
            trailing = trailing or trap == _TRAILING
            if trap not in (None, _TRAILING) or (trailing and (quoted or carriage or not width)):
                return None
            first = block.find(b"\n")
            longest = max(longest, position + (len(block) if first < 0 else first) - last_newline)
            if longest > limit:
                return None
            if first >= 0:
                lines += int(np.count_nonzero(newline[len(tail):]))
                last_newline = position + block.rfind(b"\n")
            position += len(block)
            tail = buf[-2:]
    longest = max(longest, position - 1 - last_newline)
    trailing = trailing or tail.endswith(b",")
    if longest > limit or (trailing and (quoted or carriage or not width or not _commas_per_line(path, width - 1))):
        return None
    lines += position > 0 and not tail.endswith(b"\n")
    return sha256 or digest.hexdigest(), lines, quoted, longest > _CSV_FIELD_LIMIT, carriage


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
    """SQL true when the cell is exactly one of these texts (a source's few null markers)."""
    return f"({cell} in ({', '.join(_quote(t) for t in texts)}))" if texts else "false"


def _plain_sql(source: Source, name: str, kind: str, cell: str) -> str:
    """SQL true when `_value_sql` types the cell's text as the Python rule does, so the rule need
    not see it. A null marker is plain text (`_value_sql` makes it NULL); in the other columns it
    is left to the rule with the other odd texts (and counted from their histogram)."""
    if name == source.period_column or kind not in _SQL_TYPES:
        return "false"
    if kind == "text":
        return f"(not regexp_matches({cell}, '^{_SPACE}|{_SPACE}$'))"
    pattern = source.area_code_pattern.pattern[1:-1] if kind == "area_code" else _PLAIN[kind]
    like = [m for m in source.null_markers if re.fullmatch(pattern, m)]  # a marker such as 0 is no number
    finite = f" and isfinite(try_cast({cell} as double))" if kind == "number" else ""
    unlike = f" and not {_one_of(cell, like)}" if like else ""
    return f"(regexp_full_match({cell}, '{pattern}'){finite}{unlike})"


def _value_sql(source: Source, kind: str, cell: str, markers: bool = True) -> str:
    """The SQL typing of a plain cell (`markers`: whether a text column's plain cells hold null
    markers). A whole number `[0-9]{1,18}(\\.0*)?` casts to the integer the rule takes (`20.0` is
    20); an odd text this types otherwise than the rule is joined to the rule's value instead
    (`_type_rows`)."""
    if kind == "area_code" or (kind == "text" and not markers):
        return cell
    if kind == "text":
        return f"case when {_one_of(cell, source.null_markers)} then null else {cell} end"
    return f"try_cast({cell} as {_SQL_TYPES[kind]})"


_TEXT = "_ingest_text"  # the file's data rows as text cells c0, c1, ...
_NUMBERED = f"(select rowid + 2 as _row_number, * from {_TEXT}) as {_TEXT}"  # and their row numbers
# A column's rejected texts are matched by an IN list up to this many (else by a join).
_LISTED_REJECTIONS = 100


def _read_text(con: duckdb.DuckDBPyConnection, path: Path, width: int) -> None:
    """Parse the file once with DuckDB's CSV reader into a temporary table of text cells, nothing
    typed. Row numbers are rowid + 2 (the header is row 1; the files read here have no blank rows
    and no cell over lines): preserve_insertion_order keeps the file's order, and a test checks
    row numbers against the Python reader's."""
    columns = ", ".join(f"'c{i}': 'varchar'" for i in range(width))
    every = ", ".join(f"'c{i}'" for i in range(width))  # an empty cell is '', never NULL
    con.execute("set preserve_insertion_order = true")
    con.execute(
        f"create or replace temp table {_TEXT} as select * from read_csv(?, columns = {{{columns}}}, header = true, "
        "delim = ',', quote = '\"', escape = '\"', auto_detect = false, strict_mode = true, null_padding = false, "
        f"allow_quoted_nulls = false, force_not_null = [{every}], encoding = 'utf-8')",
        [str(path)],
    )


def stage_csv(
    con: duckdb.DuckDBPyConnection, source: Source, path: Path, loaded_at: datetime, kept_rejections: int,
    demo: dict[str, str] | None = None, digests: Digests | None = None,
) -> FileLoad | None:
    """Load one plain CSV file into the staged rows and rejections (staging.py), with its sha256 and
    demonstration flag (`demo`: file name -> sha256 of the bundled files), or None to leave it to the
    Python reader. Returns the file's accounting with its first `kept_rejections` rejections.
    The byte scan (traps, and the sha256 unless `digests` know it for the file's identity) runs in
    a thread while DuckDB parses the file."""
    if source.format != "csv" or codecs.lookup(source.encoding).name not in ("utf-8", "utf-8-sig"):
        return None
    if any(kind not in _SQL_TYPES for kind in source.columns.values()) or not is_regular(path):
        return None
    if path.stat().st_size > source.max_file_bytes:  # the Python reader refuses it, naming the cap
        return None
    before = _identity(path)
    header = _header(source, path)
    if not header:
        return None
    try:
        with ThreadPoolExecutor(1) as pool:  # hashlib and DuckDB both release the GIL
            scanning = pool.submit(_scan, path, digests.known(path, before) if digests else None, len(header))
            try:
                _read_text(con, path, len(header))
            finally:
                scanned = scanning.result()
        if not scanned:
            return None
        return _type_rows(con, source, path, header, scanned, before, loaded_at, kept_rejections, demo or {})
    except duckdb.Error:  # text DuckDB refuses (bad UTF-8, a row of the wrong width): the reader names it
        con.execute(f"delete from {staging.rows(source)} where _source_file = ?", [path.name])  # none of it stays staged
        con.execute(f"delete from {staging.REJECTIONS} where file_name = ?", [path.name])
        return None
    finally:
        con.execute("drop table if exists _ingest_cells")
        con.execute("drop table if exists _ingest_bad")
        con.execute(f"drop table if exists {_TEXT}")


def _type_rows(con, source, path, header, scanned, before, loaded_at, kept_rejections, demo) -> FileLoad | None:
    """Set-based over the file's text cells, no Python per row: (1) one aggregate counts the rows,
    finds any layout the Python reader must judge, and lists each column's distinct texts the SQL
    rules do not cover (with how often each occurs), which the Python rule then types once each;
    (2) only when one of those is rejected, the rows holding one become rejections (row, column,
    value, reason); (3) every other row is typed and staged with the file's sha256. A column's odd
    texts are joined back only when SQL would type one of them otherwise than the rule, or it has
    many rejected texts; else the few rejected ones are matched as a list."""
    sha256, lines, quoted, long_lines, carriage = scanned
    cells = [f"c{i}" for i in range(len(header))]
    present = [(name, kind, header.index(name)) for name, kind in source.columns.items() if name in header]
    markers = [m for m in source.null_markers if m]  # a non-empty null marker is a suppressed cell
    # Text columns keep their markers as plain cells (counted here: suppressed, and empty); other
    # columns' reach the rule. A text column none of whose cells is a marker is typed as it is.
    listed_markers = [i for name, kind, i in present if kind == "text" and name != source.period_column and source.null_markers]
    empty = "" in source.null_markers
    # (1) One scan: rows, awkward rows, suppressed plain cells, and each column's other texts.
    # A row is blank when every cell strips to nothing. A blank cell is never plain in a column
    # that is not text, or is the period: such a column's histogram then holds every text it
    # has, and the blank rows are looked for only when it holds a blank one (the first cell is
    # tested first, and alone for nearly every row). A cell holds a line break or a quote only in
    # a quoted file, and can be over the csv module's limit only when a line is. Without a carriage
    # return in the file, a line feed in a cell leaves fewer rows than lines, which the file's
    # line count sends to the Python reader: only a quote is looked for (`contains`, not a regex).
    blank = " and ".join(f"regexp_full_match({c}, '{_SPACE}*')" for c in cells)
    witness = next((n for n, (name, kind, _) in enumerate(present) if kind != "text" or name == source.period_column), None)
    awkward = [blank] if witness is None else []
    awkward += [f"strlen({c}) > {_CSV_FIELD_LIMIT}" for c in cells] if long_lines else []
    if quoted:
        awkward += [f"regexp_matches({c}, '[\\r\\n\"]')" if carriage else f"contains({c}, '\"')" for c in cells]
    found = con.execute(
        f"select count(*), count(*) filter ({' or '.join(awkward) or 'false'}), "
        + ", ".join([f"count(*) filter ({_one_of(cells[i], markers)}), count(*) filter ({cells[i]} = '' and {empty})"
                     for i in listed_markers]
                    + [f"histogram({cells[i]}) filter (not {_plain_sql(source, name, kind, cells[i])})" for name, kind, i in present])
        + f" from {_TEXT}"
    ).fetchall()[0]
    rows, awkward, counts = found[0], found[1], found[2:2 + 2 * len(listed_markers)]
    marked = sum(counts[::2])
    nullable = {i for n, i in enumerate(listed_markers) if counts[2 * n] + counts[2 * n + 1]}
    other = {i: found[2 + len(counts) + n] or {} for n, (_, _, i) in enumerate(present)}  # text -> how many cells
    if witness is not None and any(not t.strip() for t in found[2 + len(counts) + witness] or {}):
        awkward += con.execute(f"select count(*) filter ({blank}) from {_TEXT}").fetchall()[0][0]
    if rows != lines - 1 or awkward or _identity(path) != before:
        return None  # blank rows, cells over lines or over the limit, or a file that changed
    rules = dict(zip(source.columns, cell_rules(source)))
    nulls = frozenset(source.null_markers)
    names = list(source.columns)
    values, decisions, rejected_texts, decided_columns = {}, [], {}, []
    for k, (name, kind) in enumerate(source.columns.items()):
        if name not in header:  # an optional column this release does not have
            values[k] = f"null::{_SQL_TYPES[kind]}"
            continue
        i = header.index(name)
        values[k] = _value_sql(source, kind, cells[i], i in nullable)
        if other[i]:  # typed by the Python rule, once per distinct text
            _, converter, missing = rules[name]
            decided = [(t, *type_cell(t, converter, missing, nulls)) for t in other[i]]
            marked += sum(other[i][t] for t, _, _, m in decided if m)
            decisions += [(i, kind, *d) for d in decided]
            rejected_texts[k] = [t for t, _, r, _ in decided if r]
            decided_columns.append((k, name, kind, i))
    if decisions:  # one table of every column's decided texts
        columns = list(zip(*decisions))
        con.register("_decided", pd.DataFrame({
            "col": pd.array(columns[0], dtype="Int64"),
            "text": pd.array(columns[2], dtype="string"),
            **{held: pd.array([v if _DECIDED[c] == held else None for c, v in zip(columns[1], columns[3])], dtype=dtype)
               for held, dtype in (("integer_value", "Int64"), ("number_value", "Float64"), ("text_value", "string"))},
            "reason": pd.array(columns[4], dtype="string"),
            "marker": pd.array(columns[5], dtype="boolean"),
        }))
        con.execute("create or replace temp table _ingest_cells as select * from _decided")
        con.unregister("_decided")
    # Columns whose accepted odd texts SQL types otherwise than the rule (spaces stripped, thousands
    # separators, markers that cast), found by typing the decided texts themselves in SQL.
    differ = {col for (col,) in con.execute(" union all ".join(
        f"select {i} from _ingest_cells where col = {i} and reason is null "
        f"and ({_value_sql(source, kind, 'text', i in nullable)}) is distinct from {_DECIDED[kind]}"
        for _, name, kind, i in decided_columns
    )).fetchall()} if decided_columns else set()
    joined = [(k, i) for k, name, kind, i in decided_columns if i in differ or len(rejected_texts[k]) > _LISTED_REJECTIONS]
    decided_join = {
        i: f"left join (select * from _ingest_cells where col = {i}) as m{i} on m{i}.text = {cells[i]}"
        for _, _, _, i in decided_columns
    }
    for k, i in joined:
        values[k] = f"case when m{i}.text is null then {values[k]} else m{i}.{_DECIDED[source.columns[names[k]]]} end"
    problems = [f"m{i}.reason is not null" for k, i in joined if rejected_texts[k]]
    problems += [_one_of(cells[i], rejected_texts[k]) for k, _, _, i in decided_columns
                 if rejected_texts[k] and (k, i) not in joined]
    problem = " or ".join(problems) or "false"
    rejected, sample = 0, []
    if problems:  # (2) the rows holding a rejected text: their rejections, and their suppressed cells
        checked = [(k, i) for k, _, _, i in decided_columns if rejected_texts[k]]
        bad_markers = [
            f"cast(({_one_of(cells[i], markers) if i in listed_markers else 'false'}) "
            f"or {f'coalesce(m{i}.marker, false)' if i in decided_join else 'false'} as integer)"
            for _, _, i in present
        ]
        con.execute(
            f"create or replace temp table _ingest_bad as select _row_number, "
            + ", ".join(f"m{i}.reason as r{k}, left({cells[i]}, 200) as t{k}" for k, i in checked)
            + f", {' + '.join(bad_markers) or '0'} as marked from {_NUMBERED} " + " ".join(decided_join.values())
            + f" where {problem}"
        )
        staging.insert_rejections(con, "(" + " union all ".join(
            f"select _row_number as row_number, {k} as k, {_quote(names[k])} as column_name, t{k} as value, "
            f"r{k} as reason from _ingest_bad where r{k} is not null" for k, _ in checked
        ) + ") order by row_number, k", source.id, path.name)
        rejected, marked_bad = con.execute("select count(*), coalesce(sum(marked), 0) from _ingest_bad").fetchone()
        marked -= marked_bad
        sample = [
            Rejection(row, column, text, reason)
            for row, column, text, reason in con.execute(
                f"select row_number, column_name, value, reason from {staging.REJECTIONS} where file_name = ? "
                "order by row_number, rowid limit ?", [path.name, kept_rejections],
            ).fetchall()
        ]
    # (3) every other row, typed, with the file's sha256 and demonstration flag
    staging.insert_rows(con, source, ", ".join(values[k] for k in range(len(names))),
                        f"{_NUMBERED} " + " ".join(decided_join[i] for _, i in joined) + f" where not ({problem})",
                        path.name, loaded_at, sha256, demo.get(path.name) == sha256)
    load = FileLoad(source.id, path.name, sha256, names, rejections=sample, rows_read=rows, suppressed_cells=marked)
    load.rows_passed_on = rows - rejected
    load.rejected_passed_on = rejected - len({r.row_number for r in sample})
    return load
