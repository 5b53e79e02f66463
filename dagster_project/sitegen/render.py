"""The Jinja environment pages and components render in."""

from __future__ import annotations

import functools
import posixpath
import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from jinja2.runtime import Macro
from markupsafe import Markup

from . import charts, maps, notes, spine, trend
from .csvfile import to_csv
from .data import as_result, groups, slugify, where
from .details import details
from .formatting import decimals_for, format_figure, format_interval, format_number, format_value, humanise, period_words
from .tables import data_table_html


class PageState:
    """Per-page facts components need: relative links, unique ids, CSV files to write.

    Builds render one page at a time, so one mutable state object is shared safely.
    """

    def __init__(self) -> None:
        self.for_council("", (), None)
        self.begin("")

    def for_council(self, slug: str, sections, geography) -> None:
        """Pages from now on belong to a council's section of the site, under `slug/` ('' in a
        single-council build): links to the council `sections` ('' is its home page) stay inside
        it, and maps draw its wards (`geography`)."""
        self.council_prefix = f"{slug}/" if slug else ""
        self.council_sections, self.geography = frozenset(sections), geography
        self.urls: dict[tuple[str, str], str] = {}  # (page prefix, target) -> link, for this council's pages

    def begin(self, site_path: str) -> None:
        self.site_path = site_path
        self.prefix = "../" * (site_path.count("/") + 1) if site_path else ""
        self.ids = 0
        self.csv: dict[str, bytes] = {}
        self._csv_objects: dict[int, tuple[object, str]] = {}
        self.tables: dict = {}  # the columns of results the page's tables show, formatted once (tables.py)

    def url(self, target: str = "") -> str:
        """Relative link from this page to a site path: 'wards/E05' -> '../../wards/E05/index.html'.

        A path in one of the council's sections is inside the council's part of the site
        ('wards/E05' -> 'bolton/wards/E05' on a multi-council site); a path starting with '/'
        is from the site's root ('/' is the region's home page). Paths ending in a file name
        (with a dot) are linked as they are; http(s) and mailto URLs pass through and any
        other scheme (javascript:, data:) becomes an empty link. Links are worked out once per
        council section and folder depth (the navigation and ward links recur on every page).
        """
        if type(target) is str:
            key = (self.prefix, target)
            link = self.urls.get(key)
            if link is None:
                link = self.urls[key] = self._url(target)
            return link
        return self._url(str(target))

    def _url(self, target: str) -> str:
        if target.startswith("mailto:"):
            return target
        if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", target):
            return safe_url(target)
        if target.startswith("#"):
            return target
        path, _, fragment = target.partition("#")
        if not path.startswith("/") and path.strip("/").split("/")[0] in self.council_sections:
            path = self.council_prefix + path
        path = path.strip("/")
        if not path:
            path = "index.html"
        elif "." not in posixpath.basename(path):
            path += "/index.html"
        return self.prefix + path + (f"#{fragment}" if fragment else "")

    def next_id(self, prefix: str = "c") -> str:
        self.ids += 1
        return f"{prefix}{self.ids}"

    def csv_file(self, data) -> str:
        """Write `data` as CSV beside this page (once per distinct content) and return its link."""
        known = self._csv_objects.get(id(data))
        if known is not None and known[0] is data:
            return known[1]
        result = as_result(data)
        content = to_csv(result.columns, result)
        base, n = slugify(result.name), 1
        name = f"{base}.csv"
        while self.csv.get(name, content) != content:
            n += 1
            name = f"{base}-{n}.csv"
        self.csv[name] = content
        self._csv_objects[id(data)] = (data, name)
        return name


def safe_url(url) -> str:
    """Only http(s) links from data are ever emitted."""
    text = str(url or "").strip()
    return text if re.match(r"https?://[^\s\"'<>]+\Z", text) else ""


def _finalize(value):
    return "" if value is None else value


def _block(draw, *first):
    """A component drawn in Python, called as a macro is (the line after it included)."""
    def component(*args, **kwargs) -> Markup:
        return draw(*first, *args, **kwargs) + "\n"
    return component


def make_environment(site_root: Path, state: PageState, site: dict, geography=None) -> tuple[Environment, set[str]]:
    """Autoescaping environment with helpers, the components drawn in Python, plus every macro in
    site/components as a global."""
    state.geography = geography
    components = site_root / "components"
    env = Environment(
        loader=FileSystemLoader([str(components), str(site_root / "layouts")]),
        autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        finalize=_finalize,
    )
    env.globals.update(
        url=state.url, next_id=state.next_id, csv_file=state.csv_file, site=site,
        fmt=format_value, fmt_number=format_number, fmt_ci=format_interval, fmt_figure=format_figure,
        decimals_for=decimals_for, as_result=as_result,
        locator_svg=lambda ward, label: maps.locator_svg(state.geography, ward, label),
    )
    # components drawn in Python (documented in site/COMPONENTS.md like those in site/components)
    drawn = {"details": details, "trend_chart": _block(trend.trend_chart_html, state),
             "trend_list": functools.partial(trend.trend_list, state),
             "spine_chart": _block(spine.spine_chart_html, state), "ward_summary": _block(spine.ward_summary_html),
             "gap_line": functools.partial(spine.gap_line_html, state), "series_notes": notes.series_notes,
             "page_notes": notes.PageNotes(), "data_table": functools.partial(data_table_html, state),
             "line_chart": functools.partial(charts.line_chart_html, state),
             "bar_chart": functools.partial(charts.bar_chart_html, state),
             "big_value": functools.partial(charts.big_value_html, state),
             "ward_map": functools.partial(maps.ward_map_html, state)}
    env.globals.update(drawn)
    env.filters.update(fmt=format_value, fmt_number=format_number, where=where, groups=groups, when=period_words,
                       humanise=humanise, safe_url=safe_url)
    names: set[str] = set(drawn)
    for path in sorted(components.glob("*.html")):
        module = env.get_template(path.name).module
        for name, macro in vars(module).items():
            if isinstance(macro, Macro) and not name.startswith("_"):
                if name in env.globals:
                    raise ValueError(f"component '{name}' in {path} clashes with another name")
                env.globals[name] = macro
                names.add(name)
    return env, names
