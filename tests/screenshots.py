"""Screenshots of a built site for review, committed in site/screenshots/: the home, a ward, the
claimant (or first) indicator and the first mission page at 320, 390 and 1280 px, full page, as
PNG reduced to a 64-colour palette with Pillow where it is installed (small files; otherwise as
chromium writes them). The ward is the one named (Ince by default, else the
first). Point it at a real build:

    python tests/screenshots.py /tmp/wigan/site site/screenshots [ward name]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from page_budgets import ARGS, CHROMIUM, CLAIMANT

WIDTHS = (320, 390, 1280)


def pages(site: Path, ward_name: str = "Ince") -> dict[str, Path]:
    wards = sorted((site / "wards").glob("*/index.html"))
    named = [p for p in wards if re.search(rf"<h1[^>]*>\s*{re.escape(ward_name)}\s*<", p.read_text(encoding="utf-8"))]
    indicators = [site / "indicators" / i / "index.html" for i in CLAIMANT] + sorted((site / "indicators").glob("*/index.html"))
    missions = sorted((site / "missions").glob("*/index.html"))
    chosen = {"home": site / "index.html", "ward": (named or wards)[0],
              "indicator": next(p for p in indicators if p.exists())}
    if missions:
        chosen["mission"] = missions[0]
    return chosen


def _shrink(path: Path) -> None:
    try:
        from PIL import Image
    except ImportError:
        return
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=64)
    small.save(path, optimize=True)


def take(site_dir, out_dir, ward_name: str = "Ince") -> list[Path]:
    from playwright.sync_api import sync_playwright

    site, out, written = Path(site_dir), Path(out_dir), []
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            for width in WIDTHS:
                page = browser.new_page(viewport={"width": width, "height": 844 if width < 1000 else 800})
                for name, path in pages(site, ward_name).items():
                    page.goto(path.as_uri())
                    target = out / f"{name}-{width}.png"
                    page.screenshot(path=str(target), full_page=True)
                    _shrink(target)
                    written.append(target)
                page.close()
        finally:
            browser.close()
    return written


if __name__ == "__main__":
    for path in take(sys.argv[1], sys.argv[2], *sys.argv[3:4]):
        print(f"{path.stat().st_size / 1024:7.0f} KiB  {path}")
