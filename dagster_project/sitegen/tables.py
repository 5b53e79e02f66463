"""Column specs and rows for the data_table component (built in Python: tables are most of a page)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from markupsafe import Markup, escape

from .data import as_result
from .formatting import (MISSING, decimals_for, format_figure, format_number, format_value, formatter, heading_unit,
                         humanise, period_words)


def _is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _facts(result, i: int, memo: dict | None) -> tuple[bool, bool, int | None]:
    """Column i of a result: whether every value is empty, whether any is a number, and the decimals
    that tell its numbers apart (worked out once per page for a result several tables show)."""
    known = memo.get((id(result), i)) if memo is not None else None
    if known is not None and known[0] is result:
        return known[1]
    column = [r._vals[i] for r in result]
    numeric = any(_is_number(v) for v in column)
    facts = (all(v is None for v in column), numeric, decimals_for(column) if numeric else None)
    if memo is not None:
        memo[(id(result), i)] = (result, facts)
    return facts


def table_columns(data, columns=None, memo: dict | None = None) -> list[dict]:
    """Normalise `columns` (names, or dicts with id/title/unit/unit_column/decimals/link/missing/optional/range).

    Unless told, a numeric column gets the decimals that make its different values look
    different (formatting.decimals_for). `range` names the lower and upper bound columns shown
    as "lower to upper" where the value is a range (suppressed inputs).
    `missing` names a column of text shown where the value is empty (e.g. "suppressed (fewer
    than 5)"); an `optional` column is left out when it is empty in every row. `memo` (a dict
    kept for one page) remembers each column's facts for the page's other tables of the result."""
    result = as_result(data)
    specs = []
    for col in columns if columns is not None else result.columns:
        spec = {"id": col} if isinstance(col, str) else dict(col)
        if "id" not in spec:
            raise ValueError(f"data_table column {col!r} needs an 'id'")
        spec.setdefault("title", humanise(spec["id"]))
        if spec["id"].endswith(("vintage", "year")) and not spec.get("unit_column"):
            spec.setdefault("unit", "year")  # boundary and target years print as years
        result.require(spec["id"], spec.get("unit_column"), spec.get("link"), spec.get("missing"))
        empty, spec["numeric"], decimals = _facts(result, result.columns.index(spec["id"]), memo)
        if spec.get("optional") and empty:
            continue
        if spec["numeric"] and spec.get("decimals") is None:
            spec["decimals"] = decimals
        if spec.get("range"):
            result.require(*spec["range"])
        if spec["numeric"]:
            _unit_to_heading(spec, result)
        specs.append(spec)
    return specs


def _unit_to_heading(spec: dict, result) -> None:
    """A unit in words that every row of a column shares goes once in its heading ("Gap (per 100
    households)"), as statistical tables print it, not after every number in the column. '%', bare
    counts and years stay with each number."""
    if spec.get("unit_column"):
        j = result.columns.index(spec["unit_column"])
        units = {(r._vals[j] or "").strip() for r in result}
        if len(units) != 1:
            return
        (unit,) = units
    else:
        unit = (spec.get("unit") or "").strip()
    words = heading_unit(unit)
    if not words:
        return
    if words.lower() not in spec["title"].lower():
        spec["title"] = f"{spec['title']} ({words})"
    spec["unit"], spec["unit_column"] = "", None


def _text(value) -> str:
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return value.isoformat()
    return period_words(value)


def _escaped(text: str) -> str:
    """HTML-escaped text, as markupsafe.escape writes it, as a plain str (no Markup object per cell)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;").replace('"', "&#34;")


def _sort_key(value) -> str:
    """A number's sort key to 9 significant digits: orders every figure as shown (which has at most
    4) without the 17 digits of a float's repr in every cell."""
    return format(float(value), ".9g")


def _cells(result, spec: dict, header: bool, url, memo: dict | None) -> list[str]:
    """One column's cells (<th>/<td> ... </th>/</td>), numbers formatted with their unit and a
    data-sort key; the same column of a result is written once per page (`memo`)."""
    key = (id(result), header, spec["id"], spec.get("unit_column"), spec.get("unit"), spec.get("decimals"),
           spec.get("link"), spec.get("missing"), tuple(spec.get("range") or ()), spec["numeric"])
    known = memo.get(key) if memo is not None else None
    if known is not None and known[0] is result:
        return known[1]
    cols = result.columns
    tag = "th" if header else "td"
    opening = f"<{tag}" + (' scope="row"' if header else "") + (' class="num"' if spec["numeric"] else "")
    closing = f"</{tag}>\n"
    idx = cols.index(spec["id"])
    unit_idx = cols.index(spec["unit_column"]) if spec.get("unit_column") else None
    unit, decimals = spec.get("unit"), spec.get("decimals")
    link_idx = cols.index(spec["link"]) if spec.get("link") else None
    missing_idx = cols.index(spec["missing"]) if spec.get("missing") else None
    bounds = [cols.index(c) for c in spec["range"]] if spec.get("range") else None
    # a column of one unit (not years) prints its finite floats with one memoised formatter
    fast = (formatter(unit, decimals, html=True)
            if spec["numeric"] and unit_idx is None and (unit or "").strip() != "year" else None)
    texts: dict[str, str] = {}  # each distinct text escaped once
    links: dict = {}
    out = []
    for row in result:
        vals = row._vals
        value = vals[idx]
        if fast is not None and type(value) is float and value - value == 0:  # finite
            start, text = f'{opening} data-sort="{format(value, ".9g")}">', fast(value)  # escaped by the formatter
        elif value is None and bounds and _is_number(vals[bounds[0]]) and _is_number(vals[bounds[1]]):
            text = _escaped(format_figure(None, vals[bounds[0]], vals[bounds[1]],
                                          vals[unit_idx] if unit_idx is not None else unit, decimals))
            start = f'{opening} data-sort="{_sort_key(vals[bounds[0]])}">'
        elif _is_number(value):
            text = _escaped(format_value(value, vals[unit_idx] if unit_idx is not None else unit, decimals))
            start = f'{opening} data-sort="{_sort_key(value)}">'
        else:
            shown = value if value is not None or missing_idx is None else (vals[missing_idx] or None)
            if type(shown) is str:
                text = texts.get(shown)
                if text is None:
                    text = texts[shown] = _escaped(_text(shown))
            else:
                text = _escaped(_text(shown))
            start = opening + ">"
        if link_idx is not None:
            target = vals[link_idx]
            href = links.get(target)
            if href is None:
                href = links[target] = _escaped(str(url(target)))
            out.append(f'{start}<a href="{href}">{text}</a>{closing}')
        else:
            out.append(f"{start}{text}{closing}")
    if memo is not None:
        memo[key] = (result, out)
    return out


def table_body(data, specs: list[dict], url, row_header: bool = True, memo: dict | None = None) -> Markup:
    """The <tbody> rows, built a column at a time (`_cells`)."""
    result = as_result(data)
    if not len(result):
        return Markup(f'<tr><td colspan="{len(specs) or 1}">No data.</td></tr>\n')
    columns = [_cells(result, spec, row_header and n == 0, url, memo) for n, spec in enumerate(specs)]
    out = []
    for cells in zip(*columns):
        out.append("<tr>\n")
        out.extend(cells)
        out.append("</tr>\n")
    return Markup("".join(out))


_NUM_HEADING = Markup(' class="num"')


def _shown(value) -> str:
    """A value as `{{ value }}` prints it in the site's environment (None is empty; escaped), as a str
    to put in the component's Markup."""
    if value is None:
        return ""
    if type(value) is str:
        return _escaped(value)
    return str(escape(value))


def data_table_html(state, data, columns=None, caption="", csv=True, sortable=True, row_header=True, csv_data=None,
                    csv_label=None) -> Markup:
    """The `data_table` component (drawn in Python, byte for byte as its Jinja macro wrote it: tables
    are most of a page, and the macro's own work cost as much as its rows)."""
    result = as_result(data)
    specs = table_columns(result, columns, state.tables)
    tid = _shown(state.next_id("t"))
    label = _shown(caption or "Data table")
    sort = " sortable" if sortable and len(result) > 1 else ""
    out = [f'<div class="table-wrap" role="region" aria-labelledby="{tid}-caption" tabindex="0">\n'
           f'<table class="data-table{sort}" id="{tid}">\n<caption id="{tid}-caption">{label}</caption>\n'
           '<thead>\n<tr>\n']
    out += [f'<th scope="col"{_NUM_HEADING if spec["numeric"] else ""}>{_shown(spec["title"])}</th>\n' for spec in specs]
    out.append(f"</tr>\n</thead>\n<tbody>\n{table_body(result, specs, state.url, row_header, state.tables)}</tbody>\n</table>\n</div>\n")
    if csv:
        download = as_result(csv_data) if csv_data is not None else result
        rows = len(download)
        out.append(f'<p class="download"><a href="{_shown(state.csv_file(download))}" download>'
                   f'{_shown(csv_label or "Download this data as CSV")}<span class="visually-hidden"> '
                   f'({_shown(caption or "data table")})</span></a> <span class="download-size">'
                   f'({_shown(format_number(rows))} row{"" if rows == 1 else "s"})</span></p>\n')
    return Markup("".join(out))
