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


def to_csv(columns: list[str], rows) -> bytes:
    """CSV bytes; only columns holding text (or other non-numbers) are visited cell by cell."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([neutralise(c) for c in columns])
    data = [row._vals for row in rows]
    plain = (float, int, type(None))
    slow = [i for i in range(len(columns)) if any(type(r[i]) not in plain for r in data)]
    if slow:
        for r in data:
            r = list(r)
            for i in slow:
                r[i] = _cell(r[i])
            writer.writerow(r)
    else:
        writer.writerows(data)
    return buf.getvalue().encode("utf-8")
