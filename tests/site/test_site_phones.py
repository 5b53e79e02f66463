"""The public's ten-second answer on every screen: at 320, 390 and 1280 CSS px, page types reflow
without sideways scrolling (outside scrollable table regions), no rendered text (SVG included)
is under 12 CSS px, nothing is clipped, and a ward page's summary and spine chart sit in the first
800 px. Writes screenshots of the test site's home, ward, indicator and mission pages at 320, 390 and
1280 px to SCREENSHOT_DIR when set (site/screenshots/ holds the committed ones of a real build,
made by tests/screenshots.py). Skips without chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from test_site_browser import ARGS, CHROMIUM

PAGES = {"home": "index.html", "ward": "wards/E05000841/index.html", "indicator": "indicators/obesity_y6/index.html",
         "mission": "missions/fair-opportunities/index.html", "data-quality": "data-quality/index.html",
         "glossary": "glossary/index.html"}
SHOTS = ("home", "ward", "indicator", "mission")
WIDTHS = (320, 390, 1280)
SMALL_TEXT = """() => { const out = [];
  for (const t of document.querySelectorAll('svg text')) {
    if (!t.getClientRects().length) continue;
    const m = t.ownerSVGElement.getScreenCTM(); if (!m) continue;
    const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
    if (px < 11.95) out.push(['svg', Math.round(px * 10) / 10, t.textContent.slice(0, 30)]); }
  for (const e of document.querySelectorAll('body *')) {
    if (e.closest('svg') || !e.getClientRects().length) continue;
    if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    const r = e.getBoundingClientRect(); if (r.width <= 1 && r.height <= 1) continue;  // visually hidden text
    const px = parseFloat(getComputedStyle(e).fontSize);
    if (px < 11.95) out.push([e.tagName, px, e.textContent.trim().slice(0, 30)]); }
  return out; }"""
CLIPPED = """() => { const hidden = e => { for (let a = e; a; a = a.parentElement) {  // visually hidden on purpose
      const s = getComputedStyle(a); if (s.clipPath !== 'none' || s.clip !== 'auto') return true; } return false; };
  return [...document.querySelectorAll('main *')].filter(e => {
    if (e.closest('.table-wrap') || !e.getClientRects().length || hidden(e)) return false;
    const r = e.getBoundingClientRect();
    return r.width > 1 && (r.right > window.innerWidth + 1 || r.left < -1);
  }).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 30)); }"""
TABLE_CLIPPED = """() => [...document.querySelectorAll('main table')].filter(t => {
    const wrap = t.closest('.table-wrap');
    if (wrap) { const s = getComputedStyle(wrap).overflowX;  // a scrollable, labelled region is fine
      return !((s === 'auto' || s === 'scroll') && wrap.getAttribute('role') === 'region' && wrap.tabIndex === 0); }
    return t.getBoundingClientRect().right > window.innerWidth + 1;
  }).map(t => (t.caption ? t.caption.textContent : '').slice(0, 40))"""


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_pages_reflow_with_readable_text_and_nothing_clipped(built_site, browser, width, tmp_path):
    out, _ = built_site
    shots = Path(os.environ.get("SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": 844 if width < 1000 else 800})
    for name, rel in PAGES.items():
        page.goto((out / rel).as_uri())
        if name in SHOTS and width in (320, 390, 1280):
            page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")  # collapsed content too
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{rel} scrolls sideways at {width}"
        assert page.evaluate(SMALL_TEXT) == [], (rel, width)
        assert page.evaluate(CLIPPED) == [], (rel, width)
        assert page.evaluate(TABLE_CLIPPED) == [], (rel, width)
    page.close()


def test_ward_summary_and_spine_are_in_the_first_800_px(built_site, browser):
    out, _ = built_site
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto((out / PAGES["ward"]).as_uri())
    summary = page.locator(".ward-summary").bounding_box()
    spine = page.locator(".spine-table tbody tr").first.bounding_box()
    assert summary["y"] + summary["height"] <= 800 and spine["y"] + spine["height"] <= 800, (summary, spine)
    page.close()


@pytest.mark.parametrize("width, height", [(1280, 800), (390, 844)])
def test_find_your_ward_is_on_the_first_screen(built_site, browser, width, height):
    out, _ = built_site
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto((out / "index.html").as_uri())
    for selector in (".ward-finder h2", ".finder-search input", ".ward-list li a >> nth=0"):
        box = page.locator(selector).first.bounding_box()
        assert box and box["y"] + box["height"] <= height, (selector, box)
    page.close()
