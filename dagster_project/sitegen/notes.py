"""series_notes: the notes (rows of the shared query site_notes, already filtered to one indicator)
that bear on the figures beside them, breaks first, each with its source. Drawn in Python: a ward
page shows one for each indicator with notes."""

from __future__ import annotations

from markupsafe import Markup, escape

BREAK = "Break in the series: no trend or gap is tested across it. "


def series_notes(notes, title="Notes on these figures") -> Markup:
    if not notes:
        return Markup("")
    items = "".join(f"<li>{BREAK if n['kind'] == 'break' else ''}{'' if n['note'] is None else escape(n['note'])}"
                    + (f" Source: {escape(n['source'])}." if n["source"] else "") + "</li>\n" for n in notes)
    head = f"<p><strong>{escape(title)}</strong></p>" if title else ""
    return Markup(f'<div class="series-notes">\n{head}<ul>\n{items}</ul>\n</div>\n')
