"""The built site in a real browser (Debian's chromium): axe-core WCAG checks, 320px reflow,
CSP-clean loading from file://, and sortable tables. Skips where chromium is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
PAGES = ["index.html", "missions/fair-opportunities/index.html", "indicators/obesity_y6/index.html",
         "indicators/income_score/index.html", "wards/index.html", "wards/E05000844/index.html",
         "about/index.html", "data-quality/index.html"]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed at /usr/bin/chromium")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


@pytest.mark.parametrize("width", [1280, 320])
def test_pages_pass_axe_and_reflow(built_site, browser, width):
    Axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe
    out, _ = built_site
    page = browser.new_page(viewport={"width": width, "height": 900})
    csp = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
    axe = Axe()
    for rel in PAGES:
        page.goto((out / rel).as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{rel} scrolls sideways at {width}px"
        result = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
        assert result.violations_count == 0, (rel, [v["id"] for v in result.response["violations"]])
    assert not csp, csp
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
