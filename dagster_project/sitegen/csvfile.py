"""Query results as downloadable CSV, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
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


_PLAIN = {float, int, type(None)}  # written as they are
_TEXT = {str, type(None)}


def to_csv(columns: list[str], rows) -> bytes:
    """CSV bytes; only columns holding text (or other non-numbers) are converted, a column at a time."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([neutralise(c) for c in columns])
    data = [row._vals for row in rows]
    cells = list(zip(*data))
    slow = False
    for i, column in enumerate(cells):
        kinds = set(map(type, column))
        if not kinds <= _PLAIN:
            if kinds <= _TEXT:  # a few distinct texts, repeated: each converted once
                text = {v: neutralise(v) for v in set(column) if v is not None}
                text[None] = ""
                cells[i] = list(map(text.__getitem__, column))
            else:
                cells[i] = list(map(_cell, column))
            slow = True
    writer.writerows(zip(*cells) if slow else data)
    return buf.getvalue().encode("utf-8")
