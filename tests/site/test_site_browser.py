"""The built site in a real browser (Debian's chromium): axe-core WCAG 2.2 A/AA on every page type,
reflow at 320px and at 400% zoom, keyboard focus and skip link, CSP-clean loading, sortable tables,
and search over a local web server. Skips where chromium is absent."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGES = ["index.html", "missions/index.html", "missions/fair-opportunities/index.html", "indicators/index.html",
         "indicators/obesity_y6/index.html", "indicators/income_score/index.html", "indicators/hle_male/index.html",
         "indicators/claimant_rate/index.html", "wards/index.html", "wards/E05000844/index.html",
         "wards/E05000842/index.html", "methodology/index.html", "data-quality/index.html", "downloads/index.html", "glossary/index.html",
         "accessibility/index.html", "licence/index.html", "search/index.html"]
HEX_PAGES = ["index.html", "indicators/obesity_y6/index.html", "wards/E05000841/index.html"]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed at /usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _csp_watch(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    return errors


def _no_sideways_scroll(page, rel: str, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{rel} scrolls sideways at {width} CSS px ({scroll})"


@pytest.mark.parametrize("width", [1280, 390, 320])
def test_every_page_type_passes_axe_and_reflows(built_site, hex_site, browser, width):
    Axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe
    axe = Axe()
    page = browser.new_page(viewport={"width": width, "height": 900})
    csp = _csp_watch(page)
    for out, pages in ((built_site[0], PAGES), (hex_site[0], HEX_PAGES)):
        for rel in pages:
            page.goto((out / rel).as_uri())
            _no_sideways_scroll(page, rel, width)
            result = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
            assert result.violations_count == 0, (rel, [(v["id"], v["nodes"][0]["target"])
                                                        for v in result.response["violations"]])
    assert not csp, csp
    page.close()


def test_400_percent_zoom_does_not_scroll_sideways(built_site, browser):
    """A 1280 px wide window at 400% zoom lays out 320 CSS px: device scale factor 4."""
    context = browser.new_context(viewport={"width": 320, "height": 256}, device_scale_factor=4)
    page = context.new_page()
    out, _ = built_site
    for rel in PAGES:
        page.goto((out / rel).as_uri())
        _no_sideways_scroll(page, rel, 320)
        wide = page.evaluate("""() => [...document.querySelectorAll('main p, main li, main h1, main h2, main h3')]
            .filter(e => !e.closest('.table-wrap') && e.getBoundingClientRect().right > window.innerWidth + 1)
            .map(e => e.textContent.slice(0, 40))""")
        assert not wide, (rel, wide)
    context.close()


def test_skip_link_and_visible_focus(built_site, browser):
    out, _ = built_site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((out / "indicators" / "obesity_y6" / "index.html").as_uri())
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => { const e = document.activeElement; const s = getComputedStyle(e);
        return {cls: e.className, outline: s.outlineStyle, width: s.outlineWidth, top: e.getBoundingClientRect().top}; }""")
    assert focused["cls"] == "skip-link" and focused["outline"] != "none" and focused["top"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    for _ in range(3):
        page.keyboard.press("Tab")
    style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return s.outlineStyle !== 'none' || s.boxShadow !== 'none'; }""")
    assert style
    page.close()


def test_tables_sort_when_scripts_run(built_site, browser):
    out, _ = built_site
    page = browser.new_page()
    page.goto((out / "wards" / "index.html").as_uri())
    table = page.locator("table.sortable").first
    header = table.locator("thead th").nth(2)  # population
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    values = [float(v) for v in table.locator("tbody td:nth-child(3)").evaluate_all(
        "cells => cells.map(c => c.dataset.sort)")]
    assert values == sorted(values)
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    page.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(out: Path):
    """A site on a local port (loopback only), as a web server would publish it."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture()
def served(built_site):
    yield from _serve(built_site[0])


@pytest.fixture()
def served_in_parts(built_site, tmp_path):
    """The built site with its search index in three parts, as a large site's is; and the title
    and address of a page indexed in the last part."""
    from dagster_project.sitegen import search

    out, report = built_site
    site = tmp_path / "site"
    shutil.copytree(out, site, ignore=shutil.ignore_patterns("pagefind"))
    pages = sorted(p for p in report.pages if p != "search/index.html")
    sizes = [len(search.light_page((site / rel).read_text(encoding="utf-8")).encode()) for rel in pages]
    search.build_index(site, pages, part_bytes=sum(sizes) // 3 + 1)
    last = search.parts_of(list(zip(pages, sizes)), sum(sizes) // 3 + 1)[-1]
    ward = next(rel for rel in last if rel.startswith("wards/E"))
    title = re.search(r"<h1[^>]*>(.*?)</h1>", (site / ward).read_text(encoding="utf-8"), re.S).group(1)
    for served in _serve(site):
        yield served, title, ward


def test_search_finds_a_ward_offline_under_the_csp(served, browser):
    page = browser.new_page()
    csp = _csp_watch(page)
    page.goto(f"{served}/search/index.html?q=Ashton")
    first = page.locator("#search-results li a").first
    first.wait_for(timeout=15000)
    assert "Ashton-in-Makerfield South" in first.text_content()
    href = first.get_attribute("href")
    assert href.startswith(served) and href.endswith("/index.html")
    assert "match" in page.locator("#search-status").text_content()
    page.locator("#search-q").fill("Abram")
    page.locator(".search-form button").click()
    page.locator("#search-results li a", has_text="Abram").first.wait_for(timeout=15000)
    assert not csp, csp
    page.close()


def test_search_finds_pages_in_every_part_of_a_large_index(served_in_parts, browser):
    served, title, ward = served_in_parts
    page = browser.new_page()
    csp = _csp_watch(page)
    page.goto(f"{served}/search/index.html?q=" + title.split()[0])
    link = page.locator(f'#search-results li a[href$="/{ward}"]')
    link.first.wait_for(timeout=15000)
    assert title in link.first.text_content()
    page.locator("#search-q").fill("accessibility")
    page.locator(".search-form button").click()  # a page of the first part
    page.locator('#search-results li a[href$="/accessibility/index.html"]').first.wait_for(timeout=15000)
    assert not csp, csp
    page.close()


def test_search_page_explains_itself_from_file_urls(built_site, browser):
    out, _ = built_site
    page = browser.new_page()
    page.goto((out / "search" / "index.html").as_uri() + "?q=Abram")
    status, deadline = "", time.monotonic() + 15
    while time.monotonic() < deadline and (not status or status.startswith("Searching")):
        page.wait_for_timeout(100)  # polled from Python: the page's CSP forbids evaluated strings
        status = page.locator("#search-status").text_content()
    assert "web server" in status or "match" in status, status
    page.close()
