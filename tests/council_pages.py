"""Does each council's part of a published site speak for that council, and no other?

`council_page_problems(site_dir, councils_config)` reads a built site (the folder of index.html)
and the councils file it was built from, and returns one line per problem (empty: none). Run it
on any build, demo or real:

    python tests/council_pages.py site/build config/councils.yml

On a multi-council site (a section per council, `<slug>/...`, and a region page at the root):
- the region page links to every council's home page;
- each council's home page is headed with its name and links to every one of its wards, and
  every ward page in its section compares the ward with that council;
- no page in a council's section names another council as its own ("<Other> Council",
  "<Other>'s", "compared with <Other>", "statistics for <Other>", ...) or carries another
  council's strategy name (councils.yml `strategy:`);
- a council without a strategy in the configuration claims none;
- ward names that repeat across councils carry their council in the ward page's heading.
On a single-council site the same holds for the one council (at the root).
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import yaml

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
_LEAD = re.compile(r'<p class="lead">(.*?)</p>', re.S)
_CODE = re.compile(r'<meta name="council-code" content="([A-Z0-9]+)">')
_LINK = re.compile(r'<a href="([^"#]+)(?:#[^"]*)?"[^>]*>(.*?)</a>', re.S)
# Wording by which a page makes a council its own subject.
CLAIMS = ("{name} Council", "{name}'s", "compared with {name}", "statistics for {name}", "{name} overall",
          "{name} has ", "Wards in {name}", "{name} as a whole", "than {name} ", "{name}, latest figure")
STRATEGY_CLAIM = "Council's strategy, "


def _text(page: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", page)))


def _plain(fragment: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", fragment))).strip()


def _configured(councils_config: Path) -> list[dict]:
    document = yaml.safe_load(Path(councils_config).read_text(encoding="utf-8"))
    return [{"la_code": str(c["la_code"]), "strategy": (c.get("strategy") or "").strip() or None}
            for c in document["councils"]]


def _sections(site: Path, configured: list[dict]) -> list[dict]:
    """Each council's section: its folder, name (from the region page's links, or the single
    site's home page) and configured strategy, in the configured order."""
    home = (site / "index.html").read_text(encoding="utf-8")
    links = [(href, _plain(label)) for href, label in _LINK.findall(home)
             if re.fullmatch(r"[a-z0-9][a-z0-9_-]*/index\.html", href)
             and (site / href).exists() and (site / Path(href).parent / "wards").is_dir()]
    if not links:  # one council: its pages are the site
        match = re.search(r"each of (.+?)'s wards", _text(home))
        name = match.group(1) if match else ""
        return [{"folder": site, "name": name, "strategy": None}]
    sections, seen = [], set()
    for href, name in links:
        folder = site / Path(href).parent
        if folder in seen:
            continue
        seen.add(folder)
        sections.append({"folder": folder, "name": name, "strategy": None})
    return sections


def _ward_pages(folder: Path) -> list[Path]:
    return sorted((folder / "wards").glob("*/index.html"))


def council_page_problems(site_dir, councils_config) -> list[str]:
    site, configured = Path(site_dir), _configured(Path(councils_config))
    problems: list[str] = []
    sections = _sections(site, configured)
    multi = sections[0]["folder"] != site
    if multi and len(sections) != len(configured):
        problems.append(f"index.html: links to {len(sections)} council sections, {len(configured)} councils are configured")
    # Each section's configured strategy, by the council code its pages carry (<meta name="council-code">).
    strategies = [c["strategy"] for c in configured if c["strategy"]]
    by_code = {c["la_code"]: c["strategy"] for c in configured}
    for section in sections:
        home = (section["folder"] / "index.html").read_text(encoding="utf-8")
        code = _CODE.search(home)
        if not code:
            problems.append(f"{(section['folder'] / 'index.html').relative_to(site).as_posix()}: no council code")
        section["strategy"] = by_code.get(code.group(1)) if code else None
    names = [s["name"] for s in sections]
    headings: dict[str, list[tuple[str, Path]]] = {}
    for section in sections:
        folder, own = section["folder"], section["name"]
        where = folder.relative_to(site).as_posix() or "(root)"
        if not own:
            problems.append(f"{where}: cannot tell which council the section is for")
            continue
        home = (folder / "index.html").read_text(encoding="utf-8")
        heading = _plain((_H1.search(home) or [None, ""])[1]) + " " + _plain((_LEAD.search(home) or [None, ""])[1])
        if own not in heading:
            problems.append(f"{where}/index.html: not headed with {own}'s name (heading: {heading.strip()!r})")
        linked = {(folder / href).resolve() for href, _ in _LINK.findall(home)}
        for ward_page in _ward_pages(folder):
            rel = ward_page.relative_to(site).as_posix()
            if ward_page.resolve() not in linked:
                problems.append(f"{where}/index.html: does not link to its ward {rel}")
            page = ward_page.read_text(encoding="utf-8")
            title = _plain((_H1.search(page) or [None, ""])[1])
            headings.setdefault(re.sub(r" \([^)]*\)\Z", "", title), []).append((title, ward_page))
            if f"compares with {own}" not in _text(page):
                problems.append(f"{rel}: does not compare the ward with {own}")
        others = [n for n in names if n != own and n not in own]
        foreign_strategies = [s for s in strategies if s != section["strategy"]]
        for path in sorted(folder.rglob("*.html")):
            rel = path.relative_to(site)
            if multi and folder == site:
                continue
            text = _text(path.read_text(encoding="utf-8"))
            for strategy in foreign_strategies:
                if strategy in text:
                    problems.append(f"{rel.as_posix()}: carries another council's strategy, {strategy!r}")
            if not section["strategy"] and STRATEGY_CLAIM in text:
                problems.append(f"{rel.as_posix()}: claims a strategy for {own}, which has none configured")
            for other in others:
                for claim in CLAIMS:
                    phrase = claim.format(name=other)
                    if phrase in text and not _own_ward_name(phrase, other, own, text):
                        problems.append(f"{rel.as_posix()}: speaks for {other} ({phrase!r}) in {own}'s section")
                        break
    for base, pages in sorted(headings.items()):
        bare = [p for title, p in pages if title == base]
        if len(pages) > 1 and bare:
            problems.append(f"ward name {base!r} repeats without its council: "
                            + ", ".join(p.relative_to(site).as_posix() for p in bare))
    return problems


def _own_ward_name(phrase: str, other: str, own: str, text: str) -> bool:
    """A phrase like "Bolton has" inside a ward name of this council ("Bolton Hall has ...")
    is not a claim; only exact council-name wording counts."""
    return bool(re.search(rf"\b{re.escape(own)} {re.escape(other)}\b", text)) and phrase.startswith(other + " ")


if __name__ == "__main__":
    found = council_page_problems(sys.argv[1], sys.argv[2])
    print("\n".join(found) or "every council's pages speak for that council")
    sys.exit(1 if found else 0)
