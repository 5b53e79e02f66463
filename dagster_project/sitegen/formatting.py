"""Numbers as the public reads them: `12.3%`, `45.6 per 1,000`, `1,234`."""

from __future__ import annotations

import functools
import math
import re
from decimal import Decimal

MISSING = "n/a"
# units as the public reads them, in cells and on axes ("17,620.5 per 100,000 people")
UNIT_WORDS = {"per 100000": "per 100,000 people", "per 10000": "per 10,000 people", "per 1000": "per 1,000 people",
              "per 100": "per 100 people", "per 10000 adults": "per 10,000 adults"}


_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@functools.lru_cache(maxsize=4096)  # a site has few period labels, drawn thousands of times
def period_words(period) -> str:
    """A period as people write it: '2017-10' -> 'October 2017'; other labels ('2021/22', '2019',
    '2021-23') are already words and pass through. 'YYYY-NN' is a month only when NN cannot end a
    range of years starting in YYYY ('2009-11' is 2009 to 2011, and stays as it is)."""
    text = "" if period is None else str(period)
    m = _MONTH.fullmatch(text)
    if not m or int(m.group(2)) > int(m.group(1)[2:]):
        return text
    return f"{MONTHS[int(m.group(2)) - 1]} {m.group(1)}"


def unit_words(unit) -> str:
    text = (unit or "").strip()
    return UNIT_WORDS.get(text.lower(), text)
NO_SUFFIX = {"", "number", "count"}  # every other unit follows the number: "23.4 score", "1,234 people"
WHOLE_NUMBERS = {"number", "count", "people", "persons", "households"}


def _number(value) -> float | int | None:
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is int:
        return value
    if kind is Decimal:
        return _number(float(value))
    if value is None or kind is bool:
        return None
    return value if isinstance(value, (int, float)) else None


def format_number(value, decimals: int | None = None) -> str:
    """Thousands separators; whole numbers without decimals, others to 1 dp unless told."""
    number = _number(value)
    if number is None:
        return MISSING if value is None else str(value)
    if decimals is None:
        decimals = 0 if isinstance(number, int) else 1
    text = f"{number:,.{decimals}f}"
    return "0" + text[2:] if text.startswith("-0") and float(text.replace(",", "")) == 0 else text


def format_value(value, unit: str | None = None, decimals: int | None = None) -> str:
    """A number with its unit: '%' joins the number, bare counts show none, others follow.
    Unit 'year' (a calendar year, not 'years') prints as a year: 2011, never 2,011."""
    unit = (unit or "").strip()
    number, low = _number(value), unit.lower()
    if unit == "year" and number is not None:
        return str(int(value))
    if decimals is None and low in WHOLE_NUMBERS:
        decimals = 0
    if decimals is None and unit:
        decimals = 1
    text = format_number(value, decimals)
    if number is None or low in NO_SUFFIX:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit_words(unit)}"


def format_interval(lower, upper, unit: str | None = None, decimals: int | None = None) -> str:
    if _number(lower) is None or _number(upper) is None:
        return MISSING
    return f"{format_value(lower, unit, decimals)} to {format_value(upper, unit, decimals)}"


def format_figure(value, lower_bound=None, upper_bound=None, unit: str | None = None, decimals: int | None = None) -> str:
    """A figure as the warehouse holds it: the value, or, where it is a range (suppressed
    inputs), 'lower to upper' ('17.0% to 17.5%'), never 'n/a' or a single number."""
    if _number(value) is None and _number(lower_bound) is not None and _number(upper_bound) is not None:
        return format_interval(lower_bound, upper_bound, unit, decimals)
    return format_value(value, unit, decimals)


def decimals_for(values, default: int = 1, most: int = 4) -> int | None:
    """Decimals that make different values look different: at least two significant digits of
    the spread (entry to higher education 0.867 to 0.938 prints 3 decimals, not '0.9' for all),
    and more, up to `most`, until no two different values print alike; None where the default
    already does."""
    numbers = sorted({float(v) for v in values if _number(v) is not None})
    if len(numbers) < 2:
        return None
    wanted = max(default, min(math.ceil(-math.log10(numbers[-1] - numbers[0])) + 1, most))
    while wanted < most and len({round(n, wanted) for n in numbers}) < len(numbers):
        wanted += 1
    return wanted if wanted > default else None


def humanise(column: str) -> str:
    """Default column heading: `lower_ci_95` -> `Lower ci 95`, `ward_name` -> `Ward name`."""
    text = column.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def heading_unit(unit) -> str:
    """The words of a unit a table states once, in its heading or caption ('per 100 households'),
    not after every number; '' for '%', bare counts and years, which stay with each number."""
    text = (unit or "").strip()
    if text in ("%", "year") or text.lower() in NO_SUFFIX:
        return ""
    return unit_words(text)


@functools.lru_cache(maxsize=1024)  # one per unit and style: trend charts ask for the same few thousands of times
def formatter(unit: str | None = None, decimals: int | None = None, html: bool = False, bare: bool = False):
    """A fast `format_value` for many values of one unit (same output). With `html`, the
    result is HTML-escaped (numbers never need it: only the unit is escaped, once). `bare`
    leaves the unit out (a table that states it in its heading), with the unit's decimals."""
    from markupsafe import escape

    unit_text = (unit or "").strip()
    low = unit_text.lower()
    if decimals is None and low in WHOLE_NUMBERS:
        decimals = 0
    if decimals is None and unit_text:
        decimals = 1
    suffix = "" if bare or not unit_text or low in NO_SUFFIX else (
        unit_text if unit_text == "%" else " " + unit_words(unit_text))
    if html:
        suffix = str(escape(suffix))
    spec = f",.{decimals if decimals is not None else 1}f"

    def fmt(value) -> str:
        if type(value) is not float or not math.isfinite(value):
            text = format_value(value, None if bare else unit, decimals)
            return str(escape(text)) if html else text
        text = format(value, spec)
        if text[0] == "-" and text.strip("-0.,") == "":
            text = text[1:]
        return text + suffix

    # a str.format field printing a float as fmt does, for floats > 0 (no '-0.0' to correct)
    fmt.field = "{:" + spec + "}" + suffix.replace("{", "{{").replace("}", "}}")
    return fmt


@functools.lru_cache(maxsize=1024, typed=True)  # one per unit: charts ask for the same few thousands of times
def figure_formatter(unit: str | None = None, decimals: int | None = None, html: bool = False):
    """`format_value(v, unit, decimals)` for many figures of one unit (HTML-escaped with `html`):
    `formatter`, except that a calendar year ('year') prints as format_value prints it (2011)."""
    if (unit or "").strip() != "year":
        return formatter(unit, decimals, html=html)
    if html:
        from markupsafe import escape

        return lambda value: str(escape(format_value(value, unit, decimals)))
    return functools.partial(format_value, unit=unit, decimals=decimals)
