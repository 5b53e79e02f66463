"""details: a collapsed note, `{% call details('Notes') %}Markdown…{% endcall %}` or
`details('Notes', text='…')`. Drawn in Python: ward pages open thousands, and the components
that draw several at once (trend_list, page_notes) use `details_html`."""

from __future__ import annotations

from markupsafe import Markup, escape


def details_html(summary: str, body: str, open: bool = False, indexed: bool = True) -> str:
    """The element around `summary` and `body`, both HTML; `indexed=False` leaves it out of the
    search index (data-pagefind-ignore: text every page of a kind repeats)."""
    return (f'<details class="notes"{" open" if open else ""}{"" if indexed else " data-pagefind-ignore"}>\n'
            f'<summary>{summary}</summary>\n<div class="notes-body">\n{body}</div>\n</details>\n')


def details(summary, text=None, open=False, indexed=True, caller=None) -> Markup:
    body = caller() if caller is not None else Markup("<p>%s</p>") % ("" if text is None else text)
    return Markup(details_html(escape("" if summary is None else summary), escape(body), open, indexed))
