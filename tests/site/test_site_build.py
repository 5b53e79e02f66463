"""The site built from the fixture warehouse: pages, links, escaping, charts, banner, CSV, determinism."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import html5lib
import pytest

from site_fixture import FORMULA, PAGES, SITE_ROOT, XSS, make_warehouse, wards
from dagster_project.sitegen import SiteBuildError, build_site

BANNER = "Demonstration data: these figures are synthetic and are not real statistics for Wigan."
OGL = "Contains public sector information licensed under the Open Government Licence v3.0"


def html_files(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def parse(path: Path):
    return html5lib.parse(path.read_text(encoding="utf-8"), namespaceHTMLElements=False)


def tag(element) -> str:
    return str(element.tag).rsplit("}", 1)[-1]


def text_of(element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_every_ward_indicator_and_mission_has_a_page(built_site):
    out, report = built_site
    for code, _ in wards():
        assert (out / "wards" / code / "index.html").is_file()
    for indicator in ("obesity_y6", "income_score"):
        assert (out / "indicators" / indicator / "index.html").is_file()
    assert (out / "missions" / "fair-opportunities" / "index.html").is_file()
    for page in ("index.html", "about/index.html", "data-quality/index.html", "wards/index.html",
                 "indicators/index.html", "missions/index.html"):
        assert (out / page).is_file(), page
    assert report.pages_written == len(html_files(out)) == len(set(report.pages))
    assert report.files_written == sum(1 for p in out.rglob("*") if p.is_file())
    assert report.bytes_written == sum(p.stat().st_size for p in out.rglob("*") if p.is_file())


def test_every_internal_link_resolves(built_site):
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
                path = target.split("#")[0]
                if not path:
                    continue
                assert not target.startswith("/"), f"absolute link {target} in {page} breaks file://"
                assert (page.parent / path).resolve().is_file(), f"{page.relative_to(out)} links to missing {target}"
                checked += 1
    assert checked > 100


def test_no_external_requests_and_no_inline_script_or_style(built_site):
    out, _ = built_site
    for page in html_files(out):
        tree = parse(page)
        for element in tree.iter():
            assert element.get("style") is None, f"inline style in {page}"
            if tag(element) in ("script", "link", "img", "iframe", "source", "image", "use"):
                url = element.get("src") or element.get("href") or ""
                assert not url.startswith(("http:", "https:", "//")), f"external resource {url} in {page}"
            if tag(element) == "script":
                assert element.get("src") and not (element.text or "").strip(), f"inline script in {page}"
            if tag(element) == "style":
                pytest.fail(f"style element in {page}")
        csp = [m for m in tree.iter("meta") if m.get("http-equiv") == "Content-Security-Policy"]
        assert csp and csp[0].get("content") == "default-src 'self'; script-src 'self'; style-src 'self'"


def test_layout_landmarks_and_one_h1(built_site):
    out, _ = built_site
    for page in html_files(out):
        tree = parse(page)
        assert tree.get("lang") == "en"
        assert len(list(tree.iter("h1"))) == 1, page
        for tag in ("header", "nav", "main", "footer"):
            assert len(list(tree.iter(tag))) >= 1, f"no <{tag}> in {page}"
        skip = next(a for a in tree.iter("a") if a.get("class") == "skip-link")
        assert skip.get("href") == "#main" and next(tree.iter("main")).get("id") == "main"
        assert OGL in text_of(next(tree.iter("footer")))


def test_hostile_ward_name_is_escaped(built_site):
    out, _ = built_site
    page = out / "wards" / "E05000844" / "index.html"
    raw = page.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    for path in html_files(out):
        assert XSS not in path.read_text(encoding="utf-8"), path
    assert XSS in text_of(next(parse(page).iter("h1")))


def test_data_urls_with_other_schemes_are_dropped(built_site):
    out, _ = built_site
    for path in html_files(out):
        assert "javascript:" not in path.read_text(encoding="utf-8"), path


def test_every_chart_has_title_desc_and_is_followed_by_a_table(built_site):
    out, _ = built_site
    charts = 0
    for page in html_files(out):
        order = [e for e in parse(page).iter() if tag(e) in ("svg", "table")]
        for i, element in enumerate(order):
            if tag(element) != "svg":
                continue
            charts += 1
            assert element.get("role") == "img"
            children = [tag(c) for c in element]
            assert children[:2] == ["title", "desc"], page
            title, desc = element[0], element[1]
            assert text_of(title) and text_of(desc)
            assert element.get("aria-labelledby") == title.get("id")
            assert element.get("aria-describedby") == desc.get("id")
            assert i + 1 < len(order) and tag(order[i + 1]) == "table", f"chart without table in {page}"
    assert charts >= 10


def test_ranking_chart_has_interval_whiskers_and_benchmark(built_site):
    out, _ = built_site
    raw = (out / "indicators" / "obesity_y6" / "index.html").read_text(encoding="utf-8")
    assert 'class="benchmark"' in raw and "Wigan: 21.5%" in raw
    assert raw.count("<rect ") == len(wards()) - 1  # the suppressed ward has no bar...
    assert "not available" in raw  # ...but is still listed
    assert raw.count('stroke-width="1.5" fill="none"') == len(wards()) - 1  # whiskers
    assert "Lines across each bar show the 95% confidence interval." in raw


def test_demo_banner_on_every_page(built_site):
    out, _ = built_site
    for page in html_files(out):
        assert BANNER in page.read_text(encoding="utf-8"), page


def test_no_banner_for_real_data_unless_asked(tmp_path):
    real = make_warehouse(tmp_path / "real.duckdb", is_demo=False)
    build_site(warehouse=real, out_dir=tmp_path / "a", pages_dir=PAGES, site_root=SITE_ROOT)
    assert not any(BANNER in p.read_text(encoding="utf-8") for p in html_files(tmp_path / "a"))
    build_site(warehouse=real, out_dir=tmp_path / "b", pages_dir=PAGES, site_root=SITE_ROOT, is_demo=True)
    assert all(BANNER in p.read_text(encoding="utf-8") for p in html_files(tmp_path / "b"))


def test_csv_downloads_neutralise_formulas(built_site):
    out, _ = built_site
    cells = []
    for path in out.rglob("*.csv"):
        with path.open(encoding="utf-8", newline="") as f:
            cells += [c for row in csv.reader(f) for c in row]
    assert "'" + FORMULA in cells
    assert not [c for c in cells if c[:1] in ("=", "@") or (c[:1] in "+-" and c[1:2].isalpha())]
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
    raw = (out / "wards" / "E05000841" / "index.html").read_text(encoding="utf-8")
    assert "Abram" in raw and "Ashton-in-Makerfield South" not in raw


def test_gap_direction_in_plain_english(built_site):
    out, _ = built_site
    home = text_of(parse(out / "index.html").find(".//main"))
    assert "Gap in Obesity in year 6 children: Narrowing" in home
    assert "Gap in Income deprivation score: Widening" in home
    assert "8.0 percentage points to 6.5 percentage points" in home


def test_output_is_deterministic(warehouse, built_site, tmp_path):
    first, _ = built_site
    second = tmp_path / "again"
    build_site(warehouse=warehouse, out_dir=second, pages_dir=PAGES, site_root=SITE_ROOT)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for rel in files:
        if rel.name != "build-info.json":
            assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


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


def test_pages_are_well_formed_html(built_site):
    out, _ = built_site
    parser = html5lib.HTMLParser(namespaceHTMLElements=False)
    for page in html_files(out):
        parser.parse(page.read_text(encoding="utf-8"))
        assert not parser.errors, (page, parser.errors[:3])
