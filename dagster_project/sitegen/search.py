"""The static search index: Pagefind (the `pagefind_bin` package's binary), run offline.

Pagefind would parse every page in full, and most of a page's bytes are charts and tables
it is told to ignore anyway; so it indexes a light copy of the site in a temporary folder
instead: for each page its <title>, description and the text of its <main>, without
figures, tables or download links, nor any element marked `data-pagefind-ignore` (Pagefind's own
attribute, so a full-page index would leave out the same). Result addresses are the real pages'
addresses.

Ward pages mark as not indexed what every ward page of a council repeats: the notes on breaks in
the series, weights and caveats (indexed once per council, on the indicator pages) and the
"Over time" list of indicators and periods. A ward page is found by its name, code, council,
summary and neighbours. The repeated text made up three quarters of the index's input at 169
councils (106 of 163 MB of light copies; now 13.5 of 71 MB) and ranked a council's wards alike.

Pagefind holds everything it indexes in memory (22-29 times the light copies' size), so a
large site is indexed in parts of at most about PART_BYTES of light copies, one Pagefind run after
another: a part as soon as its pages are rendered, in the background while the next ones render
(`SearchIndex`; a few parts wait while the build says it is busy), and what is left at the end in
equal parts. The first part's bundle is pagefind/ as for a small site, the others
pagefind/part-N/, listed in pagefind/parts.json, which the search page merges (Pagefind's
`mergeIndex`).

The light copies are scratch: the build keeps them in memory where it can (a tmpfs, `build._light_folder`),
and there each part's copies go as soon as Pagefind has read them; Pagefind writes its bundles beside
the site (`bundles`), from where they are moved into it.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

FOLDER = "pagefind"
PARTS = "parts.json"
HELD_PARTS = 3  # parts that may wait while the build's memory is at its highest (`SearchIndex.busy`)
PART_BYTES = 10_000_000  # light copies one Pagefind run indexes: its peak about 300 MB beside the rendering (24 MB: about 600 MB, and the 169-council run's tree 2,476 MB against 1,922)


def pagefind_executable() -> Path | None:
    try:
        from pagefind_bin import get_executable
    except ImportError:
        return None
    try:
        return get_executable()
    except FileNotFoundError:
        return None


def version() -> str:
    exe = pagefind_executable()
    return "" if exe is None else exe.name + ":" + str(exe.stat().st_size)


_DROP = re.compile(r'<figure\b.*?</figure>|<div class="table-wrap".*?</table>\s*</div>|<p class="download">.*?</p>', re.S)
_DROP_START = re.compile(r'<(?:figure\b|div class="table-wrap"|p class="download">)')
_DIV_END = re.compile(r"\s*</div>")
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_MAIN = re.compile(r"<main\b[^>]*>(.*?)</main>", re.S)
_MAIN_START = re.compile(r"<main\b[^>]*>")
_IGNORED = re.compile(r"<([a-z][a-z0-9]*)\b[^>]*?\sdata-pagefind-ignore\b[^>]*>")


def _drop_end(text: str, start: int) -> int:
    """Where the _DROP match starting at `start` ends, or -1: the first closing tag after it
    (for a table-wrap, the first </table> followed by </div>), found by str.find rather than a
    lazy scan character by character (pages are mostly charts: this is most of the cost)."""
    if text.startswith("<f", start):
        end = text.find("</figure>", start)
        return -1 if end < 0 else end + len("</figure>")
    if text.startswith("<p", start):
        end = text.find("</p>", start)
        return -1 if end < 0 else end + len("</p>")
    end = text.find("</table>", start)
    while end >= 0:
        close = _DIV_END.match(text, end + len("</table>"))
        if close:
            return close.end()
        end = text.find("</table>", end + 1)
    return -1


def _drop(text: str) -> str:
    """``_DROP.sub("", text)``, faster."""
    parts, last, pos = [], 0, 0
    while True:
        m = _DROP_START.search(text, pos)
        if m is None:
            break
        end = _drop_end(text, m.start())
        if end < 0:
            pos = m.start() + 1
            continue
        parts.append(text[last:m.start()])
        last = pos = end
    parts.append(text[last:])
    return "".join(parts)


def _drop_ignored(text: str) -> str:
    """`text` without the elements marked `data-pagefind-ignore` (each to its matching closing tag,
    counting nested elements of the same name; an unclosed one to the end)."""
    if "data-pagefind-ignore" not in text:
        return text
    parts, last = [], 0
    while (m := _IGNORED.search(text, last)) is not None:
        parts.append(text[last:m.start()])
        tag, depth, last = re.compile(rf"<(/?){m.group(1)}\b[^>]*>"), 1, len(text)
        for t in tag.finditer(text, m.end()):
            depth += -1 if t.group(1) else 1
            if depth == 0:
                last = t.end()
                break
    parts.append(text[last:])
    return "".join(parts)


def _main(html: str) -> str | None:
    """The text of the first <main> element (as ``_MAIN``), found by str.find."""
    m = _MAIN_START.search(html)
    if m is None:
        return None
    end = html.find("</main>", m.end())
    if end < 0:
        main = _MAIN.search(html)
        return main.group(1) if main else None
    return html[m.end():end]


def light_page(html: str) -> str:
    """The searchable part of a page: its title and the text of <main> without charts, tables and
    what is marked `data-pagefind-ignore`."""
    title = _TITLE.search(html)
    main = _main(html)
    body = _drop_ignored(_drop(main)) if main is not None else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title.group(1) if title else ""}'
            f"</title></head><body><main>{body}</main></body></html>")


def light_copy(html: str) -> bytes:
    """The light copy of a page, to write (`SearchIndex.add`)."""
    return light_page(html).encode("utf-8")


def write_light(root: Path, rel: str, data: bytes) -> int:
    """The light copy `data` of page `rel` written under `root`; its size."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)


def parts_of(sizes: list[tuple[str, int]], part_bytes: int) -> list[list[str]]:
    """The pages (in order, with their light copies' sizes) in as few parts of at most about
    `part_bytes` as possible, of about equal size."""
    total = sum(size for _, size in sizes)
    count = max(1, math.ceil(total / part_bytes))
    parts: list[list[str]] = [[] for _ in range(count)]
    done = 0
    for rel, size in sizes:
        parts[min(count - 1, done * count // total if total else 0)].append(rel)
        done += size
    return [part for part in parts if part] or [[]]


def _pagefind(exe: Path, site: Path, bundle: Path) -> subprocess.Popen:
    """Pagefind indexing `site` into `bundle`, started (`_finished` waits for it)."""
    return subprocess.Popen(
        [str(exe), "--site", str(site), "--output-path", str(bundle.resolve()), "--keep-index-url", "--silent"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _finished(run: subprocess.Popen) -> None:
    try:
        output, _ = run.communicate(timeout=1800)
    except subprocess.TimeoutExpired:
        run.kill()
        run.communicate()
        raise
    if run.returncode != 0:
        raise RuntimeError(f"Pagefind failed ({run.returncode}): {(output or '').strip()[:2000]}")


class SearchIndex:
    """Light copies of the pages, indexed in parts as they come. Pages write their copies into
    `folder`; `cut` (between batches of pages) makes the folder a part once its copies reach
    `part_bytes` and moves on to a new folder, and indexes the parts one after another in the
    background while the next pages render (up to `held` parts wait while `busy()`); `finish`
    indexes the parts still waiting and the rest (in equal parts of at most about `part_bytes`,
    in page order) and puts every bundle in place. A site whose copies stay under `part_bytes` is indexed in one
    run at the end, as before. Pagefind writes its bundles in `bundles` (default `root`); with
    `drop_indexed` (copies in memory) a part's copies are removed once it is indexed."""

    SKIP = frozenset({"search/index.html"})  # pages left out of the index (the search page itself)

    def __init__(self, root: Path, part_bytes: int = PART_BYTES, held: int = HELD_PARTS, bundles: Path | None = None,
                 drop_indexed: bool = False):
        self.root, self.part_bytes = Path(root), part_bytes
        self.bundles, self.drop_indexed = Path(bundles) if bundles else self.root, drop_indexed
        self.part, self.bytes = 0, 0  # the folder pages go to, its copies' bytes
        self.pages: list[str] = []  # the pages whose copies are in the folder
        self.waiting: list[tuple[Path, Path, list[str]]] = []  # (folder, bundle, pages) of parts not yet indexed
        self.started: list[tuple[Path, Path, list[str]]] = []  # those of parts indexed early
        self.busy, self.held = (lambda: False), held
        self.running: subprocess.Popen | None = None
        self.error: Exception | None = None

    @property
    def folder(self) -> Path:
        return self.root / str(self.part)

    def add(self, copies: list[tuple[str, bytes]]) -> None:
        """Write a batch of pages' light copies (page, `light_copy`) into `folder`, in this order: the
        order of a folder's entries is Pagefind's order, and so its files' names (content hashes)."""
        for rel, data in copies:
            self.bytes += write_light(self.folder, rel, data)
            self.pages.append(rel)

    def cut(self) -> None:
        """Between batches: once the folder's copies reach `part_bytes` they are a part (so a part
        holds at most one batch's copies more; a site under `part_bytes` is indexed at the end),
        and the oldest part waiting is indexed if Pagefind is not running, unless `busy()` (the
        build's memory is at its highest) and at most `held` parts wait."""
        if self.error is not None:
            return
        if self.bytes >= self.part_bytes:
            self.waiting.append((self.folder, self.bundles / f"bundle-{self.part}", self.pages))
            self.part, self.bytes, self.pages = self.part + 1, 0, []
        if not self.waiting or (self.busy() and len(self.waiting) <= self.held):
            return
        if self.running is not None and self.running.poll() is None:
            return  # the next cut starts it
        exe = pagefind_executable()
        if exe is None:
            return  # reported by `finish`
        try:
            self._wait()
            folder, bundle, pages = self.waiting[0]
            self.running = _pagefind(exe, folder, bundle)
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            self.error = exc
            return
        self.started.append(self.waiting.pop(0))

    def _wait(self) -> None:
        """Wait for the part being indexed. Its copies stay until the build's scratch folder goes
        (`_indexed`) unless they are in memory: on a file system without a journal (these machines'
        ext4), inodes freed in the last minute or so are skipped one by one, each looked up, when
        the next files are created, so copies deleted while pages are being written made every later
        file dearer to create (22 us a file with no recent deletions, 700-800 us right after some
        tens of thousands)."""
        running, self.running = self.running, None
        if running is not None:
            _finished(running)
            self._indexed(self.started[-1][0])

    def _indexed(self, folder: Path) -> None:
        """Pagefind has read the copies in `folder`: removed at once when they are in memory."""
        if self.drop_indexed:
            shutil.rmtree(folder, ignore_errors=True)

    def finish(self, out_dir: Path, pages: list[str]) -> list[str]:
        """Index the pages (paths relative to out_dir) into out_dir/pagefind; return its files.
        Raises RuntimeError when Pagefind is missing or fails (the build then fails: a site
        without its search index is not published)."""
        exe = pagefind_executable()
        if exe is None:
            raise RuntimeError("Pagefind is not installed (pip package pagefind_bin)")
        self._wait()
        if self.error is not None:
            raise RuntimeError(str(self.error)) from self.error
        while self.waiting:
            self.started.append(self.waiting.pop(0))
            _finished(_pagefind(exe, self.started[-1][0], self.started[-1][1]))
            self._indexed(self.started[-1][0])
        wanted = set(pages) - self.SKIP
        early = set().union(*(part for _, _, part in self.started))
        root = self.folder
        root.mkdir(parents=True, exist_ok=True)
        for path in root.rglob("*.html"):
            if path.relative_to(root).as_posix() not in wanted:
                path.unlink()
        rest = sorted(wanted - early)
        for rel in rest:
            if not (root / rel).is_file():
                write_light(root, rel, light_copy((out_dir / rel).read_text(encoding="utf-8")))
        bundles = [bundle for _, bundle, _ in self.started]
        parts = (parts_of([(rel, (root / rel).stat().st_size) for rel in rest], self.part_bytes)
                 if rest or not bundles else [])
        for part in parts:  # each in a folder of its own filled in path order (Pagefind's order), whichever
            site = self.root / f"rest-{len(bundles)}"  # pages were rendered in this build or put back from the cache
            site.mkdir(parents=True)
            for rel in part:
                (site / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / rel).rename(site / rel)
            bundles.append(self.bundles / f"bundle-{len(bundles)}")
            _finished(_pagefind(exe, site, bundles[-1]))
            self._indexed(site)
        target = out_dir / FOLDER
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(bundles[0]), target)
        for n, bundle in enumerate(bundles[1:], 1):
            shutil.move(str(bundle), target / f"part-{n}")
        (target / PARTS).write_text(json.dumps([f"part-{n}" for n in range(1, len(bundles))]) + "\n",
                                    encoding="utf-8")
        return sorted(p.relative_to(out_dir).as_posix() for p in target.rglob("*") if p.is_file())

    def stop(self) -> None:
        """After a failure: stop the Pagefind run under way, if any."""
        running, self.running = self.running, None
        if running is not None:
            running.kill()
            running.communicate()


def build_index(out_dir: Path, pages: list[str], part_bytes: int = PART_BYTES) -> list[str]:
    """Index the pages (paths relative to out_dir) into out_dir/pagefind at once, from light copies
    made here (`SearchIndex.finish`)."""
    with tempfile.TemporaryDirectory(prefix="sitegen-search-") as scratch:
        return SearchIndex(Path(scratch), part_bytes).finish(out_dir, pages)
