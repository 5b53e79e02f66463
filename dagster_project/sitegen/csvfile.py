"""Query results as downloadable CSV, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import functools
import io
import re
from datetime import date, datetime
from decimal import Decimal

_NUMERIC = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Prefix `'` to a cell a spreadsheet would run as a formula (numbers are left alone)."""
    if text.startswith(_FORMULA_START) and not _NUMERIC.fullmatch(text):
        return "'" + text
    return text


def _cell(value) -> str:
    kind = type(value)
    if kind is str:
        return neutralise(value)
    if kind is float:
        return repr(value)
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return neutralise(str(value))


_PLAIN = {float, int, type(None)}  # written as the csv module writes them: str(), or '' for None
_TEXT = {str, type(None)}


def _csv_row(fields: list) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(fields)
    return buf.getvalue()


def _special(c: str) -> bool:
    try:
        return _csv_row([f"x{c}y", ""]) != f"x{c}y,\n"
    except csv.Error:
        return True


# ASCII characters that make the csv module quote (or refuse) a field (',', '"' and '\n'), found
# by asking it; a text holding none of them is written as it is
_SPECIAL = re.compile("[" + re.escape("".join(c for c in map(chr, range(128)) if c not in "xy" and _special(c))) + "]")


def _field(text: str) -> str:
    """A text cell as the csv module writes it in a row of several fields."""
    if _SPECIAL.search(text) is None:
        return text
    return _csv_row([text, ""])[:-2]


@functools.lru_cache(maxsize=200_000)  # names and labels recur on every page of a build
def _text_field(text: str) -> str:
    return _field(neutralise(text))


def _texts(column) -> list[str]:
    """A column of text (and None) as CSV fields: each distinct text neutralised and quoted once
    per process (`_text_field`)."""
    text = {v: _text_field(v) for v in set(column) if v is not None}
    text[None] = ""
    return list(map(text.__getitem__, column))


def to_csv(columns: list[str], rows) -> bytes:
    """CSV bytes, as the csv module writes them (QUOTE_MINIMAL, '\n'), built a column at a time:
    numbers by str(), texts quoted once per distinct value, then joined row by row."""
    data = [row._vals for row in rows]
    if len(columns) < 2:  # one column: a row of one empty field is written '""'
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([neutralise(c) for c in columns])
        writer.writerows([[_cell(v) for v in row] for row in data])
        return buf.getvalue().encode("utf-8")
    cells = []
    for column in zip(*data):
        kinds = set(map(type, column))
        if kinds <= _PLAIN:
            cells.append(["" if v is None else str(v) for v in column] if type(None) in kinds else list(map(str, column)))
        elif kinds <= _TEXT:
            cells.append(_texts(column))
        else:
            cells.append([_field(_cell(v)) for v in column])
    lines = [",".join([_field(neutralise(c)) for c in columns])]
    lines += map(",".join, zip(*cells))
    lines.append("")
    return "\n".join(lines).encode("utf-8")
