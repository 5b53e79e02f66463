"""Units of the site generator: Markdown/Jinja compilation, SQL quoting, formatting, CSV, links."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_fixture import PAGES, SITE_ROOT
from dagster_project.sitegen import SiteBuildError, build_site
from dagster_project.sitegen.charts import nice_ticks
from dagster_project.sitegen.csvfile import _cell, neutralise, to_csv
from dagster_project.sitegen.data import QueryResult
from dagster_project.sitegen.formatting import format_interval, format_value
from dagster_project.sitegen.page import compile_body
from dagster_project.sitegen.render import PageState, make_environment
from dagster_project.sitegen.sql import sql_environment, sql_literal, _check_quoted

BLOCKS = {"bar_chart", "data_table", "value"}


def test_markdown_keeps_jinja_and_unwraps_block_components():
    html = compile_body("Hello *{{ name }}* and {{ value(x) }}.\n\n{{ data_table(rows, caption='a_b *c*') }}\n", BLOCKS)
    assert "<p>Hello <em>{{ name }}</em> and {{ value(x) }}.</p>" in html
    assert "\n{{ data_table(rows, caption='a_b *c*') }}\n" in html and "<p>{{ data_table" not in html


def test_a_loop_around_one_list_item_makes_one_list():
    html = compile_body("{% for r in rows %}\n- [{{ r.name }}]({{ url(r.path) }})\n{% endfor %}\n", BLOCKS)
    assert html.count("<ul>") == 1
    assert html.index("<ul>") < html.index("{% for r in rows %}") < html.index("{% endfor %}") < html.index("</ul>")
    assert '<a href="{{ url(r.path) }}">{{ r.name }}</a>' in html


def test_multi_line_component_call_and_raw_text():
    html = compile_body("{{ bar_chart(data=rows,\n   label='a') }}\n\n{% raw %}{{ <b> }}{% endraw %}\n", BLOCKS)
    assert html.startswith("{{ bar_chart(data=rows,\n   label='a') }}")
    assert "{% raw %}{{ &lt;b&gt; }}{% endraw %}" in html


def test_components_drawn_in_python_render_as_their_macros_did():
    """details, trend_chart and ward_summary are Python functions: called from a page (details with
    a call block too) they give what their macros gave, a line after each included."""
    env, names = make_environment(SITE_ROOT, PageState(), {})
    assert {"details", "trend_chart", "spine_chart", "ward_summary", "series_notes"} <= names
    html = env.from_string(
        "{% call details('A & B') %}x <i>{% endcall %}|{{ details('N', text='t<', open=true) }}|{{ details(none) }}|"
        "{{ trend_chart([{'period': '2020', 'value': none}], title='T') }}|"
        "{{ ward_summary([], ward_name='W', la_name='L') }}|{{ series_notes(notes) }}|{{ series_notes(notes, title='') }}|"
        "{{ series_notes([]) }}|").render(notes=QueryResult("notes", ["kind", "note", "source"],
                                                            [("break", "x < y", "S&P"), ("caveat", None, None)]))
    assert html == (
        '<details class="notes">\n<summary>A &amp; B</summary>\n<div class="notes-body">\nx <i></div>\n</details>\n|'
        '<details class="notes" open>\n<summary>N</summary>\n<div class="notes-body">\n<p>t&lt;</p></div>\n</details>\n|'
        '<details class="notes">\n<summary></summary>\n<div class="notes-body">\n<p></p></div>\n</details>\n|'
        '<p class="no-data">T: no figures to show, because the warehouse holds no figures for this series.</p>\n\n|'
        '<p class="ward-summary"><strong>There are no figures for W yet.</strong></p>\n\n|'
        '<div class="series-notes">\n<p><strong>Notes on these figures</strong></p><ul>\n<li>Break in the series: no trend '
        'or gap is tested across it. x &lt; y Source: S&amp;P.</li>\n<li></li>\n</ul>\n</div>\n|'
        '<div class="series-notes">\n<ul>\n<li>Break in the series: no trend or gap is tested across it. x &lt; y Source: '
        'S&amp;P.</li>\n<li></li>\n</ul>\n</div>\n||')


def test_sql_parameters_are_quoted_safely():
    env = sql_environment()
    render = lambda text, **params: _check_quoted(env.from_string(text).render(params=params))
    assert render("select '{{ params.x }}'", x="O'Brien") == "select 'O''Brien'"
    assert render("select 'Higher than {{ params.x }}'", x="Wigan") == "select 'Higher than Wigan'"
    assert render("select {{ params.n }}", n=3) == "select 3"
    assert render("select {{ params.x | sql_literal }}", x="a'b") == "select 'a''b'"
    for bad in ("select {{ params.x }}", "select 1 -- '{{ params.x }}'", 'select "{{ params.x }}"'):
        with pytest.raises(ValueError, match="inside a '...' string"):
            render(bad, x="1 or 1=1")
    assert sql_literal(None) == "NULL" and sql_literal(True) == "TRUE" and sql_literal(2.5) == "2.5"


@pytest.mark.parametrize(("value", "unit", "text"), [
    (12.345, "%", "12.3%"), (45.61, "per 1,000", "45.6 per 1,000"), (1234, None, "1,234"),
    (1234.0, "count", "1,234"), (23.45, "score", "23.4 score"), (113.66, "ratio", "113.7 ratio"), (1234, "people", "1,234 people"), (None, "%", "n/a"), (-0.04, "%", "0.0%"),
    (6.5, "percentage points", "6.5 percentage points"), (1.25, None, "1.2"),
])
def test_numbers_are_formatted_with_units(value, unit, text):
    assert format_value(value, unit) == text


def test_interval_formatting():
    assert format_interval(21.04, 25.9, "%") == "21.0% to 25.9%"
    assert format_interval(None, 25.9, "%") == "n/a"


@pytest.mark.parametrize(("cell", "safe"), [
    ("=SUM(1)", "'=SUM(1)"), ("+cmd", "'+cmd"), ("-foo", "'-foo"), ("@x", "'@x"), ("\tx", "'\tx"),
    ("-12.5", "-12.5"), ("+3", "+3"), ("1e-3", "1e-3"), ("Abram", "Abram"), ("", ""),
])
def test_csv_formula_neutralisation(cell, safe):
    assert neutralise(cell) == safe


def test_page_csv_is_what_the_csv_module_writes():
    """to_csv builds its rows itself (quoting each distinct text once): the same bytes as csv.writer
    on the neutralised cells, for texts needing quotes, formulas, numbers, None, booleans and one
    column (whose empty field is written '""')."""
    import csv
    import io
    import random
    from datetime import date
    from decimal import Decimal

    rnd = random.Random(3)
    cells = ["", " ", "a,b", 'say "hi"', "two\nlines", "cr\rx", "=1+2", "-3", "-x", "é", None, 0.1, -0.0,
             float("nan"), 1e-300, 7, 10**20, True, False, date(2020, 1, 2), Decimal("1.50")]
    for _ in range(3000):
        width = rnd.choice([1, 2, 3, 6])
        kinds = [rnd.sample(cells, rnd.choice([1, 2, 4])) for _ in range(width)]
        columns = [rnd.choice(["value", "a,b", '"q"', "=x"]) for _ in range(width)]
        rows = [tuple(rnd.choice(k) for k in kinds) for _ in range(rnd.choice([0, 1, 5]))]
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow([neutralise(c) for c in columns])
        writer.writerows([[_cell(v) for v in row] for row in rows])
        assert to_csv(columns, QueryResult("q", columns, rows)) == buf.getvalue().encode("utf-8"), (columns, rows)


def test_links_are_relative_and_end_in_index_html():
    state = PageState()
    state.begin("wards/E05000841")
    assert state.url("") == "../../index.html"
    assert state.url("indicators/obesity_y6") == "../../indicators/obesity_y6/index.html"
    assert state.url("static/site.css") == "../../static/site.css"
    assert state.url("about#method") == "../../about/index.html#method"
    assert state.url("https://example.org/x") == "https://example.org/x"
    assert state.url("javascript:alert(1)") == ""
    state.begin("")
    assert state.url("wards") == "wards/index.html"


def test_ticks_cover_the_data():
    for lo, hi in [(0, 22), (14, 15), (-3, 7), (0.1, 0.9), (5, 5)]:
        ticks, _ = nice_ticks(lo, hi)
        assert ticks[0] <= lo and ticks[-1] >= hi


def _site_with(tmp_path: Path, pages: dict[str, str], queries: dict[str, str] | None = None) -> tuple[Path, Path]:
    root = tmp_path / "site"
    for folder in ("components", "layouts", "static"):
        shutil.copytree(SITE_ROOT / folder, root / folder)
    for name, text in (queries or {}).items():
        (root / "queries").mkdir(exist_ok=True)
        (root / "queries" / name).write_text(text, encoding="utf-8")
    for name, text in pages.items():
        path = root / "pages" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root, root / "pages"


def test_shared_queries_and_chained_blocks(warehouse, tmp_path):
    root, pages = _site_with(
        tmp_path,
        {"index.md": "```sql big\nselect * from ward_list where population > 9100\n```\n\n"
                     "```sql names\nselect string_agg(ward_code, ',' order by ward_code) as codes from big\n```\n\n"
                     "Codes: {{ names[0].codes }}\n"},
        {"ward_list.sql": "select ward_code, population from marts.dim_ward"},
    )
    report = build_site(warehouse=warehouse, out_dir=tmp_path / "out", pages_dir=pages, site_root=root)
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "Codes: E05000844,E05000845" in html and report.pages_written == 1


def test_a_shared_query_with_a_unique_key_is_sorted_up_to_it_in_the_order_of_all_its_columns(warehouse):
    import duckdb

    from dagster_project.sitegen.build import _sort_order

    con = duckdb.connect(str(warehouse), read_only=True)
    listed = "select la_code, ward_code, ward_name, population from marts.dim_ward"
    assert _sort_order(con, listed) == "order by all"
    keyed = "-- unique key: ward_code\n" + listed
    assert _sort_order(con, keyed) == 'order by "la_code", "ward_code"'
    assert (con.execute(f"select * from ({keyed}) {_sort_order(con, keyed)}").fetchall()
            == con.execute(f"select * from ({listed}) order by all").fetchall())
    with pytest.raises(ValueError, match="ward_id"):
        _sort_order(con, "-- unique key: ward_id\n" + listed)


def test_a_shared_query_naming_a_key_it_lacks_is_refused_naming_its_file(warehouse, tmp_path):
    root, pages = _site_with(tmp_path, {"index.md": "Hello.\n"},
                             {"ward_list.sql": "-- unique key: ward_id\nselect ward_code from marts.dim_ward"})
    with pytest.raises(SiteBuildError, match=r"ward_list\.sql.*ward_id"):
        build_site(warehouse=warehouse, out_dir=tmp_path / "out", pages_dir=pages, site_root=root)


def test_the_site_indicator_values_key_is_unique_and_orders_as_all_its_columns(warehouse):
    import duckdb

    from dagster_project.sitegen.build import _shared_queries, _site_councils

    con = duckdb.connect(str(warehouse), read_only=True)
    _site_councils(con)
    _shared_queries(con, SITE_ROOT)
    rows, keys = con.execute("select count(*), count(distinct (indicator_id, area_code, period)) from indicator_values").fetchone()
    assert rows == keys > 0
    assert (con.execute("select * from indicator_values").fetchall()
            == con.execute("select * from indicator_values order by all").fetchall())


def test_a_second_h1_is_refused(warehouse, tmp_path):
    root, pages = _site_with(tmp_path, {"index.md": "# Another title\n"})
    with pytest.raises(SiteBuildError, match="only h1"):
        build_site(warehouse=warehouse, out_dir=tmp_path / "out", pages_dir=pages, site_root=root)


def test_by_blocks_need_a_templated_page(warehouse, tmp_path):
    root, pages = _site_with(tmp_path, {"index.md": "```sql x by ward_code\nselect ward_code from marts.dim_ward\n```\n"})
    with pytest.raises(SiteBuildError, match="by ward_code"):
        build_site(warehouse=warehouse, out_dir=tmp_path / "out", pages_dir=pages, site_root=root)


def test_by_blocks_give_each_page_its_own_rows(warehouse, tmp_path):
    root, pages = _site_with(tmp_path, {"w/[ward].md": (
        "---\ntitle: '{{ params.ward }}'\npages: select ward_code as ward from marts.dim_ward\n---\n\n"
        "```sql mine by ward_code\nselect ward_code, population from marts.dim_ward order by ward_code\n```\n\n"
        "Rows: {{ mine|length }}, population {{ value(mine, 'population') }}.\n")})
    report = build_site(warehouse=warehouse, out_dir=tmp_path / "out", pages_dir=pages, site_root=root)
    assert report.pages_written == 5
    assert 'Rows: 1, population <span class="value">9,000</span>.' in (tmp_path / "out" / "w" / "E05000841" / "index.html").read_text()


def test_per_blocks_give_each_page_its_rows_without_the_split_column(warehouse, tmp_path):
    root, pages = _site_with(tmp_path, {"w/[ward].md": (
        "---\ntitle: '{{ params.ward }}'\npages: select ward_code as ward from marts.dim_ward\n---\n\n"
        "```sql mine per ward\nselect ward_code as ward, population from marts.dim_ward order by ward_code\n```\n\n"
        "```sql again per ward\nselect ward, population * 2 as doubled from mine\n```\n\n"
        "Columns: {{ mine.columns|join(',') }}; {{ again.columns|join(',') }}; rows {{ mine|length }}; "
        "doubled {{ again[0].doubled }}.\n")})
    build_site(warehouse=warehouse, out_dir=tmp_path / "out", pages_dir=pages, site_root=root)
    page = (tmp_path / "out" / "w" / "E05000841" / "index.html").read_text()
    assert "Columns: population; doubled; rows 1; doubled 18000." in page


def test_by_blocks_reading_nothing_a_council_changes_run_once_per_build():
    from dagster_project.sitegen.sql import plan_blocks

    blocks = plan_blocks(sql_environment(), [
        ("sources", "select indicator_id as indicator, source_id from marts.dim_indicator", "indicator", True),
        ("mine", "select indicator_id as indicator from marts.fct_inequality where la_code = "
                 "(select la_code from site_council)", "indicator", True),
        ("later", "select * from sources", "indicator", True),
        ("mixed", "select * from mine join sources using (indicator)", "indicator", True),
        ("plain", "select 1 as indicator", "indicator", True),
    ], templated=True, per_council=frozenset({"site_council"}))
    # 'sources' is read by 'mixed', which depends on the council: it must run again in each section
    assert [b.build_wide for b in blocks] == [False, False, False, False, True]
    assert all(b.hide_by for b in blocks)


def test_templated_page_needs_a_pages_query_with_safe_slugs(warehouse, tmp_path):
    root, pages = _site_with(tmp_path, {"w/[ward].md": "Hello\n"})
    with pytest.raises(SiteBuildError, match="pages:"):
        build_site(warehouse=warehouse, out_dir=tmp_path / "a", pages_dir=pages, site_root=root)
    (pages / "w" / "[ward].md").write_text("---\npages: select ward_name as ward from marts.dim_ward\n---\nHi\n")
    with pytest.raises(SiteBuildError, match="cannot be a page address"):
        build_site(warehouse=warehouse, out_dir=tmp_path / "b", pages_dir=pages, site_root=root)


def test_missing_warehouse_is_a_build_error(tmp_path):
    with pytest.raises(SiteBuildError, match="not found"):
        build_site(warehouse=tmp_path / "none.duckdb", out_dir=tmp_path / "out", pages_dir=PAGES, site_root=SITE_ROOT)


def test_fast_formatter_matches_format_value():
    from dagster_project.sitegen.formatting import formatter

    for unit in ("%", "score", None, "per 1,000", "count", "years", "ratio", "<b>"):
        for decimals in (None, 0, 2):
            fmt = formatter(unit, decimals)
            for v in (0.0, -0.04, -0.0, 12.345, 1234.5, -3.2, 1e6, None, 7, float("nan")):
                assert fmt(v) == format_value(v, unit, decimals), (unit, decimals, v)
    assert formatter("<b>", html=True)(1.0) == "1.0 &lt;b&gt;"
    for unit in ("%", "score", None, "per 1,000", "count", "<b>", "{x}"):  # its str.format field, for floats > 0
        for html, bare in ((False, False), (True, False), (True, True)):
            fmt = formatter(unit, None, html, bare)
            for v in (0.04, 12.345, 999.96, 1234.5, 1e6, 5e-324):
                assert fmt.field.format(v) == fmt(v), (unit, html, bare, v)


def test_map_classes_keep_equal_values_together():
    from dagster_project.sitegen.maps import _classes

    assert _classes([]) == []
    assert _classes([5.0, 5.0, 5.0]) == [(5.0, 5.0)]
    bounds = _classes([float(v) for v in range(1, 11)])
    assert len(bounds) == 5 and bounds[0][0] == 1.0 and bounds[-1][1] == 10.0
    assert all(a[1] < b[0] for a, b in zip(bounds, bounds[1:]))
    tied = _classes([1.0, 2.0, 2.0, 2.0, 2.0, 3.0])
    assert sum(1 for lo, hi in tied if lo <= 2.0 <= hi) == 1


def test_phone_map_numbers_never_overlap_and_stay_on_the_map():
    """Thirty wards crowded into one corner: every number gets its own circle (no two overlap),
    inside the map, and a moved number is joined to its ward's point by a line."""
    import re

    from dagster_project.sitegen.maps import PHONE_MAP_PX, PHONE_TEXT_PX, _phone_labels

    points = [(n, 40.0 + (n % 5) * 3, 30.0 + (n // 5) * 3) for n in range(1, 31)]
    svg = "".join(_phone_labels(points, 640.0, 480.0))
    circles = [tuple(map(float, m)) for m in re.findall(r'<circle class="num-phone" cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)" fill="#ffffff"', svg)]
    assert len(circles) == 30 and sorted(re.findall(r">(\d+)</text>", svg), key=int) == [str(n) for n in range(1, 31)]
    for i, (x1, y1, r) in enumerate(circles):
        assert r <= x1 <= 640 - r and r <= y1 <= 480 - r
        assert abs(r - PHONE_TEXT_PX * 640 / PHONE_MAP_PX * 0.75) < 0.1  # 12.5 px text on a 288 px map
        for x2, y2, _ in circles[i + 1:]:
            assert ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5 >= 2 * r
    assert svg.count("<line") >= 25  # most had to move


def test_search_indexes_page_text_without_charts_or_tables():
    from dagster_project.sitegen.search import light_page

    html = ("<html><head><title>Abram – Wigan</title></head><body><nav>Menu</nav><main><h1>Abram</h1><p>Text</p>"
            '<figure class="chart"><svg><text>9.9</text></svg></figure>'
            '<div class="table-wrap" role="region"><table><tr><td>12.3%</td></tr></table>\n</div>'
            '<p class="download"><a href="x.csv">Download</a></p></main></body></html>')
    light = light_page(html)
    assert "<title>Abram – Wigan</title>" in light and "<h1>Abram</h1><p>Text</p>" in light
    assert "9.9" not in light and "12.3%" not in light and "Download" not in light and "Menu" not in light


@pytest.mark.parametrize("main, kept", [
    ('<p>a</p><details class="notes" data-pagefind-ignore><summary>s</summary>'
     '<details><summary>t</summary>x</details>y</details><p>b</p>', '<p>a</p><p>b</p>'),
    ('<div data-pagefind-ignore="all">x<div>y</div>z</div>b<details data-pagefind-ignore>open', 'b'),
    ('<p data-pagefind-body>a</p><p>b</p>', '<p data-pagefind-body>a</p><p>b</p>'),
])
def test_light_page_leaves_out_what_is_marked_data_pagefind_ignore(main, kept):
    """As Pagefind would on the full page: the marked element and all it holds (nested elements of
    the same name included; an unclosed one to the end); nothing else."""
    from dagster_project.sitegen import search

    html = f"<html><head><title>T</title></head><body><main>{main}</main></body></html>"
    assert search.light_page(html).endswith(f"<main>{kept}</main></body></html>")


def test_search_parts_keep_page_order_and_size_bound():
    from dagster_project.sitegen.search import parts_of

    sizes = [(f"p{i}", size) for i, size in enumerate([5, 1, 9, 3, 3, 7, 2, 6])]  # 36 bytes
    assert parts_of(sizes, 36) == [[rel for rel, _ in sizes]]
    parts = parts_of(sizes, 13)
    assert [rel for part in parts for rel in part] == [rel for rel, _ in sizes] and len(parts) == 3
    assert max(sum(dict(sizes)[rel] for rel in part) for part in parts) <= 13 + 9  # one page past the bound at most
    assert parts_of([], 10) == [[]]


def test_search_index_in_parts_holds_every_page_once(built_site, tmp_path):
    """A large site's index is written in parts, each page in exactly one, listed in parts.json."""
    import gzip
    import json
    import shutil

    from dagster_project.sitegen import search

    out, report = built_site
    site = tmp_path / "site"
    shutil.copytree(out, site, ignore=shutil.ignore_patterns("pagefind"))
    pages = sorted(p for p in report.pages if p != "search/index.html")
    total = sum(len(search.light_page((site / rel).read_text(encoding="utf-8")).encode()) for rel in pages)
    search.build_index(site, pages, part_bytes=total // 3 + 1)
    parts = json.loads((site / "pagefind" / "parts.json").read_text())
    assert parts == ["part-1", "part-2"]  # three parts
    urls = []
    for bundle in ["", *parts]:
        assert (site / "pagefind" / bundle / "pagefind-entry.json").is_file()
        for fragment in (site / "pagefind" / bundle / "fragment").iterdir():
            data = gzip.decompress(fragment.read_bytes())
            urls.append(json.loads(data[data.index(b"{"):])["url"].lstrip("/"))  # after a signature
    assert sorted(urls) == pages
    search.build_index(site, pages)
    assert json.loads((site / "pagefind" / "parts.json").read_text()) == []
    assert not (site / "pagefind" / "part-1").exists()


@pytest.mark.parametrize("main", [
    'x<figure>a</figure>y<div class="table-wrap"><table></table> x</div><table></table>\n</div>z<p class="download">d</p>',
    '<figure class="c">unclosed', '<div class="table-wrap">a</table></table>\n </div>b', '<p class="download">open',
])
def test_light_page_drops_exactly_what_its_patterns_say(main):
    """The fast scan (str.find) removes what the regular expressions define, no more, no less."""
    from dagster_project.sitegen import search

    html = f"<html><head><title>T</title></head><body><main class='m'>{main}</main><main>2</main></body></html>"
    expected = search._DROP.sub("", search._MAIN.search(html).group(1))
    assert search.light_page(html).endswith(f"<main>{expected}</main></body></html>")


def _council_tables(codes: str):
    """An in-memory database holding the site's council tables, one council per letter of `codes`."""
    import duckdb

    con = duckdb.connect()
    values = ", ".join(f"('{code}', {position})" for position, code in enumerate(codes))
    con.execute(f"create temp table site_councils as select * from (values {values}) t(la_code, position)")
    con.execute("create temp table site_current as select la_code from site_councils")
    con.execute("create temp view site_council as select * from site_councils where la_code in (select la_code from site_current)")
    return con


def test_a_councils_pages_drop_only_the_tables_they_made():
    """A block run once for all councils makes a temp table for a council's pages only when a block
    run per council reads it: only that one is dropped after each council's pages."""
    from dagster_project.sitegen.sql import QueryRunner, plan_blocks

    con = _council_tables("AC")
    con.execute("create temp table figures as select * from (values ('A', 'w1'), ('C', 'w3')) t(la_code, ward)")
    blocks = plan_blocks(sql_environment(), [
        ("council", "select la_code as council_code, la_code from site_council", None),
        ("wards", "select c.council_code, count(f.ward) as n from council c "
                  "left join figures f on f.la_code = c.la_code group by all", None),
        ("rows", "select la_code as council_code, ward from figures where la_code in (select la_code from site_council)", None),
        ("count", "select count(*) as n from rows", None),  # no council_code: runs per council on its rows
    ], templated=False, per_council=frozenset({"site_current", "site_council"}))
    runner = QueryRunner(con)
    runner.batch(blocks)
    executed = []

    class Spy:
        def execute(self, sql, *args):
            executed.append(sql)
            return con.execute(sql, *args)

    runner.con = Spy()
    for position, code in enumerate("AC"):
        con.execute("create or replace temp table site_current as select ? as la_code", [code])
        runner.council = (code, position)
        assert [row[0] for row in runner.run(blocks, {})["wards"]] == [1]
        runner.drop(blocks, static=False)
        runner.drop(blocks, static=True)
    assert [sql for sql in executed if sql.startswith("drop")] == ['drop table if exists "rows"'] * 2
    con.close()


def test_council_free_blocks_are_those_reading_nothing_a_council_changes():
    from dagster_project.sitegen.sql import plan_blocks

    blocks = plan_blocks(sql_environment(), [
        ("sources", "select * from marts.dim_source where source_id = '{{ params.s }}'", None),
        ("mine", "select * from site_council", None),
        ("notes", "select * from SITE_NOTES where indicator_id = '{{ params.s }}'", None),
        ("later", "select * from sources", None),
    ], templated=True, per_council=frozenset({"site_council", "site_notes"}))
    assert [b.council_free for b in blocks] == [True, False, False, False]
    assert not any(b.council_free for b in plan_blocks(sql_environment(), [("a", "select 1", None)], True))


def test_council_free_results_are_shared_by_sql_text(warehouse):
    import duckdb
    from dagster_project.sitegen.sql import QueryRunner, plan_blocks

    con = duckdb.connect(str(warehouse), read_only=True)
    blocks = plan_blocks(sql_environment(), [("n", "select count(*) as n from marts.dim_ward where ward_code > '{{ params.w }}'", None)],
                         templated=True, per_council=frozenset({"site_council"}))
    runner = QueryRunner(con)
    first = runner.run(blocks, {"w": "E05000844"})["n"]
    again = runner.run(blocks, {"w": "E05000844"})["n"]
    other = runner.run(blocks, {"w": ""})["n"]
    assert first[0].n == again[0].n < other[0].n and len(runner.shared) == 2
    con.close()


def test_blocks_returning_council_code_run_once_for_all_councils():
    from dagster_project.sitegen.sql import QueryRunner, plan_blocks

    con = _council_tables("ABC")
    con.execute("create temp table figures as select * from (values ('A', 'w1', 1), ('A', 'w2', 2), ('C', 'w3', 3)) t(la_code, ward, value)")
    blocks = plan_blocks(sql_environment(), [
        ("rows", "select la_code as council_code, ward, value from figures where la_code in (select la_code from site_council) "
                 "order by value desc", "ward", True),
        ("total", "select c.la_code as council_code, sum(r.value) as total from site_council c "
                  "left join rows r on r.council_code = c.la_code group by c.la_code", None),
        ("count", "select count(*) as n from rows", None),  # no council_code: runs per council on its rows
    ], templated=True, per_council=frozenset({"site_current", "site_council"}))

    def sections(runner):
        seen = {}
        for position, code in enumerate("ABC"):
            con.execute("create or replace temp table site_current as select ? as la_code", [code])
            runner.council = (code, position)
            for ward in ("w1", "w2", "w3"):
                data = runner.run(blocks, {}, ward)
                seen[code, ward] = {name: (r.columns, [tuple(row[c] for c in r.columns) for row in r])
                                    for name, r in data.items()}
                runner.drop(blocks, static=False)
            runner.drop(blocks, static=True)
        return seen

    one_by_one = sections(QueryRunner(con))
    runner = QueryRunner(con)
    con.execute("create or replace temp table site_current as select la_code from site_councils")
    runner.batch(blocks)
    con.execute("delete from figures")  # every council's rows now come from the one run
    assert sections(runner) == one_by_one
    assert len(runner.batches) == 2
    assert one_by_one["A", "w2"] == {"rows": (["value"], [(2,)]), "total": (["total"], [(3,)]), "count": (["n"], [(2,)])}
    assert one_by_one["B", "w1"] == {"rows": (["value"], []), "total": (["total"], [(None,)]), "count": (["n"], [(0,)])}
    assert one_by_one["C", "w3"]["rows"] == (["value"], [(3,)])
    con.close()


def test_data_table_markup_is_byte_for_byte_what_the_component_wrote():
    """data_table is written in Python (tables.data_table_html); these are the bytes its Jinja macro wrote."""
    from dagster_project.sitegen.render import make_environment

    state = PageState()
    state.begin("indicators/x")
    env, _ = make_environment(SITE_ROOT, state, {})
    rows = QueryResult("ranking", ["ward_name", "value", "n", "note", "page"],
                       [("A & B", 12.345, 3, None, "wards/E1"), ("C <d>", None, None, "suppressed (fewer than 5)", "wards/E2")])
    html = env.from_string(
        "{{ data_table(rows, columns=[{'id': 'ward_name', 'title': 'Ward', 'link': 'page'}, {'id': 'value', 'title': "
        "'Rate', 'unit': '%', 'missing': 'note'}, {'id': 'n', 'title': 'Count'}], caption='Rates <by> ward') }}|"
        "{{ data_table(rows[:1], csv=false, sortable=false) }}|"
        "{{ data_table(rows, caption='', csv_label='All', csv_data=rows[:1]) }}").render(rows=rows)
    head = ('<div class="table-wrap" role="region" aria-labelledby="{0}-caption" tabindex="0">\n<table class="data-table'
            '{1}" id="{0}">\n<caption id="{0}-caption">{2}</caption>\n<thead>\n<tr>\n')
    plain = ('<th scope="col">Ward name</th>\n<th scope="col" class="num">Value</th>\n<th scope="col" class="num">N</th>\n'
             '<th scope="col">Note</th>\n<th scope="col">Page</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<th scope="row">A &amp; B'
             '</th>\n<td class="num" data-sort="12.345">12.3</td>\n<td class="num" data-sort="3">3</td>\n<td>n/a</td>\n'
             '<td>wards/E1</td>\n</tr>\n')
    assert html == (
        head.format("t1", " sortable", "Rates &lt;by&gt; ward")
        + '<th scope="col">Ward</th>\n<th scope="col" class="num">Rate</th>\n<th scope="col" class="num">Count</th>\n'
        '</tr>\n</thead>\n<tbody>\n<tr>\n<th scope="row"><a href="../../wards/E1/index.html">A &amp; B</a></th>\n'
        '<td class="num" data-sort="12.345">12.3%</td>\n<td class="num" data-sort="3">3</td>\n</tr>\n<tr>\n'
        '<th scope="row"><a href="../../wards/E2/index.html">C &lt;d&gt;</a></th>\n<td class="num">suppressed (fewer '
        'than 5)</td>\n<td class="num">n/a</td>\n</tr>\n</tbody>\n</table>\n</div>\n<p class="download"><a href='
        '"ranking.csv" download>Download this data as CSV<span class="visually-hidden"> (Rates &lt;by&gt; ward)</span>'
        '</a> <span class="download-size">(2 rows)</span></p>\n|'
        + head.format("t2", "", "Data table") + plain + '</tbody>\n</table>\n</div>\n|'
        + head.format("t3", " sortable", "Data table") + plain
        + '<tr>\n<th scope="row">C &lt;d&gt;</th>\n<td class="num">n/a</td>\n<td class="num">n/a</td>\n<td>suppressed '
        '(fewer than 5)</td>\n<td>wards/E2</td>\n</tr>\n</tbody>\n</table>\n</div>\n<p class="download"><a href='
        '"ranking-2.csv" download>All<span class="visually-hidden"> (data table)</span></a> <span class="download-size">'
        '(1 row)</span></p>\n')


def test_a_pages_query_reading_nothing_a_council_changes_runs_once_per_build(warehouse):
    """The indicator list is the same in every council's section: its `pages:` query runs once; a
    council's own list (reading site_current) runs in each section."""
    from types import SimpleNamespace

    import duckdb
    from dagster_project.sitegen.build import _Builder

    con = duckdb.connect(str(warehouse), read_only=True)
    con.execute("create temp table site_current as select 'E08000010' as la_code")
    executed = []

    class Spy:
        def execute(self, sql, *args):
            executed.append(sql)
            return con.execute(sql, *args)

    builder = SimpleNamespace(con=Spy(), page_lists={}, per_council=frozenset({"site_current", "site_council"}))
    every = "select indicator_id as x from marts.dim_indicator"
    mine = "select ward_code as x from marts.dim_ward where la_code = (select la_code from site_current)"
    lists = []
    for _ in range(3):  # three councils' sections
        lists.append([[row.x for row in _Builder.page_rows(builder, SimpleNamespace(source=SimpleNamespace(
            path=Path("pages/[x].md"), meta={"pages": sql})), "x")] for sql in (every, mine)])
    assert lists[0] == lists[1] == lists[2] and len(lists[0][0]) > 1 and len(lists[0][1]) > 1
    assert executed.count(every) == 1 and executed.count(mine) == 3
    con.close()


def test_page_notes_are_drawn_once_per_set_of_rows_and_reused(monkeypatch):
    """page_notes: the titles, weight notes and series_notes of the rows with any, in one collapsed
    block out of the search index; every ward of a council shows the same block, drawn once."""
    from dagster_project.sitegen import notes as notes_module

    env, names = make_environment(SITE_ROOT, PageState(), {})
    assert {"page_notes", "trend_list", "gap_line"} <= names
    drawn = []
    monkeypatch.setattr(notes_module, "series_notes", lambda rows, title: drawn.append(len(rows)) or notes_module.Markup(""))
    notes = QueryResult("notes", ["indicator_id", "kind", "note", "source"], [("a", "break", "x < y", "S&P")])
    latest = QueryResult("latest", ["indicator_id", "title", "weight_note"], [
        ("a", "A <b>", None), ("b", "B", None), ("c", "C", "Weighted & <w>")])
    page = env.from_string("{{ page_notes(latest, notes, summary='Notes & caveats') -}}\n<h2>")
    html = page.render(latest=latest, notes=notes)
    assert html == ('<details class="notes" data-pagefind-ignore>\n<summary>Notes &amp; caveats</summary>\n'
                    '<div class="notes-body">\n<p><strong>A &lt;b&gt;</strong></p>\n\n'
                    '<p><strong>C</strong>: Weighted &amp; &lt;w&gt;</p>\n\n</div>\n</details>\n<h2>')
    assert page.render(latest=latest, notes=notes) == html and drawn == [1, 0]  # the second ward's block reused
    assert page.render(latest=latest.subset("latest", [latest[1]]), notes=notes) == "<h2>"


def test_packed_results_are_pickled_once_and_digest_as_unpacked_ones(warehouse, monkeypatch):
    """For render workers a page's result is pickled once: the digest reads those bytes, the
    worker unpickles them into the same QueryResult, and a build rendering in this process
    (unpacked) gets the same digests, so either finds the other's pages in the cache."""
    import pickle

    import duckdb
    from dagster_project.sitegen.sql import QueryRunner, plan_blocks

    con = duckdb.connect(str(warehouse), read_only=True)
    blocks = plan_blocks(sql_environment(), [
        ("wards", "select ward_code, ward_name from marts.dim_ward where ward_code > '{{ params.w }}' order by all", None),
        ("shared", "select count(*) as n from marts.dim_ward where ward_code > '{{ params.w }}'", None),
    ], templated=True, per_council=frozenset({"site_council"}))
    pickled = []
    dumps = pickle.dumps
    monkeypatch.setattr(pickle, "dumps", lambda obj, **kw: pickled.append(obj) or dumps(obj, **kw))
    runs = {}
    for packed in (True, False):
        runner = QueryRunner(con, hashing=True, packed=packed)
        pickled.clear()
        results = runner.run(blocks, {"w": "E05000844"})
        assert len(pickled) == 2  # each result once: for the digest, and when packed for the worker too
        results = {name: pickle.loads(dumps(r)) for name, r in results.items()}  # as a worker gets them
        runs[packed] = ({n: (r.columns, [x._vals for x in r]) for n, r in results.items()}, dict(runner.digests))
    assert runs[True] == runs[False] and all(runs[True][1].values())
    con.close()
