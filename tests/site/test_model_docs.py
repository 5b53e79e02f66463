"""The model documentation (models/): one page per dbt source, seed and model, built from the
manifest, reachable from the methodology and downloads pages, following the manifest's lineage,
and working offline from file:// and over HTTP. (The site-wide tests also check its links,
HTML, page weight and escaping, as for every page.)"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from pathlib import Path

import html5lib
import pytest

from pipeline_support import REPO

MANIFEST = REPO / "dbt" / "target" / "manifest.json"
CHROMIUM = Path("/usr/bin/chromium")


def _nodes() -> dict[str, str]:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    nodes = {**manifest["nodes"], **manifest["sources"]}
    return {k: f"{v['schema']}-{v['name']}" for k, v in nodes.items() if v["resource_type"] in ("source", "seed", "model")}


def _targets(page: Path, out: Path) -> set[str]:
    tree = html5lib.parse(page.read_text(encoding="utf-8"), namespaceHTMLElements=False)
    return {(page.parent / a.get("href").split("#")[0]).resolve().relative_to(out.resolve()).as_posix()
            for a in tree.iter("a") if a.get("href") and not a.get("href").startswith(("http", "mailto", "#"))}


def test_every_source_seed_and_model_has_a_page_linked_from_the_index(built_site):
    out, _ = built_site
    ids = set(_nodes().values())
    pages = {p.parent.name for p in (out / "models").glob("*/index.html")}
    assert pages == ids
    assert {f"models/{i}/index.html" for i in ids} <= _targets(out / "models" / "index.html", out)


def test_reachable_from_the_methodology_and_downloads_pages(built_site):
    out, _ = built_site
    for page in ("methodology/index.html", "downloads/index.html"):
        assert "models/index.html" in _targets(out / page, out), page


def test_each_page_links_what_it_is_built_from_and_what_uses_it(built_site):
    out, _ = built_site
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    ids = _nodes()
    edges = 0
    for key, node in {**manifest["nodes"], **manifest["sources"]}.items():
        if key not in ids:
            continue
        links = _targets(out / "models" / ids[key] / "index.html", out)
        for upstream in node.get("depends_on", {}).get("nodes", []):
            if upstream in ids:
                assert f"models/{ids[upstream]}/index.html" in links, (ids[key], ids[upstream])
                down = _targets(out / "models" / ids[upstream] / "index.html", out)
                assert f"models/{ids[key]}/index.html" in down, (ids[upstream], ids[key])
                edges += 1
    assert edges > 40


def test_mart_pages_list_the_warehouse_columns_with_their_meaning_and_tests(built_site, warehouse):
    import duckdb

    out, _ = built_site
    page = (out / "models" / "marts-fct_indicator_values" / "index.html").read_text(encoding="utf-8")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = [r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = 'fct_indicator_values'").fetchall()]
    assert columns and all(f"<td>{c}</td>" in page or f">{c}<" in page for c in columns)
    assert "Identifier of the indicator." in page  # described in site/data_dictionary.yml
    assert "relationship to dim_indicator.indicator_id" in page  # a dbt test from the manifest
    # not_null_columns (one test for several columns) is listed as "not null" on each of its columns
    rows = {c: row for row in page.split("<tr")[1:] for c in ("segment_id", "value_status", "value") if f">{c}<" in row}
    assert "not null" in rows["segment_id"] and "not null" in rows["value_status"] and "not null" not in rows["value"]
    assert "downloads/marts/fct_indicator_values.csv" in page


def test_a_missing_manifest_fails_the_build_naming_it(warehouse, tmp_path):
    from site_fixture import PAGES, SITE_ROOT
    from dagster_project.sitegen import SiteBuildError, build_site

    missing = tmp_path / "target" / "manifest.json"
    with pytest.raises(SiteBuildError, match="manifest.json"):
        build_site(warehouse=warehouse, out_dir=tmp_path / "out", pages_dir=PAGES, site_root=SITE_ROOT,
                   search_index=False, dbt_manifest=missing)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed at /usr/bin/chromium")
def test_works_from_file_urls_and_over_http_without_external_requests(built_site):
    sync_api = pytest.importorskip("playwright.sync_api")
    Axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe
    out, _ = built_site
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page()
            problems, requests = [], []
            page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
            page.on("request", lambda r: requests.append(r.url))
            page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
            page.on("response", lambda r: problems.append(f"{r.status}: {r.url}")
                    if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
            for start in ((out / "methodology" / "index.html").as_uri(), base + "methodology/index.html"):
                page.goto(start)
                page.get_by_role("link", name="How the figures are built").click()
                page.wait_for_load_state()
                assert page.url.endswith("models/index.html"), page.url
                page.get_by_role("link", name="marts.fct_indicator_values").first.click()
                page.wait_for_load_state()
                assert page.locator("h1").inner_text() == "marts.fct_indicator_values"
                assert not problems, problems  # before axe-core, which requests stylesheets itself
                result = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag22aa"]}})
                assert result.violations_count == 0, [v["id"] for v in result.response["violations"]]
                problems.clear()
            browser.close()
    finally:
        server.shutdown()
    assert all(u.startswith(("file://", base)) for u in requests), [u for u in requests if not u.startswith(("file://", base))]
