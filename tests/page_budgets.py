"""Page budgets on a phone: how many 390 x 844 screens each kind of page takes, in a real browser.

Budgets (issue 20): a ward page at most 10 screens, indicator and mission pages at most 15, the
home page at most 10; and no table wider than the screen, nor anything else making the page scroll sideways. `page_budget_problems(site_dir)` picks
the pages of each kind from a built site (every council's section on a multi-council site: its
home page, its first and its longest ward page, the claimant indicator page where there is one and
its first mission page), measures them in chromium and returns one line per page over its budget
(empty: none). `measure(site_dir, rels)` returns the figures. Point it at any build:

    python tests/page_budgets.py site/build          # prints every page's screens, exit 1 if over
"""

from __future__ import annotations

import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTH, HEIGHT = 390, 844
BUDGETS = {"home": 10, "ward": 10, "indicator": 15, "mission": 15}
CLAIMANT = ("claimant_rate_monthly", "claimant_rate", "claimant_count")


def _sections(site: Path) -> list[Path]:
    """The council sections: the site itself, or each folder with its own wards/ (multi-council)."""
    folders = sorted(p.parent.parent for p in site.glob("*/wards/index.html"))
    return folders or [site]


def pages_to_measure(site_dir) -> dict[str, str]:
    """Page (relative to the site) -> its kind, for every council section."""
    site, chosen = Path(site_dir), {}
    for folder in _sections(site):
        rel = lambda p: p.relative_to(site).as_posix()  # noqa: E731
        chosen[rel(folder / "index.html")] = "home"
        wards = sorted((folder / "wards").glob("*/index.html"))
        if wards:
            chosen[rel(wards[0])] = "ward"
            chosen[rel(max(wards, key=lambda p: p.stat().st_size))] = "ward"
        for indicator in CLAIMANT:
            page = folder / "indicators" / indicator / "index.html"
            if page.exists():
                chosen[rel(page)] = "indicator"
                break
        missions = sorted((folder / "missions").glob("*/index.html"))
        if missions:
            chosen[rel(missions[0])] = "mission"
    return chosen


_WIDE_TABLES = """() => [...document.querySelectorAll('main table')]
    .filter(t => t.getBoundingClientRect().width > window.innerWidth + 1 && t.offsetParent !== null)
    .map(t => (t.caption ? t.caption.textContent : 'table').slice(0, 60))"""


def measure(site_dir, rels, browser=None) -> dict[str, dict]:
    """For each page: screens (document height / 844 at 390 px wide), tables wider than the screen and
    the page's own width (wider than the screen when anything overflows sideways)."""
    from playwright.sync_api import sync_playwright

    site, out = Path(site_dir), {}

    def run(b):
        page = b.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        for rel in rels:
            page.goto((site / rel).as_uri())
            height = page.evaluate("document.documentElement.scrollHeight")
            out[rel] = {"screens": round(height / HEIGHT, 1), "wide_tables": page.evaluate(_WIDE_TABLES),
                        "page_width": page.evaluate("document.documentElement.scrollWidth")}
        page.close()

    if browser is not None:
        run(browser)
    else:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                run(b)
            finally:
                b.close()
    return out


def page_budget_problems(site_dir, browser=None) -> list[str]:
    chosen = pages_to_measure(site_dir)
    figures = measure(site_dir, list(chosen), browser)
    problems = []
    for rel, kind in chosen.items():
        f = figures[rel]
        if f["screens"] > BUDGETS[kind]:
            problems.append(f"{rel}: {f['screens']} screens at {WIDTH} px, over the {kind} page budget of {BUDGETS[kind]}")
        if f["wide_tables"]:
            problems.append(f"{rel}: tables wider than {WIDTH} px: {f['wide_tables']}")
        if f["page_width"] > WIDTH:  # e.g. a table's cells overflowing a table that itself fits
            problems.append(f"{rel}: the page scrolls sideways: {f['page_width']} px wide at {WIDTH} px")
    return problems


if __name__ == "__main__":
    site_dir = sys.argv[1]
    chosen = pages_to_measure(site_dir)
    for rel, f in measure(site_dir, list(chosen)).items():
        print(f"{f['screens']:5.1f} screens  {chosen[rel]:9}  {rel}" + (f"  WIDE: {f['wide_tables']}" if f["wide_tables"] else ""))
    found = page_budget_problems(site_dir)
    print("\n".join(found) or "every page within its budget")
    sys.exit(1 if found else 0)
