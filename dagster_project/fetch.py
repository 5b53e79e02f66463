"""`make fetch`: download the registry's published files into RAW_DIR, when online.

Each source may declare `download:` entries of two kinds:

- a file: `url`, `file`, and optionally `bytes` and `sha256`. FETCH_MIRROR (or --mirror)
  fetches every such file by name from another base URL instead, for example a mirror.
- a Nomis API query (`nomis: <dataset>`), run for each configured council: `geography` (the
  Nomis geography TYPE of the rows, taken within the council), `params`, optional `dates`
  (`monthly_from: YYYY-MM` or `yearly_from: YYYY`, up to the latest the dataset has) and
  `columns`, which map the Nomis response onto the source's registered layout (a Nomis field,
  `=constant`, or `{FIELD: {DIMENSION: code}}` to spread a dimension's categories into columns).
  `file` may name the council as `{la_code}`. NOMIS_API (or --nomis) sets another API base URL.

Nomis documents its API at https://www.nomisweb.co.uk/api/v01/help: a query is
`/dataset/<id>.data.csv?geography=...&date=...&<dimension>=<codes>&measures=20100&select=...`;
geography takes ONS (GSS) codes or Nomis ids, and `<parent id>TYPE<n>` for the areas of type n
within a parent; a call returns at most 25,000 rows, further rows are fetched with RecordOffset,
and every row carries the query's RECORD_COUNT. Queries are split by date (12 months a call)
and paged; a query whose rows do not add up to RECORD_COUNT fails.

A download never harms the data already in RAW_DIR. Bytes stream (never held whole) into an
unnamed temporary file (O_TMPFILE: nothing is left behind even by a kill), within limits on
size (the declared `bytes`, else FETCH_MAX_BYTES, 256 MiB, the ingest's own cap on a CSV; a
Content-Length above it is refused before any byte is read) and on time (FETCH_DEADLINE seconds per file, 600, however slowly the
server drips). HTML or a content type that is not data is refused. Only a whole answer is
checked: the declared `bytes` and `sha256` of a pinned release; the layout the registry expects
(it must load through the ingest reader with no more rejected rows than the file it replaces,
and, with no pin, at least as many rows as the old file: a release of the same name never
shrinks); for API queries, the row count the API
reports (RECORD_COUNT) and no rejected row. Only then does it replace the old file (a hidden
`.<name>.verify` copy renamed over it; any left by a killed fetch are removed at the next
start). The sha256 of every file fetched is recorded in RAW_DIR/fetch_manifest.json.
"""

import argparse
import csv
import datetime as dt
import hashlib
import json
import os
import re
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project.defs.ingest.loader import FETCH_MANIFEST
from dagster_project.defs.ingest.reader import read_file, sha256_of
from dagster_project.defs.ingest.registry import AREA_CODE_PATTERNS, Source, load_registry
from dagster_project.regular_files import is_regular, kind, not_regular
from dagster_project.settings import REPO_ROOT, get_councils_config, get_settings

NOMIS_API = "https://www.nomisweb.co.uk/api/v01"
NOMIS_PAGE_ROWS = 25_000  # the most rows Nomis returns in one call without an API key
DATES_PER_CALL = 12
# The council fetched when neither FETCH_COUNCILS nor config/councils.yml (COUNCILS_CONFIG) names one.
DEFAULT_COUNCILS = ("E08000010",)
MAX_BYTES = int(os.environ.get("FETCH_MAX_BYTES") or 256 << 20)  # a file without a declared size (ingest's max_file_bytes)
DEADLINE = float(os.environ.get("FETCH_DEADLINE") or 600)  # seconds for one file or API call
PROBE_MAX_BYTES = 1 << 20  # a one-row probe answer is a few hundred bytes
BYTES_PER_API_ROW = 4096  # an API page of n rows may be at most n times this
NOT_DATA = ("text/html", "application/xhtml+xml", "text/xml", "application/xml", "image/", "audio/", "video/")


@dataclass(frozen=True)
class Download:
    source_id: str
    url: str
    file: str
    bytes: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class Fetched:
    download: Download
    status: str  # "downloaded", "unchanged" or "failed: <why>"
    sha256: str | None = None
    rows: int | None = None  # rows written, for API queries
    calls: int = 0  # API calls made
    periods: str | None = None  # the periods asked for, for API queries


@dataclass(frozen=True)
class NomisQuery:
    """One `nomis:` download entry of a source (see the module docstring)."""

    source_id: str
    dataset: str
    file: str
    geography: str
    params: dict[str, str]
    columns: dict[str, object]
    dates: dict[str, str] = field(default_factory=dict)

    def for_council(self, la_code: str) -> str:
        return self.file.format(la_code=la_code)


class FetchError(Exception):
    """A query's response cannot be trusted or converted; the old file is kept."""


def downloads(sources: dict[str, Source]) -> list[Download]:
    return [Download(s.id, **entry) for s in sources.values() for entry in s.downloads if "url" in entry]


def nomis_queries(sources: dict[str, Source]) -> list[NomisQuery]:
    queries = []
    for s in sources.values():
        for entry in s.downloads:
            if "nomis" not in entry:
                continue
            query = NomisQuery(
                source_id=s.id,
                dataset=str(entry["nomis"]),
                file=str(entry["file"]),
                geography=str(entry["geography"]),
                params={k: str(v) for k, v in (entry.get("params") or {}).items()},
                columns=dict(entry["columns"]),
                dates={k: str(v) for k, v in (entry.get("dates") or {}).items()},
            )
            if list(query.columns) != list(s.columns):
                raise ValueError(
                    f"sources.yml: source {s.id!r}: nomis download columns {list(query.columns)} "
                    f"are not its registered layout {list(s.columns)}"
                )
            queries.append(query)
    return queries


def council_codes() -> tuple[str, ...]:
    """LA codes to fetch: FETCH_COUNCILS (comma-separated), else the `councils:` list of
    config/councils.yml (or COUNCILS_CONFIG), else DEFAULT_COUNCILS."""
    if os.environ.get("FETCH_COUNCILS"):
        codes = tuple(c.strip() for c in os.environ["FETCH_COUNCILS"].split(",") if c.strip())
        origin = "FETCH_COUNCILS"
    else:
        config = Path(os.environ.get("COUNCILS_CONFIG") or REPO_ROOT / "config" / "councils.yml")
        if kind(config) == "absent":
            return DEFAULT_COUNCILS
        parsed = get_councils_config()  # validated, and never through a link
        codes, origin = tuple(parsed.la_codes), str(parsed.path)
    bad = [c for c in codes if not re.fullmatch(AREA_CODE_PATTERNS["la"], c)]
    if bad or not codes:
        raise ValueError(f"{origin}: {bad[0] if bad else 'no councils'}: expected local authority codes such as E08000010")
    return codes


# --- files -------------------------------------------------------------------------------------


def _inside(raw_dir: Path, name: str) -> Path:
    target = raw_dir / name
    if kind(target) == "link":  # a pipe in the way is replaced, never read
        raise FetchError(f"{target} {not_regular(target)}; it is never replaced (remove it)")
    if target.resolve().parent != raw_dir.resolve():
        raise FetchError(f"file name {name!r} would leave {raw_dir}")
    return target


class _Unnamed:
    """A temporary file in `folder` with no name (O_TMPFILE): a kill leaves nothing behind.
    Where the file system cannot make one, a named hidden file removed on close."""

    def __init__(self, folder: Path):
        try:
            self.fd, self.path = os.open(folder, os.O_TMPFILE | os.O_RDWR, 0o600), None
        except (AttributeError, OSError):
            handle, name = tempfile.mkstemp(dir=folder, prefix=".fetch-", suffix=".partial")
            self.fd, self.path = handle, Path(name)

    def write(self, block: bytes) -> None:
        view = memoryview(block)
        while view:
            view = view[os.write(self.fd, view):]

    def close(self) -> None:
        os.close(self.fd)
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    def materialise(self, target: Path) -> Path:
        """Copy the bytes to a hidden name beside `target` (for the reader, then the rename)."""
        staged = target.with_name(f".{target.name}.verify")
        size = os.fstat(self.fd).st_size
        with staged.open("wb") as out:
            offset = 0
            while offset < size:
                offset += os.sendfile(out.fileno(), self.fd, offset, size - offset)
        return staged


def remove_leftovers(raw_dir: Path) -> list[Path]:
    """Hidden files a killed fetch left in raw_dir (`.<name>.verify`, `.<name>.partial`)."""
    leftovers = [p for pattern in (".*.verify", ".*.partial") for p in raw_dir.glob(pattern) if is_regular(p)]
    for path in leftovers:
        path.unlink(missing_ok=True)
    return leftovers


def _stream(url: str, out: _Unnamed, limit: int, timeout: float, deadline: float, accept_csv_only: bool = False) -> tuple[int, str]:
    """Stream a URL's body into `out`: refused when the content type is not data, the declared
    Content-Length or the bytes received pass `limit`, the body is cut short, or the deadline
    (time.monotonic) passes, however slowly the bytes come. Returns (bytes, sha256)."""
    digest, size = hashlib.sha256(), 0
    with urllib.request.urlopen(url, timeout=min(timeout, max(deadline - time.monotonic(), 0.1))) as response:
        kind = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind.startswith(NOT_DATA) or (accept_csv_only and kind and kind not in ("text/csv", "text/plain", "application/csv", "application/octet-stream")):
            raise FetchError(f"the server answered with {kind!r}, not data")
        expected = response.headers.get("Content-Length")
        if expected is not None and int(expected) > limit:
            raise FetchError(f"the server announces {int(expected):,} bytes, more than the {limit:,} allowed")
        while True:
            if time.monotonic() > deadline:
                raise FetchError(f"not complete within the time allowed ({size:,} bytes received)")
            block = response.read1(1 << 16)
            if not block:
                break
            size += len(block)
            if size > limit:
                raise FetchError(f"more than the {limit:,} bytes allowed")
            if size == len(block) and block.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html", b"<?xml", b"<head")):
                raise FetchError("the server answered with an HTML page, not data")
            out.write(block)
            digest.update(block)
    if expected is not None and int(expected) != size:
        raise FetchError(f"received {size} of {expected} bytes")
    return size, digest.hexdigest()


def _source_for(name: str) -> Source | None:
    return next((s for s in load_registry().values() if s.matches(name)), None)


def _check_layout(staged: Path, target: Path, source: Source | None, pinned: bool) -> None:
    """The registry's layout: the file loads through the ingest reader with no more rejected rows
    than the file it replaces, and (unpinned) at least as many rows (a half-length answer, valid
    to the last row, once replaced a good file)."""
    if source is None:
        return
    try:
        new = read_file(source, staged)
    except Exception as error:
        raise FetchError(f"not in the layout source {source.id!r} expects: {error}") from None
    old = None
    if is_regular(target):
        try:
            old = read_file(source, target)
        except Exception:
            old = None
    if new.rows_loaded == 0:
        raise FetchError(f"no row loads as source {source.id!r}")
    if new.rows_rejected > (old.rows_rejected if old else 0):
        first = new.rejections[0]
        raise FetchError(f"{new.rows_rejected} rows would be rejected by source {source.id!r}, first row "
                         f"{first.row_number}, column {first.column_name!r}: {first.reason} (a cut-off or damaged file?)")
    if old and not pinned and new.rows_loaded < old.rows_loaded:
        raise FetchError(f"{new.rows_loaded} rows where the file it would replace has {old.rows_loaded}: "
                         "refused (put the file in by hand if the release really shrank)")


def _install(staged: Path, target: Path, digest: str) -> str:
    """Rename a checked file over the target; 'unchanged' when the bytes are the same."""
    if is_regular(target) and sha256_of(target) == digest:
        staged.unlink()
        return "unchanged"
    os.replace(staged, target)
    return "downloaded"


def _fetch_one(item: Download, raw_dir: Path, mirror: str | None, timeout: float) -> Fetched:
    url = f"{mirror.rstrip('/')}/{item.file}" if mirror else item.url
    try:
        target = _inside(raw_dir, item.file)
    except FetchError as error:
        return Fetched(item, f"failed: {error}")
    out, staged = _Unnamed(raw_dir), None
    try:
        size, digest = _stream(url, out, item.bytes or MAX_BYTES, timeout, time.monotonic() + DEADLINE)
        problems = []
        if item.bytes is not None and item.bytes != size:
            problems.append(f"expected {item.bytes} bytes, received {size}")
        if item.sha256 and item.sha256 != digest:
            problems.append(f"sha256 {digest} is not the expected {item.sha256}")
        if problems:
            raise FetchError("; ".join(problems))
        staged = out.materialise(target)
        _check_layout(staged, target, _source_for(item.file), pinned=bool(item.sha256))
        status = _install(staged, target, digest)
    except Exception as error:  # network, HTTP and validation errors all leave the old file
        return Fetched(item, f"failed: {url}: {error}")
    finally:
        out.close()
        if staged is not None:
            staged.unlink(missing_ok=True)
    return Fetched(item, status, digest)


# --- Nomis API queries -------------------------------------------------------------------------


class _Nomis:
    """Calls to one Nomis API base URL, counted."""

    def __init__(self, base: str, timeout: float, page_rows: int, folder: Path):
        self.base, self.timeout, self.page_rows, self.calls = base.rstrip("/"), timeout, page_rows, 0
        self.folder = folder  # where answers stream to (unnamed files)

    def url(self, dataset: str, params: dict[str, str]) -> str:
        return f"{self.base}/dataset/{dataset}.data.csv?{urllib.parse.urlencode(params, safe=',')}"

    def get(self, url: str, needed: list[str], max_rows: int | None = None) -> list[dict[str, str]]:
        """One call: the rows of a CSV response, after checking it is whole and has the fields.
        The answer streams to an unnamed file, at most `max_rows` rows' worth of bytes (a page,
        or a one-row probe), within the deadline; a wrong content type or HTML is refused."""
        self.calls += 1
        limit = PROBE_MAX_BYTES if max_rows == 1 else (max_rows or self.page_rows) * BYTES_PER_API_ROW
        out = _Unnamed(self.folder)
        try:
            try:
                _stream(url, out, limit, self.timeout, time.monotonic() + DEADLINE, accept_csv_only=True)
            except FetchError as error:
                raise FetchError(f"{url}: {error}") from None
            with os.fdopen(os.dup(out.fd), "r", encoding="utf-8-sig", newline="") as text:
                text.seek(0)
                reader = csv.DictReader(text)
                missing = [name for name in needed if name not in (reader.fieldnames or [])]
                if missing:
                    raise FetchError(f"{url}: the response has no {missing[0]} column (header {reader.fieldnames})")
                rows = []
                for row in reader:
                    if None in row or None in row.values():
                        raise FetchError(f"{url}: a row has more or fewer fields than the header (a cut-off response?)")
                    rows.append(row)
                    if max_rows is not None and len(rows) > max_rows:
                        raise FetchError(f"{url}: more than the {max_rows} rows asked for")
        finally:
            out.close()
        return rows

    def paged(self, dataset: str, params: dict[str, str], fields: list[str]) -> list[dict[str, str]]:
        """Every row of a query, RecordOffset page by page, checked against RECORD_COUNT."""
        select = {**params, "select": ",".join(f.lower() for f in [*fields, "RECORD_COUNT"])}
        rows: list[dict[str, str]] = []
        total = None
        while total is None or len(rows) < total:
            url = self.url(dataset, {**select, "RecordLimit": str(self.page_rows), "RecordOffset": str(len(rows))})
            page = self.get(url, [*fields, "RECORD_COUNT"], self.page_rows)
            counts = {row["RECORD_COUNT"] for row in page}
            if len(counts) > 1 or (total is not None and counts and counts != {str(total)}):
                raise FetchError(f"{url}: RECORD_COUNT changed between rows or pages ({sorted(counts)})")
            if not page:
                if total is None:
                    return rows  # the query has no rows
                raise FetchError(f"{url}: an empty page after {len(rows)} of {total} rows")
            total = int(counts.pop())
            if len(page) > self.page_rows:
                raise FetchError(f"{url}: {len(page)} rows in a page of {self.page_rows}")
            rows.extend(page)
        if len(rows) != total:
            raise FetchError(f"{self.url(dataset, select)}: received {len(rows)} rows, RECORD_COUNT says {total}")
        return rows


def _fields(query: NomisQuery) -> tuple[list[str], list[str]]:
    """The response fields that form each output row's key, and every field the query needs."""
    keys, needed = [], []
    for spec in query.columns.values():
        if isinstance(spec, dict):
            ((value_field, where),) = spec.items()
            needed += [value_field, *where]
        elif not str(spec).startswith("="):
            keys.append(str(spec))
    return keys, list(dict.fromkeys(keys + needed))


def _dates(query: NomisQuery, latest: str) -> list[str] | None:
    """The periods to ask for, oldest first, or None for the dataset's latest only."""
    if "monthly_from" in query.dates:
        start, end = (dt.date.fromisoformat(f"{d}-01") for d in (query.dates["monthly_from"], latest))
        months, year, month = [], start.year, start.month
        while (year, month) <= (end.year, end.month):
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months
    if "yearly_from" in query.dates:
        return [str(y) for y in range(int(query.dates["yearly_from"]), int(latest) + 1)]
    return None


def _convert(query: NomisQuery, rows: list[dict[str, str]], where: str) -> list[list[str]]:
    """Nomis rows (one per area, period and category) to rows of the registered layout."""
    keys, _ = _fields(query)
    spread = {name: spec for name, spec in query.columns.items() if isinstance(spec, dict)}
    grouped: dict[tuple, dict[str, str]] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        if not spread and key in grouped:
            raise FetchError(f"{where}: two rows for {dict(zip(keys, key))}")
        cells = grouped.setdefault(key, {})
        for name, spec in spread.items():
            ((value_field, condition),) = spec.items()
            if all(row[dim] == str(code) for dim, code in condition.items()):
                if name in cells:
                    raise FetchError(f"{where}: two values of {name} for {dict(zip(keys, key))}")
                cells[name] = row[value_field]
    out = []
    for key in sorted(grouped):
        cells, line = grouped[key], []
        for name, spec in query.columns.items():
            if isinstance(spec, dict):
                if name not in cells:
                    raise FetchError(f"{where}: no value of {name} ({spec}) for {dict(zip(keys, key))}")
                line.append(cells[name])
            elif str(spec).startswith("="):
                line.append(str(spec)[1:])
            else:
                line.append(key[keys.index(str(spec))])
        out.append(line)
    return out


def _query_rows(query: NomisQuery, la_code: str, nomis: _Nomis) -> tuple[list[list[str]], str, str]:
    """Every row of one query for one council, converted to the registered layout; with the
    query's URL (without dates and paging) and the periods asked for."""
    _, needed = _fields(query)
    probe_params = {"geography": la_code, "date": "latest", **query.params}
    probe = nomis.get(
        nomis.url(query.dataset, {**probe_params, "select": "date,geography,geography_code", "RecordLimit": "1"}),
        ["DATE", "GEOGRAPHY", "GEOGRAPHY_CODE"],
        max_rows=1,
    )
    if not probe or probe[0]["GEOGRAPHY_CODE"] != la_code:
        raise FetchError(f"Nomis dataset {query.dataset} has no area {la_code} (the council's code)")
    within = f"{probe[0]['GEOGRAPHY']}{query.geography}"  # the areas of that TYPE within the council
    dates = _dates(query, probe[0]["DATE"])
    chunks = [["latest"]] if dates is None else [dates[i : i + DATES_PER_CALL] for i in range(0, len(dates), DATES_PER_CALL)]
    rows = []
    for chunk in chunks:
        rows += nomis.paged(query.dataset, {"geography": within, "date": ",".join(chunk), **query.params}, needed)
    if not rows:
        raise FetchError(f"Nomis dataset {query.dataset} returned no rows for {query.geography} within {la_code}")
    periods = "latest" if dates is None else f"{dates[0]} to {dates[-1]}"
    url = nomis.url(query.dataset, {"geography": within, **query.params})
    return _convert(query, rows, f"Nomis {query.dataset} for {la_code}"), url, periods


def _fetch_query(query: NomisQuery, la_code: str, source: Source, raw_dir: Path, nomis: _Nomis) -> Fetched:
    name = query.for_council(la_code)
    item = Download(query.source_id, nomis.url(query.dataset, {"geography": la_code, **query.params}), name)
    calls_before = nomis.calls
    partial = None
    try:
        target = _inside(raw_dir, name)
        partial = target.with_name(f".{target.name}.partial")
        rows, url, periods = _query_rows(query, la_code, nomis)
        item = Download(query.source_id, url, name)
        with partial.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(query.columns)
            writer.writerows(rows)
        load = read_file(source, partial)  # the registry is the contract: every row must load
        if load.rows_rejected:
            first = load.rejections[0]
            raise FetchError(
                f"{load.rows_rejected} rows would be rejected by source {source.id!r}, first row "
                f"{first.row_number}, column {first.column_name!r}: {first.reason} ({first.value!r})"
            )
        digest = load.sha256
    except Exception as error:  # network, HTTP, response and layout errors all leave the old file
        if partial is not None:
            partial.unlink(missing_ok=True)
        return Fetched(item, f"failed: {name}: {error}", calls=nomis.calls - calls_before)
    return Fetched(item, _install(partial, target, digest), digest, len(rows), nomis.calls - calls_before, periods)


# --- manifest and entry points -----------------------------------------------------------------


def _write_manifest(raw_dir: Path, results: list[Fetched]) -> None:
    """Record the sha256, size and origin of every file fetched (failures keep their old entry)."""
    path = raw_dir / FETCH_MANIFEST
    if not path.exists() and all(r.status.startswith("failed") for r in results):
        return  # nothing fetched, nothing to record
    try:
        manifest = json.loads(path.read_text(encoding="utf-8")) if is_regular(path) else {}  # a link or pipe is replaced, never read
    except (OSError, ValueError):
        manifest = {}
    files = manifest.get("files") if isinstance(manifest.get("files"), dict) else {}
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    for r in results:
        if r.status.startswith("failed"):
            continue
        entry = {"source_id": r.download.source_id, "url": r.download.url, "sha256": r.sha256,
                 "bytes": (raw_dir / r.download.file).stat().st_size}
        previous = files.get(r.download.file) or {}
        if r.rows is not None:
            entry["rows"], entry["periods"] = r.rows, r.periods
        entry["fetched_at"] = previous.get("fetched_at", now) if r.status == "unchanged" and previous.get("sha256") == r.sha256 else now
        entry["checked_at"] = now
        files[r.download.file] = entry
    files = {name: files[name] for name in sorted(files) if is_regular(raw_dir / name)}
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps({"files": files}, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, path)


def fetch_files(raw_dir: Path, mirror: str | None = None, timeout: float = 60.0) -> list[Fetched]:
    """Download every declared file into raw_dir; one result per file."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    return [_fetch_one(item, raw_dir, mirror, timeout) for item in downloads(load_registry())]


def fetch_queries(
    raw_dir: Path, nomis: str | None = None, timeout: float = 60.0, councils: tuple[str, ...] | None = None,
    page_rows: int = NOMIS_PAGE_ROWS,
) -> list[Fetched]:
    """Run every declared Nomis query for every council into raw_dir; one result per file.
    The API base URL is `nomis`, else NOMIS_API, else Nomis itself."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    sources = load_registry()
    client = _Nomis(nomis or os.environ.get("NOMIS_API") or NOMIS_API, timeout, page_rows, raw_dir)
    return [
        _fetch_query(query, la_code, sources[query.source_id], raw_dir, client)
        for query in nomis_queries(sources)
        for la_code in (councils or council_codes())
    ]


def fetch(
    raw_dir: Path, mirror: str | None = None, timeout: float = 60.0, nomis: str | None = None,
    councils: tuple[str, ...] | None = None, page_rows: int = NOMIS_PAGE_ROWS,
) -> list[Fetched]:
    """Download every declared file and run every declared query; record checksums in the manifest."""
    councils = councils or council_codes()  # a bad council list fails before anything is fetched
    raw_dir.mkdir(parents=True, exist_ok=True)
    remove_leftovers(raw_dir)
    results = fetch_files(raw_dir, mirror, timeout) + fetch_queries(raw_dir, nomis, timeout, councils, page_rows)
    _write_manifest(raw_dir, results)
    return results


def summary(results: list[Fetched], raw_dir: Path) -> str:
    statuses = [r.status.split(":")[0] for r in results]
    queried = [r for r in results if r.rows is not None]
    return (
        f"{len(results) - statuses.count('failed')} of {len(results)} files fetched into {raw_dir} "
        f"({statuses.count('downloaded')} new or changed, {statuses.count('unchanged')} unchanged, "
        f"{statuses.count('failed')} failed); Nomis: {sum(r.calls for r in results)} calls, "
        f"{sum(r.rows for r in queried)} rows in {len(queried)} files; sha256 in {FETCH_MANIFEST}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", default=os.environ.get("FETCH_MIRROR"), help="base URL to fetch files from by name")
    parser.add_argument("--nomis", default=os.environ.get("NOMIS_API"), help=f"Nomis API base URL (default {NOMIS_API})")
    parser.add_argument("--council", action="append", help="LA code to fetch (repeatable; default: FETCH_COUNCILS, "
                        "config/councils.yml, else E08000010)")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    raw_dir = get_settings().raw_dir
    try:
        results = fetch(raw_dir, args.mirror, args.timeout, args.nomis, tuple(args.council) if args.council else None)
    except ValueError as error:  # a bad council list or download entry: nothing was fetched
        print(f"make fetch: {error}", file=sys.stderr)
        return 2
    for r in results:
        rows = f" ({r.rows} rows, {r.calls} calls)" if r.rows is not None else ""
        print(f"{r.status:<12.12} {r.download.source_id:<34} {r.download.file}{rows}" if not r.status.startswith("failed")
              else f"{r.download.source_id}: {r.download.file}: {r.status}")
    print(summary(results, raw_dir))
    return 1 if any(r.status.startswith("failed") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
