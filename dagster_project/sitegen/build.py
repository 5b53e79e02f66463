"""build_site: render every page of site/pages from the warehouse into a folder."""

from __future__ import annotations

import ctypes
import fcntl
import gc
import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import jinja2
import yaml
from markupsafe import Markup, escape

from dagster_project.settings import DBT_PROJECT_DIR, get_councils_config
from dagster_project.warehouse import held_elsewhere

from . import downloads, geo, model_docs, search
from .cache import OutputCache, digest
from .data import QueryResult, slugify
from .errors import MissingColumnError, SiteBuildError
from .page import JINJA_TAG, PageSource, compile_body, read_page
from .render import PageState, make_environment
from .sql import QueryRunner, SqlBlock, plan_blocks, reads, sql_environment

_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


@dataclass
class SiteBuildReport:
    """What a build produced: every page and file in the site, and how many pages were rendered
    (the rest were unchanged and taken from the cache)."""

    pages_written: int = 0
    files_written: int = 0
    pages: list[str] = field(default_factory=list)
    bytes_written: int = 0
    pages_rendered: int = 0
    pages_cached: int = 0
    search_indexed: bool = False
    # per page file (its time in this process: its queries, and its rendering without workers; with
    # them, '<file> (rendering, summed over workers)'), and per other step
    seconds: dict[str, float] = field(default_factory=dict)


class _Writer:
    """Writes files under out_dir only, once each per build, counting them. An existing file is
    replaced by a new one (never rewritten in place: it may be a hard link into the cache)."""

    def __init__(self, out_dir: Path, report: SiteBuildReport):
        self.root, self.report, self.dirs = out_dir.resolve(), report, set()
        self.written: set[str] = set()

    def _claim(self, rel: str) -> Path:
        if rel in self.written:
            raise ValueError(f"two pages write the same file: {rel}")
        path = self.root / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            raise ValueError(f"refusing to write outside the site folder: {rel}")
        self.written.add(rel)
        return path

    def write(self, rel: str, data: bytes) -> None:
        path = self._claim(rel)
        if path.parent not in self.dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.dirs.add(path.parent)
        try:
            path.write_bytes(data) if not path.exists() else _replace(path, data)
        except IsADirectoryError as exc:
            raise ValueError(f"{rel} is a folder") from exc
        self.report.files_written += 1
        self.report.bytes_written += len(data)

    def count(self, rel: str) -> None:
        """A file put in place by someone else (the cache, DuckDB, Pagefind)."""
        path = self._claim(rel)
        self.report.files_written += 1
        self.report.bytes_written += path.stat().st_size


def _replace(path: Path, data: bytes) -> None:
    path.unlink()
    path.write_bytes(data)


@dataclass
class _Compiled:
    source: PageSource
    blocks: list[SqlBlock]
    digest: str = ""


@dataclass(eq=False)
class _Section:
    """What rendering a page needs of its council's section (`_Builder.for_council`): the site
    facts, the section's folder ('slug/' or ''), its council sections and its wards' geography."""

    site: dict
    section: str
    slug: str
    sections: frozenset
    geography: geo.WardGeography


def _literal_template(env: jinja2.Environment, text: str) -> jinja2.Template:
    """Front-matter text: Jinja tags render (escaped); the text around them is escaped too."""
    parts, last = [], 0
    for m in JINJA_TAG.finditer(text):
        parts += [str(escape(text[last:m.start()])), m.group(0)]
        last = m.end()
    return env.from_string("".join(parts) + str(escape(text[last:])))


def _inputs_digest(site_root: Path, site: dict, geography: geo.WardGeography) -> str:
    """Everything every page depends on besides its own source and data: the engine's code,
    components, layouts, shared queries, the ward shapes and the site facts."""
    files = [p for p in sorted(Path(__file__).parent.glob("*.py"))]
    for folder in ("components", "layouts", "queries"):
        files += sorted(p for p in (site_root / folder).rglob("*") if p.is_file())
    return digest(sorted(site.items()), [(p.name, p.read_bytes()) for p in files], geography.digest_parts())


class _Builder:
    def __init__(self, con, site_root: Path, pages_dir: Path, is_demo: bool, geography: geo.WardGeography,
                 cache: OutputCache, report: SiteBuildReport, writer: _Writer, councils: list[dict], workers: int = 1,
                 per_council: frozenset[str] = frozenset()):
        self.con, self.pages_dir, self.site_root, self.geography = con, pages_dir, site_root, geography
        self.per_council = per_council  # names whose rows change from one council's section to the next
        self.state = PageState()
        self.councils = councils
        self.site = {"name": get_councils_config().site_title, "is_demo": is_demo, "map_kind": geography.kind,
                     "last_updated": _last_updated(con), "council": "", "strategy": None, "la_code": None,
                     "region": len(self.councils) > 1, "councils": [c["la_name"] for c in self.councils]}
        self.section = ""  # 'slug/' while rendering a council's section of a multi-council site
        self.env, self.components = make_environment(site_root, self.state, self.site, geography)
        self.layout = self.env.get_template("base.html")
        self.sql_env = sql_environment()
        self.cache = cache
        self.runner = QueryRunner(con, hashing=cache.enabled, packed=workers > 1)  # pages drawn in workers
        self.inputs = _inputs_digest(site_root, self.site, geography) if cache.enabled else ""
        self.report, self.writer = report, writer
        self.page_digests: list[str] = []
        self.workers = workers
        self.search: search.SearchIndex | None = None  # the search index, fed as pages are rendered
        self.light: list[tuple[str, bytes]] = []  # the search index's copies of the pages rendered here (page, copy)
        self.context = _Section(dict(self.site), "", "", frozenset(), geography)
        self.batch: list[tuple] = []  # pages whose data are ready, to render in the next share of workers
        self.pool = None  # the render workers (`open_pool`)
        self.running = None  # their result for the last batch sent
        self.forked = False  # in a render worker
        self.templates: dict[tuple[str, bytes], tuple] = {}  # a page source's compiled templates, per build
        self.sources: dict[Path, tuple[PageSource, list[SqlBlock]]] = {}  # a page file's source and blocks, per build
        self.page_lists: dict[str, list] = {}  # `pages:` rows of queries reading nothing a council changes, per build

    def for_council(self, council: dict | None, sections) -> None:
        """Render the next pages for `council` (None: the whole site or region), in its own
        section of the site when there are several councils."""
        code = council["la_code"] if council else None
        self.con.execute("create or replace temp table site_current as select ?::varchar as la_code", [code])
        self.runner.council = (code, council["position"]) if council else None
        regional = bool(council) and self.site["region"]
        geography = geo.for_council(self.con, code) if regional else self.geography
        section = f"{council['slug']}/" if regional else ""
        site = {**self.site, "council": council["la_name"] if council else "",
                "strategy": council["strategy"] if council else None, "la_code": code, "map_kind": geography.kind}
        self.enter(_Section(site, section, section.rstrip("/"), frozenset(sections if section else ()), geography))
        if self.cache.enabled:
            self.inputs = _inputs_digest(self.site_root, self.site, geography)

    def run_once_for_all_councils(self, paths: list[Path]) -> None:
        """Run the blocks of these pages that can run for every council at once (those returning
        `council_code`), once, with `site_current` holding every council."""
        self.con.execute("create or replace temp table site_current as select la_code from site_councils")
        for path in paths:
            try:
                compiled = self.compile(path)
            except Exception as exc:
                raise SiteBuildError(str(path), f"{type(exc).__name__}: {exc}") from exc
            try:
                self.runner.batch(compiled.blocks)
            except (duckdb.Error, ValueError, jinja2.TemplateError) as exc:
                raise SiteBuildError(str(path), f"{type(exc).__name__}: {exc}", block=self.runner.current) from exc
            finally:
                self.runner.current = None

    def enter(self, context: _Section) -> None:
        """Render the next pages in a council's section as `for_council` set it (in a worker, or
        in this process after the queries moved on to another section)."""
        if context is not self.context:
            self.site.clear()
            self.site.update(context.site)
            self.section = context.section
            self.state.for_council(context.slug, context.sections, context.geography)
            self.context = context

    def start_share(self) -> None:
        """Forget what the parent did so a worker reports only its own pages."""
        self.forked = True
        self.report = self.writer.report = SiteBuildReport()
        self.writer.written, self.cache.new, self.page_digests = set(), {}, []
        self.light = []

    def share_result(self) -> dict:
        r = self.report
        return {"pages": r.pages, "files": r.files_written, "bytes": r.bytes_written, "rendered": r.pages_rendered,
                "cached": r.pages_cached, "written": self.writer.written, "cache": self.cache.new,
                "seconds": r.seconds}

    def merge(self, part: dict) -> None:
        r = self.report
        r.pages += part["pages"]
        r.pages_written += len(part["pages"])
        r.files_written += part["files"]
        r.bytes_written += part["bytes"]
        r.pages_rendered += part["rendered"]
        r.pages_cached += part["cached"]
        overlap = self.writer.written & part["written"]
        if overlap:
            raise SiteBuildError(str(self.pages_dir), f"two pages write the same file: {sorted(overlap)[0]}")
        self.writer.written |= part["written"]
        self.cache.new.update(part["cache"])
        for name, seconds in part["seconds"].items():
            r.seconds[name] = r.seconds.get(name, 0.0) + seconds

    def templates_of(self, source: PageSource) -> tuple:
        """The page's title, description and body templates, compiled once per process (every
        council's section renders the same source)."""
        key = (source.rel.as_posix(), source.body, repr(source.meta))
        if key not in self.templates:
            html = compile_body(source.body, self.components)
            if re.search(r"<h1[\s>]", html):
                raise ValueError("the page title is the only h1: use '##' headings in the page")
            meta = source.meta
            title = str(meta.get("title") or source.rel.stem.replace("-", " ").capitalize())
            self.templates[key] = (_literal_template(self.env, title),
                                   _literal_template(self.env, str(meta.get("description") or "")),
                                   self.env.from_string(html))
        return self.templates[key]

    def compile(self, path: Path) -> _Compiled:
        """The page's source, SQL blocks, digest, and templates compiled here (a template error
        names the page before any query runs; the workers compile their own copies). The source
        is read and its blocks planned once per build: every council's section runs the same."""
        known = self.sources.get(path)
        if known is None:
            source = read_page(path, self.pages_dir)
            self.templates_of(source)
            known = self.sources[path] = (
                source, plan_blocks(self.sql_env, source.blocks, source.slug_column is not None, self.per_council))
        source, blocks = known
        return _Compiled(
            source=source, blocks=blocks,
            digest=digest(self.inputs, source.rel.as_posix(), source.path.read_bytes()) if self.cache.enabled else "",
        )

    def build_file(self, path: Path) -> None:
        page = str(path)
        try:
            compiled = self.compile(path)
        except Exception as exc:
            raise SiteBuildError(page, f"{type(exc).__name__}: {exc}") from exc
        column = compiled.source.slug_column
        try:
            if column is None:
                self.render(compiled, {}, None)
            else:
                self.render_all(compiled, self.page_rows(compiled, column), column)
        finally:
            self.runner.drop(compiled.blocks, static=True)
        if self.pool is not None and self.batch and (self.running is None or self.running.ready()):
            self.dispatch()  # the workers are idle: render this file's pages now, not after the next ones' queries

    def render_all(self, compiled: _Compiled, rows: list, column: str) -> None:
        """A template's pages. When they are many, a by/per block's result stays in DuckDB and
        comes into this process one chunk of pages at a time, so memory does not grow with the
        number of pages."""
        streamed = []
        if len(rows) > CHUNK_PAGES:
            try:
                streamed = [b for b in compiled.blocks if self.runner.stream(b)]
            except (duckdb.Error, MissingColumnError, ValueError) as exc:
                raise SiteBuildError(str(compiled.source.path), f"{type(exc).__name__}: {exc}",
                                     block=self.runner.current) from exc
        chunks = [rows[i:i + CHUNK_PAGES] for i in range(0, len(rows), CHUNK_PAGES)] if streamed else [rows]
        for chunk in chunks:
            for block in streamed:
                try:
                    self.runner.load(block, str(chunk[0][column]), str(chunk[-1][column]))
                except (duckdb.Error, MissingColumnError) as exc:
                    raise SiteBuildError(str(compiled.source.path), f"{type(exc).__name__}: {exc}",
                                         block=block.name) from exc
            for params in chunk:
                self.render(compiled, params, str(params[column]))

    def page_rows(self, compiled: _Compiled, column: str) -> list:
        """The rows of a [slug] page's `pages:` query, sorted by address; one that reads nothing a
        council changes runs once per build (the indicators are the same in every section)."""
        page, sql = str(compiled.source.path), compiled.source.meta.get("pages")
        if not sql:
            raise SiteBuildError(page, f"a [{column}] page needs a 'pages:' query in its front matter")
        known = self.page_lists.get(f"{column}\x00{sql}")
        if known is not None:
            return known
        try:
            cur = self.con.execute(str(sql))
            rows = QueryResult("pages", [d[0] for d in cur.description], cur.fetchall())
            rows.require(column)
        except (duckdb.Error, MissingColumnError) as exc:
            raise SiteBuildError(page, str(exc), block="pages") from exc
        for row in rows:
            slug = str(row[column])
            if not _SLUG.fullmatch(slug):
                raise SiteBuildError(page, f"'{slug}' cannot be a page address (letters, digits, _ and - only)",
                                     block="pages")
        rows = sorted(rows, key=lambda r: str(r[column]))
        if not any(reads(str(sql), name) for name in self.per_council):
            self.page_lists[f"{column}\x00{sql}"] = rows
        return rows

    def render(self, compiled: _Compiled, params, slug: str | None) -> None:
        """Run a page's blocks; unless the cache holds the page, render it (`draw`): here with one
        worker, else in the next batch of pages, which forked workers render (`dispatch`) while
        this process runs the next pages' queries. Workers never touch DuckDB."""
        page = str(compiled.source.path)
        where = f"{compiled.source.slug_column}={slug}" if slug else None
        try:
            data = self.runner.run(compiled.blocks, params, slug)
        except MissingColumnError as exc:
            raise SiteBuildError(page, str(exc), block=exc.query, params=where) from exc
        except (duckdb.Error, ValueError, jinja2.TemplateError) as exc:
            raise SiteBuildError(page, f"{type(exc).__name__}: {exc}", block=self.runner.current,
                                 params=where) from exc
        except Exception as exc:
            raise SiteBuildError(page, f"{type(exc).__name__}: {exc}", params=where) from exc
        finally:
            self.runner.current = None
            self.runner.drop(compiled.blocks, static=False)
        page_digest = ""
        if self.cache.enabled:
            page_digest = digest(compiled.digest, getattr(params, "_vals", params), sorted(self.runner.digests.items()))
            self.page_digests.append(page_digest)
            site_path = (self.section + compiled.source.site_path(slug)).rstrip("/")
            index = f"{site_path}/index.html" if site_path else "index.html"
            files = self.cache.hit(index, page_digest)
            if files is not None:
                for rel in files:
                    self.writer.count(rel)
                self.report.pages.append(index)
                self.report.pages_written += 1
                self.report.pages_cached += 1
                return
        task = (compiled.source, params, slug, data, self.context, page_digest)
        if self.workers == 1:
            self.draw(task)
            return
        self.batch.append(task)
        if len(self.batch) >= CHUNK_PAGES:
            self.dispatch()

    def draw(self, task: tuple) -> None:
        """Render one page from its data and write it (with its CSV files and search copy)."""
        source, params, slug, data, context, page_digest = task
        started = time.perf_counter()
        self.enter(context)
        page = str(source.path)
        where = f"{source.slug_column}={slug}" if slug else None
        own_path = source.site_path(slug)
        site_path = (self.section + own_path).rstrip("/")
        prefix = f"{site_path}/" if site_path else ""
        self.state.begin(site_path)
        try:
            title_template, description, body = self.templates_of(source)
            ctx = {**data, "params": params, "page": {
                "path": site_path, "section": own_path.split("/")[0], "source": source.rel.as_posix(),
                "scope": source.scope}}
            content = body.render(ctx)
            title = Markup(title_template.render(ctx))
            html = self.layout.render(ctx, content=Markup(content), title=title,
                                      description=Markup(description.render(ctx)))
        except MissingColumnError as exc:
            raise SiteBuildError(page, str(exc), block=exc.query, params=where) from exc
        except Exception as exc:
            raise SiteBuildError(page, f"{type(exc).__name__}: {exc}", params=where) from exc
        files = {f"{prefix}index.html": html.encode("utf-8")}
        files.update((prefix + name, content) for name, content in self.state.csv.items())
        try:
            for rel, content in files.items():
                self.writer.write(rel, content)
            self.cache.record(f"{prefix}index.html", page_digest, files)
            if self.search is not None and f"{prefix}index.html" not in search.SearchIndex.SKIP:
                self.light.append((f"{prefix}index.html", search.light_copy(html)))
                if not self.forked:  # a worker's go back with its share, written by this process in page order
                    self.search.add(self.light)
                    self.light = []
        except (OSError, ValueError) as exc:
            raise SiteBuildError(page, str(exc), params=where) from exc
        self.report.pages.append(f"{prefix}index.html")
        self.report.pages_written += 1
        self.report.pages_rendered += 1
        if self.forked:  # in this process, rendering counts in the page file's seconds
            key = f"{source.rel.as_posix()} (rendering, summed over workers)"
            self.report.seconds[key] = self.report.seconds.get(key, 0.0) + time.perf_counter() - started

    def open_pool(self) -> None:
        """Fork the render workers (one per core), early, while this process is small: they get
        their pages' data by pipe, so DuckDB's memory in this process is never copied into them."""
        global _WORKER_BUILDER
        if self.workers > 1:
            _WORKER_BUILDER = self
            try:
                self.pool = pool_open(self.workers)
            finally:
                _WORKER_BUILDER = None

    def dispatch(self) -> None:
        """Send the batch of pages to the workers, after they have finished the last batch (whose
        results are merged)."""
        batch, self.batch = self.batch, []
        self.finish()
        if self.search is not None:
            self.search.cut()  # index the rendered pages' copies now, if they are a part's worth
        if batch:
            self.running = self.pool.map_async(_render_share, [batch[i::self.workers] for i in range(self.workers)])

    def finish(self) -> None:
        """Wait for the workers rendering the last batch and take in what they did."""
        running, self.running = self.running, None
        if running is not None:
            parts = running.get()
            for part in parts:
                self.merge(part)
            if self.search is not None:  # in the order of the batch (share n holds its pages n, n + workers, ...)
                copies = sorted((place * len(parts) + n, rel, data)
                                for n, part in enumerate(parts) for place, rel, data in part["light"])
                self.search.add([(rel, data) for _, rel, data in copies])

    def close(self) -> None:
        """Render what is left of the batch, wait for it and close the pool (`stop` after a failure)."""
        if self.pool is not None:
            self.dispatch()
            self.finish()
            pool, self.pool = self.pool, None
            pool_close(pool)

    def stop(self) -> None:
        pool, self.pool, self.running, self.batch = self.pool, None, None, []
        if pool is not None:
            pool.terminate()
        if self.search is not None:
            self.search.stop()


# The site's DuckDB connection: past its limit, temp tables spill beside the warehouse. A site of
# one council renders its pages, with the downloads' export beside them, at PAGES_MEMORY_LIMIT on
# PAGES_THREADS (`_pages_memory`). A site of several needs DUCKDB_MEMORY_LIMIT for its shared
# queries and blocks run once for all councils (169 councils: the ward trends' join fails at 384
# MB), whose results every council's pages read back; lowered after them, the 169-council site's
# CPU was not shown to be the same (benchmarks/README.md, session 13 `sitemem`). Its export runs
# beside those queries, while the render workers have no pages yet, with as much again of its own:
# REGION_MEMORY_LIMIT, kept for the pages after them (at 169 councils the two fail at 640 MB, and
# at 768 MB spill so much that the site is no faster; benchmarks/README.md, session 15).
DUCKDB_MEMORY_LIMIT = "512MB"
REGION_MEMORY_LIMIT = "1GB"
PAGES_MEMORY_LIMIT = "384MB"
PAGES_THREADS = 1
SHUTDOWN_SECONDS = 30
CHUNK_PAGES = 250  # pages whose by/per rows a template holds in memory at a time; pages a batch of workers renders
_WORKER_BUILDER = None  # the builder as it was when the render workers were forked (before the big queries)


def _pages_memory(con) -> None:
    """A one-council site's pages: DuckDB's lower limit, on one thread (the render workers keep both
    cores busy meanwhile; the export's sort of a 100,000-row CSV part asks for 137 MiB at once,
    which 384 MB holds on one thread, not on two). 7,000 wards: the build process at most 612-655 MB
    instead of 732-781, its pages the same."""
    con.execute(f"set memory_limit = '{PAGES_MEMORY_LIMIT}'")
    con.execute(f"set threads = {PAGES_THREADS}")


def _pause_collector() -> bool:
    """For the build: Python's cyclic garbage collector off, and what is alive now (the caller's
    objects: Dagster's, the imports) frozen, so that no collection traverses it, here or in the
    forked workers (a collection writes to every object it traverses: a worker's would copy the
    pages it shares with this process). The build makes next to no cyclic garbage (the demo's
    240 pages rendered in one process: 908 objects), and the collections cost the build process
    a fifth of its CPU at 7,000 wards (10.1 s of 52.6: the rows it fetches are all alive when
    they run). Returns whether the collector was on (`_resume_collector`)."""
    enabled = gc.isenabled()
    gc.disable()
    gc.freeze()
    return enabled


def _resume_collector(enabled: bool) -> None:
    gc.unfreeze()
    if enabled:
        gc.enable()


def _release_free_memory() -> None:
    """In a worker after a share: give the C heap's free memory back to the system (glibc's
    malloc keeps what a share's pages and data freed; elsewhere nothing is done)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _default_signals() -> None:
    """In a forked worker: SIGTERM and SIGINT do what they normally do. A worker must not inherit
    the parent's handlers (Dagster's catches SIGTERM), or terminate() would not stop it."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def pool_open(workers: int):
    """Fork ``workers`` workers with default signal handling (a multiprocessing pool)."""
    return multiprocessing.get_context("fork").Pool(workers, initializer=_default_signals)


def pool_close(pool, shutdown_seconds: float = SHUTDOWN_SECONDS) -> None:
    """Close and join the pool; workers not gone within ``shutdown_seconds`` are terminated (with
    a warning), so a stuck worker never hangs the build."""
    pool.close()
    joiner = threading.Thread(target=pool.join, daemon=True)
    joiner.start()
    joiner.join(shutdown_seconds)
    if joiner.is_alive():
        warnings.warn(f"site: render workers had not exited {shutdown_seconds:g} s after their work; terminated",
                      RuntimeWarning, stacklevel=2)
        pool.terminate()
        joiner.join()


def _render_share(share: list[tuple]) -> dict:
    """In a worker: render a share of a batch of pages and return what was done (with the pages'
    copies for the search index)."""
    builder = _WORKER_BUILDER
    builder.start_share()
    copies = []  # (place in the share, page, copy)
    for place, task in enumerate(share):
        builder.draw(task)
        copies += [(place, rel, data) for rel, data in builder.light]
        builder.light = []
    result = builder.share_result()
    result["light"] = copies
    _release_free_memory()
    return result


class _Downloads:
    """The downloads (``downloads.export``) in a thread on a DuckDB cursor of their own, beside the
    pages: DuckDB writes the files without the GIL while pages render. ``start``: with the pages on
    a one-council site; on a site of several, before the queries all councils share, with memory of
    its own (REGION_MEMORY_LIMIT), as the render workers wait for them; ``wait`` before anything
    reads their temp tables (a page naming one of ``downloads.TABLES`` does) and before the
    search index (it starts them if need be); it records their files in the report and raises
    their error, if any."""

    def __init__(self, con, out_dir: Path, cache: OutputCache, dictionary_file: Path, report: SiteBuildReport,
                 warehouse: Path):
        self.file, self.report, self.warehouse = dictionary_file, report, warehouse
        try:
            dictionary = downloads.load_dictionary(dictionary_file)
        except (ValueError, OSError, yaml.YAMLError) as exc:
            raise SiteBuildError(str(dictionary_file), f"downloads: {type(exc).__name__}: {exc}") from exc
        downloads.public_views(con)  # the pages read the audit tables through these views too
        self.calls: list[tuple[str, str, bytes | None]] = []  # the writer's calls, made in the main thread
        self.result, self.error, self.seconds = None, None, 0.0
        self.cursor = con.cursor()
        self.thread = threading.Thread(target=self._run, args=(out_dir, cache, dictionary), daemon=True,
                                       name="site-downloads")
        self.done = False  # waited for
        self.readers: dict[Path, bool] = {}  # page file -> reads the downloads' tables (`needed_by`)

    def start(self) -> None:
        if self.thread.ident is None:  # not yet started
            self.thread.start()

    def running(self) -> bool:
        return self.thread.is_alive()

    def count(self, rel: str) -> None:
        self.calls.append(("count", rel, None))

    def write(self, rel: str, data: bytes) -> None:
        self.calls.append(("write", rel, data))

    def _run(self, out_dir: Path, cache: OutputCache, dictionary: dict) -> None:
        started = time.perf_counter()
        try:
            self.result = downloads.export(self.cursor, out_dir, cache, dictionary, self)
        except BaseException as exc:  # raised in the main thread by wait()
            self.error = exc
        self.seconds = time.perf_counter() - started

    def needed_by(self, path: Path) -> bool:
        """Whether the page file reads the downloads' tables (read once per build, not per council)."""
        if path not in self.readers:
            text = path.read_text(encoding="utf-8")
            self.readers[path] = any(re.search(rf"\b{name}\b", text) for name in downloads.TABLES)
        return self.readers[path]

    def wait(self, con, writer: _Writer) -> None:
        if self.done:
            return
        self.start()
        self.thread.join()
        self.done = True
        self.cursor.close()
        exc = self.error
        if isinstance(exc, duckdb.Error):  # reading the warehouse (out of memory, say), not the dictionary
            raise SiteBuildError(str(self.warehouse), f"downloads: {type(exc).__name__}: {exc}") from exc
        if isinstance(exc, (ValueError, OSError)):
            raise SiteBuildError(str(self.file), f"downloads: {type(exc).__name__}: {exc}") from exc
        if exc is not None:
            raise exc
        try:
            for kind, rel, data in self.calls:
                writer.write(rel, data) if kind == "write" else writer.count(rel)
            downloads.register(con, *self.result)
        except (duckdb.Error, ValueError, OSError) as exc:
            raise SiteBuildError(str(self.file), f"downloads: {type(exc).__name__}: {exc}") from exc
        self.report.seconds["downloads (CSV and Parquet)"] = self.seconds

    def stop(self) -> None:
        """After a failure elsewhere: interrupt the export (if it started) and wait for its thread."""
        if not self.done:
            self.done = True
            if self.thread.ident is not None:
                self.cursor.interrupt()
                self.thread.join()
            self.cursor.close()


def _data_is_demo(con) -> bool:
    row = con.execute("select coalesce(bool_or(is_demo), false) from marts.fct_indicator_values").fetchone()
    return bool(row[0])


def _last_updated(con) -> str:
    """The day the data were last loaded (audit.load_log), as people write dates: '2 December 2026'."""
    try:
        row = con.execute("select max(loaded_at) from audit.load_log").fetchone()
    except duckdb.Error:
        return ""
    return f"{row[0].day} {row[0]:%B %Y}" if row and row[0] else ""


def _site_councils(con) -> list[dict]:
    """The councils the site speaks for, in the configured order, each with its name (from the
    data), its section's address (slug), strategy and web address (configuration); as temp tables
    site_councils and site_council_missions (the missions the warehouse tracks for each council)
    for pages to read."""
    config = get_councils_config()
    names = dict(con.execute("select la_code, min(la_name) from marts.dim_ward group by la_code").fetchall())
    councils, slugs = [], set()
    for position, council in enumerate(c for c in config.councils if c.la_code in names):
        slug = slugify(names[council.la_code])
        if slug in slugs or slug in SITE_WIDE:
            slug = f"{slug}-{council.la_code.lower()}"
        slugs.add(slug)
        councils.append({"la_code": council.la_code, "la_name": names[council.la_code], "slug": slug,
                         "strategy": council.strategy, "website": council.website, "position": position})
    con.execute("create or replace temp table site_councils (la_code varchar, la_name varchar, slug varchar, "
                "strategy varchar, website varchar, position integer, home varchar)")
    # A council's missions are those the warehouse tracks for it (its configured missions).
    con.execute("create or replace temp table site_council_missions as "
                "select distinct la_code, mission_id from marts.fct_mission_progress")
    con.execute("create or replace temp table site_current as select null::varchar as la_code")
    for c in councils:
        con.execute("insert into site_councils values (?, ?, ?, ?, ?, ?, ?)",
                    [c["la_code"], c["la_name"], c["slug"], c["strategy"], c["website"], c["position"],
                     c["slug"] if len(councils) > 1 else ""])
    return councils


# Top-level folders every council shares on a multi-council site (never a council's address).
SITE_WIDE = {"downloads", "search", "models", "static", "pagefind", "index.html", "build-info.json"}


def _build_pages(builder: _Builder, sources: list[Path], pages_dir: Path, report: SiteBuildReport,
                 exports: _Downloads) -> None:
    """Every page: with one council as one site; with several, the council pages' blocks that
    return council_code once for all councils, the council pages once per council (each in its
    own section), then the site-wide pages and the region's home page. A page that reads the
    downloads' tables waits for them."""
    scopes = {}
    for path in sources:
        try:
            scopes[path] = read_page(path, pages_dir).scope
        except Exception as exc:
            raise SiteBuildError(str(path), f"{type(exc).__name__}: {exc}") from exc
    sections = {p.relative_to(pages_dir).parts[0].removesuffix(".md") for p, scope in scopes.items() if scope == "council"}
    sections = {"" if s == "index" else s for s in sections}

    def build(paths: list[Path]) -> None:
        # pages reading the downloads' tables last, so the export runs beside the other pages
        waiting = [p for p in paths if not exports.done and exports.needed_by(p)]
        for path in [p for p in paths if p not in waiting] + waiting:
            if path in waiting:
                exports.wait(builder.con, builder.writer)
            started = time.perf_counter()
            builder.build_file(path)
            rel = path.relative_to(pages_dir).as_posix()
            report.seconds[rel] = report.seconds.get(rel, 0.0) + time.perf_counter() - started

    council_pages = [p for p in sources if scopes[p] == "council"]
    if not builder.site["region"]:
        _pages_memory(builder.con)
        exports.start()
        builder.for_council(builder.councils[0] if builder.councils else None, sections)
        build([p for p in sources if scopes[p] != "region"])
        return
    started = time.perf_counter()
    builder.run_once_for_all_councils(council_pages)
    report.seconds["queries run once for all councils"] = time.perf_counter() - started
    for council in builder.councils:
        builder.for_council(council, sections)
        build(council_pages)
    builder.runner.release()
    builder.for_council(None, sections)
    build([p for p in sources if scopes[p] != "council"])


_UNIQUE_KEY = re.compile(r"^--\s*unique key:\s*(.+)$", re.M | re.I)


def _sort_order(con, sql: str) -> str:
    """`order by all`, or, when the query declares `-- unique key: a, b` (columns no two rows
    share), its columns up to the last key column: the same order (rows never tie on a unique
    key) with a far narrower sort key."""
    declared = _UNIQUE_KEY.search(sql)
    if not declared:
        return "order by all"
    key = [name.strip() for name in declared.group(1).split(",")]
    columns = [row[0] for row in con.execute(f"describe select * from ({sql})").fetchall()]
    missing = [name for name in key if name not in columns]
    if missing:
        raise ValueError(f"unique key column(s) {', '.join(missing)} not among the query's columns")
    last = max(columns.index(name) for name in key)
    return "order by " + ", ".join(f'"{name}"' for name in columns[:last + 1])


def _shared_queries(con, site_root: Path) -> frozenset[str]:
    """Each site/queries/<name>.sql as `<name>`. One that reads the current council (site_current,
    or a shared query that does) stays a view; every other one is computed once, as a temp table
    sorted by all its columns (`_sort_order`), so the thousands of page queries that read it (an
    indicator's rows for one council) scan a few row groups of a table instead of recomputing a
    join of the marts. Returns the names whose rows change from one council's section to the next."""
    per_council = {"site_current"}  # set per council
    for path in sorted((site_root / "queries").glob("*.sql")):
        try:
            sql = path.read_text(encoding="utf-8").strip().rstrip(";")
            if any(re.search(rf"\b{name}\b", sql, re.I) for name in per_council):
                per_council.add(path.stem)
                con.execute(f'create or replace temp view "{path.stem}" as {sql}')
            else:
                con.execute(f'create or replace temp table "{path.stem}" as select * from ({sql}) {_sort_order(con, sql)}')
        except (duckdb.Error, ValueError) as exc:
            raise SiteBuildError(str(path), str(exc), block=path.stem) from exc
    return frozenset(per_council | {"site_council"})


def _scratch_folder(folder: Path | None) -> Path:
    """The build's scratch folder: `folder` emptied (a killed build's copies) or a new temporary one."""
    if folder is None:
        return Path(tempfile.mkdtemp(prefix="sitegen-search-"))
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Path(folder)


# The pages' light copies for the search index (14,000 files at 169 councils) go in memory where
# there is a tmpfs with room: on these machines' disk (ext4 without a journal, mounted with
# `discard`) each copy costs a file's creation and, removed, a discard the removal waits for.
MEMORY_FOLDER = Path("/dev/shm")
MEMORY_FOLDER_FREE = 512 * 2**20  # bytes it must have free
_LIGHT_PREFIX, _LIGHT_LOCK = "sitegen-light-", ".in-use"


def _light_folder() -> tuple[Path, object] | None:
    """A new folder for the light copies in MEMORY_FOLDER and the open lock file that marks it in
    use (closed when the build removes the folder), or None where the folder is missing, not
    writable or short of room. Folders there whose lock no process holds (a killed build's) are
    removed first. The folder takes its name only once its lock is held, so another build starting
    at that moment never takes it for a killed build's."""
    try:
        room = os.statvfs(MEMORY_FOLDER)
        if room.f_bavail * room.f_frsize < MEMORY_FOLDER_FREE or not os.access(MEMORY_FOLDER, os.W_OK):
            return None
        for old in MEMORY_FOLDER.glob(_LIGHT_PREFIX + "*"):
            if not (old / _LIGHT_LOCK).exists() or not held_elsewhere(old / _LIGHT_LOCK):
                shutil.rmtree(old, ignore_errors=True)
        pending = Path(tempfile.mkdtemp(prefix=f".{_LIGHT_PREFIX}{os.getpid()}-", dir=MEMORY_FOLDER))
        lock = (pending / _LIGHT_LOCK).open("a+")
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        folder = pending.with_name(pending.name.removeprefix("."))
        os.rename(pending, folder)
        return folder, lock
    except OSError:
        return None


def _workers() -> int:
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _search_index(out_dir: Path, builder: _Builder, cache: OutputCache, writer: _Writer, report) -> None:
    key_digest = (digest("pagefind", search.version(), search.PARTS, search.PART_BYTES, sorted(builder.page_digests))
                  if cache.enabled else "")
    files = cache.hit(search.FOLDER, key_digest) if cache.enabled else None
    if files is None:
        try:
            files = builder.search.finish(out_dir, sorted(report.pages))
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            raise SiteBuildError(str(out_dir), f"search index: {exc}") from exc
        cache.record(search.FOLDER, key_digest, dict.fromkeys(files))
    for rel in files:
        writer.count(rel)
    report.search_indexed = True


def build_site(
    warehouse: Path,
    out_dir: Path,
    pages_dir: Path = Path("site/pages"),
    site_root: Path = Path("site"),
    is_demo: bool | None = None,
    cache_dir: Path | None = None,
    search_index: bool = True,
    workers: int | None = None,
    dbt_manifest: Path | None = None,
    scratch_dir: Path | None = None,
) -> SiteBuildReport:
    """Render every page under pages_dir from the (read-only) warehouse into out_dir.

    Also writes every marts and audit table as CSV and Parquet with a data dictionary
    (downloads/), the ward HexJSON, the static files and a Pagefind search index.
    Raises SiteBuildError naming the page, SQL block and cause on any failure; the
    caller then discards out_dir. `is_demo=True` forces the demonstration banner; it is
    also shown whenever any indicator value is flagged is_demo.

    `cache_dir` (kept between builds, e.g. site/.cache) makes rebuilds incremental: a page
    whose source, components, engine and query results are unchanged is not rendered again,
    and is put back from the cache if out_dir lacks it. `report.pages_rendered` counts the
    pages actually rendered. `workers` (default: one per available core): the pages' queries run
    in this process and their rendering in that many worker processes, forked at the start, a
    batch of pages at a time; 1 renders everything in this process.
    `dbt_manifest` (default dbt/target/manifest.json) documents the dbt models (site_models).
    `scratch_dir` (default: a temporary folder) holds the search index's bundles before they move
    into the site, and the pages' light copies for it where they cannot be kept in memory
    (`_light_folder`), while the build runs; the pipeline puts it beside its candidate site, so a
    run killed meanwhile leaves it where the next run's clean-up of candidates finds it.
    """
    warehouse, out_dir = Path(warehouse), Path(out_dir)
    pages_dir, site_root = Path(pages_dir), Path(site_root)
    if not warehouse.exists():
        raise SiteBuildError(str(warehouse), "warehouse file not found")
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    exports = builder = None
    scratch = _scratch_folder(scratch_dir)  # Pagefind's bundles (and the light copies, without memory_folder)
    in_memory = _light_folder() if search_index else None  # light copies of pages for Pagefind, and their lock
    memory_folder = in_memory[0] if in_memory else None
    collector = _pause_collector()
    try:
        con.execute(f"set memory_limit = '{DUCKDB_MEMORY_LIMIT}'")  # the shared temp tables spill beyond it
        try:
            demo = bool(is_demo) or _data_is_demo(con)
        except duckdb.Error as exc:
            raise SiteBuildError(str(warehouse), f"cannot read marts.fct_indicator_values: {exc}") from exc
        cache = OutputCache(cache_dir, out_dir)
        report = SiteBuildReport()
        writer = _Writer(out_dir, report)
        try:
            geography = geo.prepare(con)
            writer.write(f"{downloads.FOLDER}/wards.hexjson", geography.hexjson)
        except (duckdb.Error, ValueError, OSError) as exc:
            raise SiteBuildError(str(warehouse), f"ward geography: {type(exc).__name__}: {exc}") from exc
        try:
            councils = _site_councils(con)
        except (duckdb.Error, ValueError) as exc:
            raise SiteBuildError(str(warehouse), f"councils: {type(exc).__name__}: {exc}") from exc
        try:
            builder = _Builder(con, site_root, pages_dir, demo, geography, cache, report, writer, councils,
                               workers=_workers() if workers is None else max(1, workers))
        except (OSError, jinja2.TemplateError, ValueError) as exc:
            raise SiteBuildError(str(site_root), f"{type(exc).__name__}: {exc}") from exc
        if search_index:
            builder.search = (search.SearchIndex(memory_folder, search.PART_BYTES, bundles=scratch, drop_indexed=True)
                              if memory_folder else search.SearchIndex(scratch, search.PART_BYTES))
        builder.open_pool()
        exports = _Downloads(con, out_dir, cache, site_root / "data_dictionary.yml", report, warehouse)
        if builder.site["region"]:  # the export beside the queries run once for all councils, with room of its own
            con.execute(f"set memory_limit = '{REGION_MEMORY_LIMIT}'")
            exports.start()
        if builder.search is not None:  # the export fills DuckDB to its limit: Pagefind parts wait for its end
            builder.search.busy = exports.running
        builder.per_council = _shared_queries(con, site_root)
        manifest = Path(dbt_manifest) if dbt_manifest else DBT_PROJECT_DIR / "target" / "manifest.json"
        try:
            model_docs.register(con, manifest)
        except (duckdb.Error, ValueError, KeyError, OSError) as exc:
            raise SiteBuildError(str(manifest), f"model documentation: {type(exc).__name__}: {exc}") from exc
        sources = sorted(pages_dir.rglob("*.md"), key=lambda p: p.relative_to(pages_dir).as_posix())
        if not sources:
            raise SiteBuildError(str(pages_dir), "no pages (*.md) found")
        _build_pages(builder, sources, pages_dir, report, exports)
        builder.close()
        exports.wait(con, writer)
        con.close()  # the warehouse is read: its memory goes back before Pagefind needs its own
        static = site_root / "static"
        try:
            for path in sorted(p for p in static.rglob("*") if p.is_file()):
                writer.write("static/" + path.relative_to(static).as_posix(), path.read_bytes())
        except (OSError, ValueError) as exc:
            raise SiteBuildError(str(static), str(exc)) from exc
        if search_index:
            started = time.perf_counter()
            _search_index(out_dir, builder, cache, writer, report)
            report.seconds["search index (Pagefind)"] = time.perf_counter() - started
        info = {
            "built_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "is_demo": demo,
            "pages_written": report.pages_written,
            "pages_rendered": report.pages_rendered,
            "warehouse": warehouse.name,
        }
        writer.write("build-info.json", (json.dumps(info, indent=2, sort_keys=True) + "\n").encode())
        for rel in cache.finish():
            if rel not in writer.written:
                (out_dir / rel).unlink(missing_ok=True)
        return report
    finally:
        if builder is not None:
            builder.stop()
        if exports is not None:
            exports.stop()
        shutil.rmtree(scratch, ignore_errors=True)
        if in_memory is not None:
            shutil.rmtree(memory_folder, ignore_errors=True)
            in_memory[1].close()
        con.close()
        _resume_collector(collector)
