"""The site built from the fixture warehouse: pages, links, valid HTML, security, banner, CSV,
page weight, determinism and build errors."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import html5lib
import pytest

from page_audit import MAX_PAGE_BYTES
from site_fixture import FORMULA, PAGES, SITE_ROOT, XSS, make_warehouse, wards
from dagster_project.sitegen import SiteBuildError, build_site

BANNER = "Demonstration data: these figures are synthetic and are not real statistics for Wigan."
OGL = "Contains public sector information licensed under the Open Government Licence v3.0"
PAGE_TYPES = ["index.html", "missions/index.html", "missions/fair-opportunities/index.html", "indicators/index.html",
              "indicators/obesity_y6/index.html", "indicators/hle_male/index.html", "wards/index.html",
              "wards/E05000841/index.html", "methodology/index.html", "data-quality/index.html",
              "downloads/index.html", "accessibility/index.html", "licence/index.html", "search/index.html"]


def html_files(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.html") if "pagefind" not in p.parts)


def parse(path: Path):
    return html5lib.parse(path.read_text(encoding="utf-8"), namespaceHTMLElements=False)


def tag(element) -> str:
    return str(element.tag).rsplit("}", 1)[-1]


def text_of(element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_every_page_type_and_every_ward_indicator_and_mission_has_a_page(built_site):
    out, report = built_site
    for page in PAGE_TYPES:
        assert (out / page).is_file(), page
    for code, _ in wards():
        assert (out / "wards" / code / "index.html").is_file()
    for indicator in ("obesity_y6", "income_score", "hle_male", "claimant_rate"):
        assert (out / "indicators" / indicator / "index.html").is_file()
    assert report.pages_written == report.pages_rendered == len(html_files(out)) == len(set(report.pages))
    assert report.files_written == sum(1 for p in out.rglob("*") if p.is_file())
    assert report.bytes_written == sum(p.stat().st_size for p in out.rglob("*") if p.is_file())


def test_every_internal_link_and_download_resolves(built_site):
    out, _ = built_site
    checked = 0
    for page in html_files(out):
        for element in parse(page).iter():
            for attr in ("href", "src"):
                target = element.get(attr)
                if target is None:
                    continue
                assert target, f"empty {attr} in {page}"
                if target.startswith(("https://", "http://", "mailto:")):
                    continue
                path = target.split("#")[0].split("?")[0]
                if not path:
                    continue
                assert not target.startswith("/"), f"absolute link {target} in {page} breaks file://"
                assert (page.parent / path).resolve().is_file(), f"{page.relative_to(out)} links to missing {target}"
                checked += 1
    assert checked > 300


def test_every_page_is_valid_html(built_site, hex_site):
    for out in (built_site[0], hex_site[0]):
        for page in html_files(out):
            parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
            try:
                parser.parse(page.read_text(encoding="utf-8"))
            except html5lib.html5parser.ParseError as error:
                pytest.fail(f"{page.relative_to(out)}: {error}")
            assert not parser.errors, (page, parser.errors[:3])


def test_csp_forbids_inline_and_third_party_scripts(built_site):
    out, _ = built_site
    for page in html_files(out):
        tree = parse(page)
        csp = [m.get("content") for m in tree.iter("meta") if m.get("http-equiv") == "Content-Security-Policy"]
        assert len(csp) == 1, page
        directives = dict(d.strip().split(" ", 1) for d in csp[0].split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        scripts = directives["script-src"].split()
        assert scripts[0] == "'self'" and not {"'unsafe-inline'", "'unsafe-eval'", "*", "https:", "http:"} & set(scripts)
        assert set(scripts) <= {"'self'", "'wasm-unsafe-eval'"}  # WebAssembly for search, never inline code
        for element in tree.iter():
            assert element.get("style") is None, f"inline style in {page}"
            assert not any(k.startswith("on") for k in element.keys()), f"inline event handler in {page}"
            if tag(element) == "script":
                assert element.get("src") and not (element.text or "").strip(), f"inline script in {page}"
            if tag(element) == "style":
                pytest.fail(f"style element in {page}")


def test_no_external_requests_and_no_web_fonts(built_site):
    """Only plain outbound links (<a href>) may point off the site; nothing is loaded from elsewhere."""
    out, _ = built_site
    outbound = 0
    for page in html_files(out):
        for element in parse(page).iter():
            for attr in ("src", "href", "action", "data", "poster", "srcset"):
                url = element.get(attr) or ""
                if url.startswith(("http:", "https:", "//")):
                    assert tag(element) == "a" and attr == "href", f"external {tag(element)} {url} in {page}"
                    outbound += 1
    assert outbound > 0
    for css in out.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert "@font-face" not in text and "@import" not in text and "url(http" not in text, css


def test_layout_landmarks_one_h1_skip_link(built_site):
    out, _ = built_site
    for page in html_files(out):
        tree = parse(page)
        assert tree.get("lang") == "en"
        assert len(list(tree.iter("h1"))) == 1, page
        for name in ("header", "nav", "main", "footer"):
            assert len(list(tree.iter(name))) >= 1, f"no <{name}> in {page}"
        skip = next(a for a in tree.iter("a") if a.get("class") == "skip-link")
        assert skip.get("href") == "#main" and next(tree.iter("main")).get("id") == "main"
        assert OGL in text_of(next(tree.iter("footer")))


def test_every_value_from_data_is_escaped(built_site):
    out, _ = built_site
    for path in html_files(out):
        raw = path.read_text(encoding="utf-8")
        assert XSS not in raw, path
        assert "javascript:" not in raw, path
    ward = (out / "wards" / "E05000844" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in ward
    tree = parse(out / "wards" / "E05000844" / "index.html")
    assert text_of(next(tree.iter("h1"))) == XSS
    assert not [s for s in tree.iter("script") if not s.get("src")]


def test_every_chart_has_title_desc_and_is_followed_by_a_table(built_site, hex_site):
    for out in (built_site[0], hex_site[0]):
        charts = 0
        for page in html_files(out):
            tree = parse(page)
            in_rows = {id(s) for t in tree.iter() if tag(t) == "table" for s in t.iter() if tag(s) == "svg"}
            order = [e for e in tree.iter() if tag(e) in ("svg", "table") and e.get("aria-hidden") != "true"]
            for i, element in enumerate(order):
                if tag(element) != "svg":
                    continue
                if id(element) in in_rows:  # a spine row's chart: its figures are the row's own cells
                    assert element.get("role") == "img" and element.get("aria-label"), page
                    continue
                charts += 1
                assert element.get("role") == "img"
                children = [tag(c) for c in element]
                assert children[:2] == ["title", "desc"], page
                title, desc = element[0], element[1]
                assert text_of(title) and text_of(desc)
                assert element.get("aria-labelledby") == title.get("id")
                assert element.get("aria-describedby") == desc.get("id")
                following = order[i + 1:]
                while following and tag(following[0]) == "svg" and "bar-narrow" in following[0].get("class", ""):
                    following = following[1:]  # a bar chart's phone layout: the same chart, drawn for narrow screens
                assert following and tag(following[0]) == "table", f"chart without table in {page}"
        assert charts >= 15


def test_each_page_with_its_charts_is_under_200_kb(built_site):
    out, _ = built_site
    for page in html_files(out):
        assert page.stat().st_size < MAX_PAGE_BYTES, (page, page.stat().st_size)


def test_ranking_chart_has_interval_whiskers_and_benchmark(built_site):
    out, _ = built_site
    raw = (out / "indicators" / "obesity_y6" / "index.html").read_text(encoding="utf-8")
    assert 'class="benchmark"' in raw and "Wigan: 21.5%" in raw
    figure = raw[raw.index('<figure class="chart">'):raw.index("</figure>")]
    for layout in ("bar-wide", "bar-narrow"):  # the same bars, side by side and (for phones) stacked
        chart = figure[figure.index(f'class="chart-svg {layout}"'):]
        chart = chart[:chart.index("</svg>")]
        assert chart.count("<rect ") == len(wards()) - 1, layout  # the suppressed ward has no bar...
        assert "suppressed (fewer than 5)" in chart  # ...but is labelled
        assert chart.count('stroke-width="1.5" fill="none"') == len(wards()) - 1  # whiskers
    assert "Lines across each bar show the 95% confidence interval." in raw


def test_demo_banner_on_every_page(built_site):
    out, _ = built_site
    for page in html_files(out):
        assert BANNER in page.read_text(encoding="utf-8"), page


def test_no_banner_for_real_data_unless_asked(tmp_path):
    real = make_warehouse(tmp_path / "real.duckdb", is_demo=False)
    build_site(warehouse=real, out_dir=tmp_path / "a", pages_dir=PAGES, site_root=SITE_ROOT, search_index=False)
    assert not any(BANNER in p.read_text(encoding="utf-8") for p in html_files(tmp_path / "a"))
    build_site(warehouse=real, out_dir=tmp_path / "b", pages_dir=PAGES, site_root=SITE_ROOT, is_demo=True,
               search_index=False)
    assert all(BANNER in p.read_text(encoding="utf-8") for p in html_files(tmp_path / "b"))


def _cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as f:
        return [c for row in csv.reader(f) for c in row]


def test_csv_downloads_neutralise_formulas(built_site):
    out, _ = built_site
    cells = [c for path in out.rglob("*.csv") for c in _cells(path)]
    assert "'" + FORMULA in cells
    assert not [c for c in cells if c[:1] in ("=", "@") or (c[:1] in ("+", "-") and not re.fullmatch(r"[+-][\d.eE+-]+", c))]
    whole = _cells(out / "downloads" / "marts" / "dim_ward.csv")  # written by DuckDB, not Python
    assert "'" + FORMULA in whole and FORMULA not in whole and "-12.5" not in whole
    with (out / "wards" / "wards.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["ward_code"] for r in rows} == {code for code, _ in wards()}


def test_every_table_links_a_csv_of_its_rows(built_site):
    out, _ = built_site
    raw = (out / "indicators" / "obesity_y6" / "index.html").read_text(encoding="utf-8")
    assert 'href="ranking.csv"' in raw
    with (out / "indicators" / "obesity_y6" / "ranking.csv").open(encoding="utf-8") as f:
        assert sum(1 for _ in f) == len(wards()) + 1


def test_ward_pages_show_only_their_own_ward(built_site):
    out, _ = built_site
    main = text_of(parse(out / "wards" / "E05000843" / "index.html").find(".//main"))
    assert "Aspull, New Springs & Whelley" in main and "Ashton-in-Makerfield South" in main  # a neighbour...
    trends = main[main.index("Over time"):]
    assert "Ashton-in-Makerfield South" not in trends  # ...but only its own figures


def test_periods_are_written_as_the_sources_write_them(built_site):
    out, _ = built_site
    assert "2022/23" in text_of(parse(out / "indicators" / "obesity_y6" / "index.html").find(".//main"))
    assert "2016-18" in text_of(parse(out / "indicators" / "hle_male" / "index.html").find(".//main"))
    assert "2018-11" in text_of(parse(out / "indicators" / "claimant_rate" / "index.html").find(".//main"))


def test_output_is_deterministic(warehouse, built_site, tmp_path):
    first, _ = built_site
    second = tmp_path / "again"
    build_site(warehouse=warehouse, out_dir=second, pages_dir=PAGES, site_root=SITE_ROOT, workers=1)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for rel in files:
        if rel.name != "build-info.json" and rel.parts[0] != "pagefind":
            assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


def test_many_wards_render_in_worker_processes_identically(tmp_path, monkeypatch):
    """In worker processes, a chunk of pages at a time: the by blocks' rows come into the parent
    one chunk at a time (never every ward's at once), and the pages are the same as one process's."""
    from dagster_project.sitegen import build as build_module
    from dagster_project.sitegen.sql import QueryRunner

    warehouse = make_warehouse(tmp_path / "many.duckdb", extra_wards=220, boundaries=False)
    pages = tmp_path / "pages"
    (pages / "wards").mkdir(parents=True)
    shutil.copy(PAGES / "wards" / "[ward].md", pages / "wards")
    one = build_site(warehouse=warehouse, out_dir=tmp_path / "one", pages_dir=pages, site_root=SITE_ROOT,
                     search_index=False, workers=1)
    loaded, load = [], QueryRunner.load

    def counting_load(self, block, first, last):
        load(self, block, first, last)
        loaded.append((block.name, {slug for slug in self.parts[block.name][1]}))

    monkeypatch.setattr(build_module, "CHUNK_PAGES", 60)
    monkeypatch.setattr(QueryRunner, "load", counting_load)
    two = build_site(warehouse=warehouse, out_dir=tmp_path / "two", pages_dir=pages, site_root=SITE_ROOT,
                     search_index=False, workers=2)
    assert one.pages_written == two.pages_written == len(wards(220))
    latest = [slugs for name, slugs in loaded if name == "latest"]
    assert len(latest) == -(-len(wards(220)) // 60) and max(len(s) for s in latest) <= 60
    assert set().union(*latest) == {p.split("/")[1] for p in one.pages}
    assert sorted(one.pages) == sorted(two.pages)
    for rel in one.pages:
        assert (tmp_path / "one" / rel).read_bytes() == (tmp_path / "two" / rel).read_bytes(), rel


def test_search_index_parts_are_indexed_while_later_pages_render(tmp_path, monkeypatch):
    """A large site's search index is made a part at a time, each part started as soon as its
    pages are rendered (while later pages render), and holds every page once, the search page
    aside."""
    import gzip
    import json

    from dagster_project.sitegen import build as build_module
    from dagster_project.sitegen import search

    warehouse = make_warehouse(tmp_path / "many.duckdb", extra_wards=220, boundaries=False)
    pages = tmp_path / "pages"
    (pages / "wards").mkdir(parents=True)
    shutil.copy(PAGES / "wards" / "[ward].md", pages / "wards")
    shutil.copy(PAGES / "search.md", pages)
    out, started, start = tmp_path / "out", [], search._pagefind

    def pagefind(exe, site, bundle):
        started.append(sum(1 for _ in (out / "wards").glob("*/index.html")))  # ward pages written by then
        return start(exe, site, bundle)

    monkeypatch.setattr(build_module, "CHUNK_PAGES", 60)
    monkeypatch.setattr(search, "PART_BYTES", 150_000)
    monkeypatch.setattr(search, "_pagefind", pagefind)
    report = build_site(warehouse=warehouse, out_dir=out, pages_dir=pages, site_root=SITE_ROOT, workers=2)
    wards_pages = len(wards(220))
    assert len(started) >= 3 and started[0] < wards_pages  # the first part began before the last ward page
    parts = json.loads((out / "pagefind" / "parts.json").read_text())
    assert parts == [f"part-{n}" for n in range(1, len(started))]
    urls = []
    for bundle in ["", *parts]:
        for fragment in (out / "pagefind" / bundle / "fragment").iterdir():
            data = gzip.decompress(fragment.read_bytes())
            urls.append(json.loads(data[data.index(b"{"):])["url"].lstrip("/"))
    assert sorted(urls) == sorted(p for p in report.pages if p != "search/index.html")


def _pages_with(tmp_path: Path, name: str, text: str) -> Path:
    pages = tmp_path / "pages"
    shutil.copytree(PAGES, pages)
    (pages / name).write_text(text, encoding="utf-8")
    return pages


def test_bad_sql_fails_the_build_naming_page_and_block(warehouse, tmp_path):
    pages = _pages_with(tmp_path, "broken.md", "---\ntitle: Broken\n---\n\n```sql fine\nselect 1 as x\n```\n\n"
                        "```sql oops\nselect nope from marts.does_not_exist\n```\n\nHello\n")
    with pytest.raises(SiteBuildError) as err:
        build_site(warehouse=warehouse, out_dir=tmp_path / "out", pages_dir=pages, site_root=SITE_ROOT)
    message = str(err.value)
    assert "broken.md" in message and "block 'oops'" in message and "does_not_exist" in message
    assert err.value.block == "oops"


def test_missing_column_fails_the_build_naming_the_block(warehouse, tmp_path):
    pages = _pages_with(tmp_path, "broken.md", "```sql wards\nselect ward_name from marts.dim_ward\n```\n\n"
                        "{% for w in wards %}{{ w.no_such_column }}{% endfor %}\n")
    with pytest.raises(SiteBuildError) as err:
        build_site(warehouse=warehouse, out_dir=tmp_path / "out", pages_dir=pages, site_root=SITE_ROOT)
    assert "broken.md" in str(err.value) and "no_such_column" in str(err.value) and err.value.block == "wards"


def test_component_column_typo_fails_the_build(warehouse, tmp_path):
    pages = _pages_with(tmp_path, "broken.md", "```sql wards\nselect ward_name, population from marts.dim_ward\n```\n\n"
                        "{{ bar_chart(data=wards, label='ward_name', value='populaton', title='x') }}\n")
    with pytest.raises(SiteBuildError, match="populaton") as err:
        build_site(warehouse=warehouse, out_dir=tmp_path / "out", pages_dir=pages, site_root=SITE_ROOT)
    assert err.value.block == "wards"


def test_unquoted_text_parameter_is_refused(warehouse, tmp_path):
    pages = tmp_path / "pages"
    (pages / "w").mkdir(parents=True)
    (pages / "w" / "[ward].md").write_text(
        "---\npages: select ward_code as ward, ward_name from marts.dim_ward\n---\n\n"
        "```sql me\nselect * from marts.dim_ward where ward_name = {{ params.ward_name }}\n```\n", encoding="utf-8")
    with pytest.raises(SiteBuildError, match="inside a '...' string") as err:
        build_site(warehouse=warehouse, out_dir=tmp_path / "out", pages_dir=pages, site_root=SITE_ROOT)
    assert err.value.block == "me" and "[ward].md" in err.value.page


def test_a_warehouse_error_in_the_downloads_names_the_warehouse(warehouse, tmp_path, monkeypatch):
    """DuckDB running out of memory while exporting is the warehouse's failure, not the dictionary's."""
    import duckdb

    from dagster_project.sitegen import downloads

    def out_of_memory(*args, **kwargs):
        raise duckdb.OutOfMemoryException("failed to allocate data of size 109.1 MiB")

    monkeypatch.setattr(downloads, "export", out_of_memory)
    with pytest.raises(SiteBuildError, match="OutOfMemoryException") as err:
        build_site(warehouse=warehouse, out_dir=tmp_path / "out", site_root=SITE_ROOT)
    assert str(warehouse) in str(err.value) and "data_dictionary" not in str(err.value)
