"""build_site: render every page of site/pages from the warehouse into a folder."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import jinja2
from markupsafe import Markup, escape

from .data import QueryResult
from .errors import MissingColumnError, SiteBuildError
from .page import JINJA_TAG, PageSource, compile_body, read_page
from .render import PageState, make_environment
from .sql import QueryRunner, SqlBlock, plan_blocks, sql_environment

SITE_NAME = "Wigan ward inequalities"
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


@dataclass
class SiteBuildReport:
    pages_written: int = 0
    files_written: int = 0
    pages: list[str] = field(default_factory=list)
    bytes_written: int = 0


class _Writer:
    """Writes files under out_dir only, once each, counting them."""

    def __init__(self, out_dir: Path, report: SiteBuildReport):
        self.root, self.report, self.dirs = out_dir.resolve(), report, set()

    def write(self, rel: str, data: bytes) -> None:
        path = (self.root / rel).resolve()
        if self.root not in path.parents:
            raise ValueError(f"refusing to write outside the site folder: {rel}")
        if path.exists():
            raise ValueError(f"two pages write the same file: {rel}")
        if path.parent not in self.dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.dirs.add(path.parent)
        path.write_bytes(data)
        self.report.files_written += 1
        self.report.bytes_written += len(data)


@dataclass
class _Compiled:
    source: PageSource
    title: jinja2.Template
    description: jinja2.Template
    body: jinja2.Template
    blocks: list[SqlBlock]


def _literal_template(env: jinja2.Environment, text: str) -> jinja2.Template:
    """Front-matter text: Jinja tags render (escaped); the text around them is escaped too."""
    parts, last = [], 0
    for m in JINJA_TAG.finditer(text):
        parts += [str(escape(text[last:m.start()])), m.group(0)]
        last = m.end()
    return env.from_string("".join(parts) + str(escape(text[last:])))


class _Builder:
    def __init__(self, con, site_root: Path, pages_dir: Path, out_dir: Path, is_demo: bool):
        self.con, self.pages_dir = con, pages_dir
        self.state = PageState()
        self.site = {"name": SITE_NAME, "is_demo": is_demo}
        self.env, self.components = make_environment(site_root, self.state, self.site)
        self.layout = self.env.get_template("base.html")
        self.sql_env = sql_environment()
        self.runner = QueryRunner(con)
        self.report = SiteBuildReport()
        self.writer = _Writer(out_dir, self.report)

    def compile(self, source: PageSource) -> _Compiled:
        html = compile_body(source.body, self.components)
        if re.search(r"<h1[\s>]", html):
            raise ValueError("the page title is the only h1: use '##' headings in the page")
        meta = source.meta
        title = str(meta.get("title") or source.rel.stem.replace("-", " ").capitalize())
        return _Compiled(
            source=source,
            title=_literal_template(self.env, title),
            description=_literal_template(self.env, str(meta.get("description") or "")),
            body=self.env.from_string(html),
            blocks=plan_blocks(self.sql_env, source.blocks, source.slug_column is not None),
        )

    def build_file(self, path: Path) -> None:
        page = str(path)
        try:
            compiled = self.compile(read_page(path, self.pages_dir))
        except Exception as exc:
            raise SiteBuildError(page, f"{type(exc).__name__}: {exc}") from exc
        column = compiled.source.slug_column
        try:
            if column is None:
                self.render(compiled, {}, None)
            else:
                for params in self.page_rows(compiled, column):
                    self.render(compiled, params, str(params[column]))
        finally:
            self.runner.drop(compiled.blocks, static=True)

    def page_rows(self, compiled: _Compiled, column: str) -> list:
        page, sql = str(compiled.source.path), compiled.source.meta.get("pages")
        if not sql:
            raise SiteBuildError(page, f"a [{column}] page needs a 'pages:' query in its front matter")
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
        return sorted(rows, key=lambda r: str(r[column]))

    def render(self, compiled: _Compiled, params, slug: str | None) -> None:
        page = str(compiled.source.path)
        where = f"{compiled.source.slug_column}={slug}" if slug else None
        site_path = compiled.source.site_path(slug)
        self.state.begin(site_path)
        try:
            data = self.runner.run(compiled.blocks, params, slug)
            ctx = {**data, "params": params, "page": {
                "path": site_path, "section": site_path.split("/")[0], "source": compiled.source.rel.as_posix()}}
            content = compiled.body.render(ctx)
            title = Markup(compiled.title.render(ctx))
            html = self.layout.render(ctx, content=Markup(content), title=title,
                                      description=Markup(compiled.description.render(ctx)))
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
        prefix = f"{site_path}/" if site_path else ""
        try:
            self.writer.write(f"{prefix}index.html", html.encode("utf-8"))
            for name, content in self.state.csv.items():
                self.writer.write(prefix + name, content)
        except (OSError, ValueError) as exc:
            raise SiteBuildError(page, str(exc), params=where) from exc
        self.report.pages.append(f"{prefix}index.html")
        self.report.pages_written += 1


def _data_is_demo(con) -> bool:
    row = con.execute("select coalesce(bool_or(is_demo), false) from marts.fct_indicator_values").fetchone()
    return bool(row[0])


def _shared_queries(con, site_root: Path) -> None:
    for path in sorted((site_root / "queries").glob("*.sql")):
        try:
            sql = path.read_text(encoding="utf-8").strip().rstrip(";")
            con.execute(f'create or replace temp view "{path.stem}" as {sql}')
        except duckdb.Error as exc:
            raise SiteBuildError(str(path), str(exc), block=path.stem) from exc


def build_site(
    warehouse: Path,
    out_dir: Path,
    pages_dir: Path = Path("site/pages"),
    site_root: Path = Path("site"),
    is_demo: bool | None = None,
) -> SiteBuildReport:
    """Render every page under pages_dir from the (read-only) warehouse into out_dir.

    Raises SiteBuildError naming the page, SQL block and cause on any failure; the
    caller then discards out_dir. `is_demo=True` forces the demonstration banner; it is
    also shown whenever any indicator value is flagged is_demo.
    """
    warehouse, out_dir = Path(warehouse), Path(out_dir)
    pages_dir, site_root = Path(pages_dir), Path(site_root)
    if not warehouse.exists():
        raise SiteBuildError(str(warehouse), "warehouse file not found")
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        try:
            demo = bool(is_demo) or _data_is_demo(con)
        except duckdb.Error as exc:
            raise SiteBuildError(str(warehouse), f"cannot read marts.fct_indicator_values: {exc}") from exc
        _shared_queries(con, site_root)
        try:
            builder = _Builder(con, site_root, pages_dir, out_dir, demo)
        except (OSError, jinja2.TemplateError, ValueError) as exc:
            raise SiteBuildError(str(site_root), f"{type(exc).__name__}: {exc}") from exc
        sources = sorted(pages_dir.rglob("*.md"), key=lambda p: p.relative_to(pages_dir).as_posix())
        if not sources:
            raise SiteBuildError(str(pages_dir), "no pages (*.md) found")
        for path in sources:
            builder.build_file(path)
        report = builder.report
        info = {
            "built_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "is_demo": demo,
            "pages_written": report.pages_written,
            "warehouse": warehouse.name,
        }
        static = site_root / "static"
        try:
            for path in sorted(p for p in static.rglob("*") if p.is_file()):
                builder.writer.write("static/" + path.relative_to(static).as_posix(), path.read_bytes())
            builder.writer.write("build-info.json", (json.dumps(info, indent=2, sort_keys=True) + "\n").encode())
        except (OSError, ValueError) as exc:
            raise SiteBuildError(str(static), str(exc)) from exc
        return report
    finally:
        con.close()
