"""series_notes: the notes (rows of the shared query site_notes, already filtered to one indicator)
that bear on the figures beside them, breaks first, each with its source. Drawn in Python: a ward
page shows one for each indicator with notes."""

from __future__ import annotations

from markupsafe import Markup, escape

from .data import as_result
from .details import details_html

BREAK = "Break in the series: no trend or gap is tested across it. "


def series_notes(notes, title="Notes on these figures") -> Markup:
    if not notes:
        return Markup("")
    items = "".join(f"<li>{BREAK if n['kind'] == 'break' else ''}{'' if n['note'] is None else escape(n['note'])}"
                    + (f" Source: {escape(n['source'])}." if n["source"] else "") + "</li>\n" for n in notes)
    head = f"<p><strong>{escape(title)}</strong></p>" if title else ""
    return Markup(f'<div class="series-notes">\n{head}<ul>\n{items}</ul>\n</div>\n')


class PageNotes:
    """page_notes: one collapsed block (out of the search index) of the notes on the rows of `data`
    (indicator_id, title, weight_note): for each row with a weight note or notes in `notes` (rows
    of site_notes), its title, weight note and `series_notes`; nothing when no row has any. Every
    ward of a council shows the same block, so it is drawn once per set of rows and reused while
    `notes` is the same result."""

    def __init__(self) -> None:
        self._notes, self._by, self._drawn = None, {}, {}

    def __call__(self, data, notes, summary="Notes on these figures") -> Markup:
        if notes is not self._notes:
            result = as_result(notes)
            result.require("indicator_id", "kind", "note", "source")
            by: dict = {}
            for n in result:
                by.setdefault(n["indicator_id"], []).append(n)
            self._notes, self._by, self._drawn = notes, by, {}
        data = as_result(data)
        data.require("indicator_id", "title", "weight_note")
        i, t, w = (data.columns.index(c) for c in ("indicator_id", "title", "weight_note"))
        key = (summary, *((r[i], r[t], r[w]) for r in (row._vals for row in data) if r[w] or r[i] in self._by))
        html = self._drawn.get(key)
        if html is None:
            html = self._drawn[key] = Markup(details_html(escape(summary), "".join(
                f"<p><strong>{'' if title is None else escape(title)}</strong>{f': {escape(note)}' if note else ''}</p>\n"
                f"{series_notes(self._by.get(code, ()), title='')}\n" for code, title, note in key[1:]),
                indexed=False) if len(key) > 1 else "")
        return html
