"""Page sources: front matter, named SQL blocks and a Markdown + Jinja body compiled once."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import yaml
from markdown_it import MarkdownIt
from markupsafe import escape

_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(\n|\Z)", re.S)
_SQL = re.compile(r"^```sql[ \t]+(\w+)(?:[ \t]+(by|per)[ \t]+(\w+))?[ \t]*\n(.*?)^```[ \t]*$\n?", re.S | re.M)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
JINJA_TAG = re.compile(
    r"\{%-?\s*raw\s*-?%\}(?P<raw>.*?)\{%-?\s*endraw\s*-?%\}"
    r"|(?P<expr>\{\{.*?\}\})|(?P<stmt>\{%.*?%\})|(?P<comment>\{#.*?#\})",
    re.S,
)
_TOKEN = re.compile(r"QJX(\d+)XJQ")
_CALL = re.compile(r"\{\{-?\s*(\w+)\s*\(")
_LIST = re.compile(r"\A<(ul|ol)>\n(.*)</\1>\n?\Z", re.S)
RESERVED = {"params", "site", "page"}
SCOPES = ("council", "site", "region")
INLINE_COMPONENTS = {"value"}

_md = MarkdownIt("commonmark", {"html": False}).enable("table")


@dataclass
class PageSource:
    path: Path          # file as given (for error messages)
    rel: Path           # relative to the pages folder
    meta: dict
    blocks: list[tuple[str, str, str | None, bool]]  # name, SQL, split column, column hidden ('per')
    body: str

    @property
    def scope(self) -> str:
        """'council' (default): the page is rendered for each council, in its own section of a
        multi-council site; 'site': once for the whole site; 'region': the home page of a
        multi-council site (not rendered for a single council)."""
        scope = str(self.meta.get("scope", "council"))
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)} (got {scope!r})")
        return scope

    @property
    def slug_column(self) -> str | None:
        m = re.fullmatch(r"\[(\w+)\]", self.rel.stem)
        return m.group(1) if m else None

    def site_path(self, slug: str | None = None) -> str:
        """Folder of the page's index.html inside the site ('' for the home page and the region page)."""
        if self.scope == "region":
            return ""
        parts = list(self.rel.parent.parts)
        stem = slug if self.slug_column else self.rel.stem
        if stem != "index":
            parts.append(stem)
        return "/".join(parts)


def read_page(path: Path, pages_dir: Path) -> PageSource:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    meta: dict = {}
    m = _FRONT.match(text)
    if m:
        meta = yaml.safe_load(m.group(1)) or {}
        if not isinstance(meta, dict):
            raise ValueError("front matter must be a YAML mapping")
        text = text[m.end():]
    blocks: list[tuple[str, str, str | None, bool]] = []
    for name, split, by, sql in _SQL.findall(text):
        if not _NAME.fullmatch(name) or name in RESERVED:
            raise ValueError(f"SQL block name '{name}' is not allowed")
        if any(name == b[0] for b in blocks):
            raise ValueError(f"SQL block '{name}' is defined twice")
        blocks.append((name, sql.strip().rstrip(";"), by or None, split == "per"))
    return PageSource(path, path.relative_to(pages_dir), meta, blocks, _SQL.sub("", text))


def compile_body(body: str, block_components: set[str]) -> str:
    """Markdown to HTML with Jinja tags kept intact, giving one Jinja template source.

    Markdown runs once per page file (never on data). Jinja tags are swapped for inert
    tokens first; a line holding only statements, comments or a block component call
    stays outside Markdown so it is not wrapped in a paragraph.
    """
    tags: list[tuple[str, str]] = []

    def stash(m: re.Match) -> str:
        kind = m.lastgroup
        if kind == "raw":
            tags.append(("raw", "{% raw %}" + str(escape(m.group("raw"))) + "{% endraw %}"))
        else:
            tags.append((kind, m.group(0)))
        return f"QJX{len(tags) - 1}XJQ"

    tokenised = JINJA_TAG.sub(stash, body)

    def is_block(i: int) -> bool:
        kind, text = tags[i]
        if kind in ("stmt", "comment"):
            return True
        call = _CALL.match(text)
        return kind == "expr" and bool(call) and call.group(1) in block_components - INLINE_COMPONENTS

    segments: list[tuple[str, str]] = []
    chunk: list[str] = []

    def flush() -> None:
        if chunk and "".join(chunk).strip():
            segments.append(("html", _md.render(textwrap.dedent("\n".join(chunk)))))
        chunk.clear()

    for line in tokenised.split("\n"):
        ids = [int(i) for i in _TOKEN.findall(line)]
        if ids and not _TOKEN.sub("", line).strip() and all(is_block(i) for i in ids):
            flush()
            segments.append(("tag", "".join(tags[i][1] for i in ids) + "\n"))
        else:
            chunk.append(line)
    flush()
    segments = _hoist_lists(segments)
    html = "".join(text for _, text in segments)
    return _TOKEN.sub(lambda m: tags[int(m.group(1))][1], html)


def _hoist_lists(segments: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`{% for %}` around one Markdown list item gives one list, not a list per item."""
    out, i = [], 0
    while i < len(segments):
        window = segments[i : i + 3]
        if (len(window) == 3 and [k for k, _ in window] == ["tag", "html", "tag"]
                and re.match(r"\{%-?\s*for\b", window[0][1]) and window[0][1].count("{%") == 1
                and re.match(r"\{%-?\s*endfor\b", window[2][1]) and window[2][1].count("{%") == 1):
            m = _LIST.match(window[1][1])
            if m and window[1][1].count(f"<{m.group(1)}>") == 1:
                out += [("html", f"<{m.group(1)}>\n"), window[0], ("html", m.group(2)),
                        window[2], ("html", f"</{m.group(1)}>\n")]
                i += 3
                continue
        out.append(segments[i])
        i += 1
    return out
