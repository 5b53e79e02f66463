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


def table_columns(data, columns=None) -> list[dict]:
    """Normalise `columns` (names, or dicts with id/title/unit/unit_column/decimals/link/missing/optional/range).

    Unless told, a numeric column gets the decimals that make its different values look
    different (formatting.decimals_for). `range` names the lower and upper bound columns shown
    as "lower to upper" where the value is a range (suppressed inputs).
    `missing` names a column of text shown where the value is empty (e.g. "suppressed (fewer
    than 5)"); an `optional` column is left out when it is empty in every row."""
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
        i = result.columns.index(spec["id"])
        if spec.get("optional") and all(r._vals[i] is None for r in result):
            continue
        spec["numeric"] = any(_is_number(r._vals[i]) for r in result)
        if spec["numeric"] and spec.get("decimals") is None:
            spec["decimals"] = decimals_for(r._vals[i] for r in result)
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


def _sort_key(value) -> str:
    """A number's sort key to 9 significant digits: orders every figure as shown (which has at most
    4) without the 17 digits of a float's repr in every cell."""
    return format(float(value), ".9g")


def table_body(data, specs: list[dict], url, row_header: bool = True) -> Markup:
    """The <tbody> rows: numbers formatted with their unit and a data-sort key for sorting."""
    result = as_result(data)
    if not len(result):
        return Markup(f'<tr><td colspan="{len(specs) or 1}">No data.</td></tr>\n')
    cols = result.columns
    plan = []
    for n, spec in enumerate(specs):
        tag = "th" if row_header and n == 0 else "td"
        opening = f"<{tag}" + (' scope="row"' if tag == "th" else "") + (' class="num"' if spec["numeric"] else "")
        plan.append((
            cols.index(spec["id"]),
            cols.index(spec["unit_column"]) if spec.get("unit_column") else None,
            spec.get("unit"), spec.get("decimals"),
            cols.index(spec["link"]) if spec.get("link") else None,
            cols.index(spec["missing"]) if spec.get("missing") else None,
            opening, f"</{tag}>\n",
            [cols.index(c) for c in spec["range"]] if spec.get("range") else None,
            # a column of one unit (not years) prints its finite floats with one memoised formatter
            formatter(spec.get("unit"), spec.get("decimals"), html=True)
            if spec["numeric"] and not spec.get("unit_column") and (spec.get("unit") or "").strip() != "year" else None,
        ))
    out = []
    texts: list[dict] = [{} for _ in plan]  # each column's text cells, escaped once per distinct text
    for row in result:
        vals = row._vals
        out.append("<tr>\n")
        for (idx, unit_idx, unit, decimals, link_idx, missing_idx, opening, closing, bounds, fast), seen in zip(plan, texts):
            value = vals[idx]
            if fast is not None and type(value) is float and value - value == 0:  # finite
                text = fast(value)  # escaped by the formatter
                out.append(f'{opening} data-sort="{_sort_key(value)}">')
            elif value is None and bounds and _is_number(vals[bounds[0]]) and _is_number(vals[bounds[1]]):
                text = escape(format_figure(None, vals[bounds[0]], vals[bounds[1]],
                                            vals[unit_idx] if unit_idx is not None else unit, decimals))
                out.append(f'{opening} data-sort="{_sort_key(vals[bounds[0]])}">')
            elif _is_number(value):
                text = escape(format_value(value, vals[unit_idx] if unit_idx is not None else unit, decimals))
                out.append(f'{opening} data-sort="{_sort_key(value)}">')
            else:
                shown = value if value is not None or missing_idx is None else (vals[missing_idx] or None)
                if type(shown) is str:
                    text = seen.get(shown)
                    if text is None:
                        text = seen[shown] = escape(_text(shown))
                else:
                    text = escape(_text(shown))
                out.append(opening + ">")
            if link_idx is not None:
                out.append(f'<a href="{escape(url(vals[link_idx]))}">{text}</a>{closing}')
            else:
                out.append(f"{text}{closing}")
        out.append("</tr>\n")
    return Markup("".join(out))


_NUM_HEADING = Markup(' class="num"')


def _shown(value):
    """A value as `{{ value }}` prints it in the site's environment (None is empty; escaped)."""
    return escape("" if value is None else value)


def data_table_html(state, data, columns=None, caption="", csv=True, sortable=True, row_header=True, csv_data=None,
                    csv_label=None) -> Markup:
    """The `data_table` component (drawn in Python, byte for byte as its Jinja macro wrote it: tables
    are most of a page, and the macro's own work cost as much as its rows)."""
    result = as_result(data)
    specs = table_columns(result, columns)
    tid = _shown(state.next_id("t"))
    label = _shown(caption or "Data table")
    sort = " sortable" if sortable and len(result) > 1 else ""
    out = [f'<div class="table-wrap" role="region" aria-labelledby="{tid}-caption" tabindex="0">\n'
           f'<table class="data-table{sort}" id="{tid}">\n<caption id="{tid}-caption">{label}</caption>\n'
           '<thead>\n<tr>\n']
    out += [f'<th scope="col"{_NUM_HEADING if spec["numeric"] else ""}>{_shown(spec["title"])}</th>\n' for spec in specs]
    out.append(f"</tr>\n</thead>\n<tbody>\n{table_body(result, specs, state.url, row_header)}</tbody>\n</table>\n</div>\n")
    if csv:
        download = as_result(csv_data) if csv_data is not None else result
        rows = len(download)
        out.append(f'<p class="download"><a href="{_shown(state.csv_file(download))}" download>'
                   f'{_shown(csv_label or "Download this data as CSV")}<span class="visually-hidden"> '
                   f'({_shown(caption or "data table")})</span></a> <span class="download-size">'
                   f'({_shown(format_number(rows))} row{"" if rows == 1 else "s"})</span></p>\n')
    return Markup("".join(out))
