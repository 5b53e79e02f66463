"""Load a source's files into its raw table and record the row accounting in audit."""

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.defs.ingest import staging
from dagster_project.defs.ingest.engine import stage_csv
from dagster_project.defs.ingest.reader import (
    BATCH_SIZE, Digests, FileLoad, IngestError, Rejection, conflicting_duplicate, iter_file,
)
from dagster_project.defs.ingest.registry import Source
from dagster_project.regular_files import NotRegularFile, is_regular, kind, not_regular, open_regular

DEMO_MANIFEST = "demo_manifest.json"
FETCH_MANIFEST = "fetch_manifest.json"  # written by `make fetch`: the sha256 of every file it fetched
ENGINE_MIN_BYTES = 1 << 20  # smaller files load faster through the Python reader than through DuckDB's queries
KEPT_REJECTIONS = 1000  # rejections kept on each returned FileLoad for logs; all of them go to audit


MAX_MANIFEST_BYTES = 1 << 20


def demo_hashes(raw_dir: Path) -> dict[str, str]:
    """file name -> sha256 of the bundled demonstration files (empty for real inputs). The
    manifest is never followed through a symbolic link, and must be a small mapping of names to
    sha256 digests: it decides whether the site labels the data as demonstration data."""
    manifest = raw_dir / DEMO_MANIFEST
    if kind(manifest) == "absent":
        return {}
    try:
        with open_regular(manifest) as handle:
            text = handle.read(MAX_MANIFEST_BYTES + 1)
    except NotRegularFile as error:
        raise IngestError(str(error)) from None
    if len(text) > MAX_MANIFEST_BYTES:
        raise IngestError(f"{manifest}: not a demonstration manifest (a JSON file of at most {MAX_MANIFEST_BYTES:,} bytes)")
    try:
        files = json.loads(text.decode("utf-8"))["files"]
    except (ValueError, KeyError, TypeError) as error:
        raise IngestError(f"{manifest}: not a demonstration manifest ({type(error).__name__}: {error})") from None
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        raise IngestError(f"{manifest}: `files` must map file names to sha256 digests")
    return files


def dataset_switched(warehouse: Path, raw_dir: Path) -> bool:
    """Whether this run switches between the bundled demonstration data and real data: the
    published warehouse held demonstration files or not, and RAW_DIR holds the demonstration
    manifest or not. Decided once for the run from the published warehouse (which a run never
    writes), not from this run's own loads; an edited demo file is no switch."""
    if not warehouse.exists():
        return False
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (exists,) = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'audit' and table_name = 'load_log'"
        ).fetchone()
        was_demo = exists and con.execute("select bool_or(is_demo) from audit.load_log").fetchone()[0]
    return was_demo is not None and bool(was_demo) != bool(demo_hashes(raw_dir))


def files_for(source: Source, raw_dir: Path) -> list[Path]:
    """The regular files directly in raw_dir that the source accepts; a missing required source is
    an error. Symbolic links are never followed and pipes or devices never read: one whose name the
    source accepts is refused."""
    raw_dir = source.folder(raw_dir)
    matched = sorted(p for p in raw_dir.iterdir() if source.matches(p.name)) if raw_dir.is_dir() else []
    for path in matched:
        if kind(path) in ("link", "special"):
            raise IngestError(f"{path}: {not_regular(path)}")
    files = [p for p in matched if is_regular(p)]
    if not files and source.required:
        raise IngestError(
            f"{raw_dir}: required source {source.id!r} ({source.title}) is missing: "
            f"no file matches {list(source.files)}"
        )
    return files


def _insert_rows(con: duckdb.DuckDBPyConnection, source: Source, batch: FileLoad, loaded_at: datetime) -> None:
    """Append a batch to the staged rows; its file's sha256 and demo flag are set once the file is read."""
    if not batch.rows:
        return
    columns = list(zip(*batch.rows))
    frame = pd.DataFrame(
        {
            f"c{i}": pd.array(list(values), dtype=staging.PANDAS_TYPES[column_type])
            for i, (values, column_type) in enumerate(zip(columns, source.columns.values()))
        }
        | {"_row_number": pd.array(batch.row_numbers, dtype="Int64")}
    )
    con.register("incoming", frame)
    staging.insert_rows(con, source, ", ".join(f"c{i}" for i in range(len(source.columns))), "incoming", batch.file_name, loaded_at)
    con.unregister("incoming")


def _insert_rejections(con: duckdb.DuckDBPyConnection, source: Source, file_name: str, rejections: list[Rejection]) -> None:
    if not rejections:
        return
    frame = pd.DataFrame(
        {
            "row_number": pd.array([r.row_number for r in rejections], dtype="Int64"),
            "column_name": pd.array([r.column_name for r in rejections], dtype="string"),
            "value": pd.array([r.value for r in rejections], dtype="string"),
            "reason": pd.array([r.reason for r in rejections], dtype="string"),
        }
    )
    con.register("incoming_rejections", frame)
    staging.insert_rejections(con, "incoming_rejections", source.id, file_name)
    con.unregister("incoming_rejections")


def _reject_duplicate_keys(con: duckdb.DuckDBPyConnection, source: Source, file_name: str) -> tuple[int, list[Rejection]]:
    """Move the staged rows of one file whose key an earlier row of that file already has into the
    staged rejections (the reader's rule, applied in the warehouse so that memory stays bounded);
    return how many, and the first KEPT_REJECTIONS of them."""
    keys = ", ".join(f'"{source.raw_column(k)}"' for k in source.key)
    first_key = f'"{source.raw_column(source.key[0])}"'
    # Distinct hashes mean distinct keys (equal keys, NULLs too, hash alike): one cheap aggregate
    # settles nearly every file; only a repeated hash (a repeated key, or rarely a collision) needs
    # the keys themselves.
    (repeated,) = con.execute(
        f"select count(*) - count(distinct hash({keys})) from {staging.rows(source)} where _source_file = ?", [file_name]
    ).fetchall()[0]
    if repeated:
        (repeated,) = con.execute(
            f"select count(*) from (select 1 from {staging.rows(source)} where _source_file = ? group by {keys} having count(*) > 1)",
            [file_name],
        ).fetchall()[0]
    if not repeated:  # one aggregate instead of two window passes over the whole file
        return 0, []
    every = ", ".join(f'cast("{source.raw_column(n)}" as varchar)' for n in source.columns)
    conflict = con.execute(
        f"""select _row_number, first_row, first_values, this_values from (
            select _row_number, [{every}] as this_values,
                first_value(_row_number) over w as first_row, first_value([{every}]) over w as first_values
            from {staging.rows(source)} where _source_file = ?
            window w as (partition by {keys} order by _row_number)
        ) where _row_number <> first_row and this_values is distinct from first_values
        order by _row_number limit 1""",
        [file_name],
    ).fetchone()
    if conflict:
        row, first, first_values, values = conflict
        raise conflicting_duplicate(source, file_name, row, first, _typed(source, first_values), _typed(source, values))
    con.execute(
        f"""create or replace temp table _ingest_duplicates as
        select _row_number, cast({first_key} as varchar) as value, first_row from (
            select _row_number, {keys}, min(_row_number) over (partition by {keys}) as first_row
            from {staging.rows(source)} where _source_file = ?
        ) where _row_number <> first_row""",
        [file_name],
    )
    (count,) = con.execute("select count(*) from _ingest_duplicates").fetchone()
    sample = [
        Rejection(row, source.key[0], value, f"duplicate key: first seen on row {first}")
        for row, value, first in con.execute(
            "select * from _ingest_duplicates order by _row_number limit ?", [KEPT_REJECTIONS]
        ).fetchall()
    ]
    if count:  # moved in the warehouse: a file of millions of repeated rows never becomes Python objects
        con.execute(
            f"delete from {staging.rows(source)} where _source_file = ? and _row_number in (select _row_number from _ingest_duplicates)",
            [file_name],
        )
        staging.insert_rejections(
            con, "(select _row_number as row_number, ? as column_name, value, "
            "'duplicate key: first seen on row ' || first_row as reason from _ingest_duplicates)",
            source.id, file_name, [source.key[0]],
        )
    con.execute("drop table _ingest_duplicates")
    return count, sample


def _typed(source: Source, texts: list) -> list:
    """Cells read back from the warehouse as text, typed as the reader types them (for messages)."""
    convert = {"integer": int, "number": float}
    return [None if t is None else convert.get(kind, str)(t) for t, kind in zip(texts, source.columns.values())]


def _stage_file(
    con: duckdb.DuckDBPyConnection, source: Source, path: Path, loaded_at: datetime, demo: dict[str, str], batch_size: int,
    digests: Digests | None,
) -> FileLoad:
    """Stream one file into the staged rows and rejections; return its accounting (not its rows).
    A plain CSV file is read and typed by DuckDB (engine.stage_csv); any other, by the Python reader."""
    load = None
    if path.stat().st_size >= ENGINE_MIN_BYTES:
        load = stage_csv(con, source, path, loaded_at, KEPT_REJECTIONS, demo, digests)  # staged with its sha256
    if load is None:
        load = FileLoad(source.id, path.name, "", list(source.columns))
        for batch in iter_file(source, path, batch_size, check_keys=False):
            _insert_rows(con, source, batch, loaded_at)
            _insert_rejections(con, source, path.name, batch.rejections)
            load.absorb(batch, keep_rows=False, keep_rejections=KEPT_REJECTIONS)
        con.execute(
            f"update {staging.rows(source)} set _source_sha256 = ?, _is_demo = ? where _source_file = ?",
            [load.sha256, demo.get(path.name) == load.sha256, path.name],
        )
    count, sample = _reject_duplicate_keys(con, source, path.name)
    load.rows_passed_on -= count
    load.absorb(FileLoad(source.id, path.name, "", load.columns, rejections=sample), keep_rejections=KEPT_REJECTIONS)
    load.rejected_passed_on += count - len(sample)  # the duplicates beyond the sample, one row each
    load.rejections.sort(key=lambda r: r.row_number)
    return load


def _refuse_vanished(
    con: duckdb.DuckDBPyConnection, source: Source, raw_dir: Path, loads: list[FileLoad], switched: bool
) -> None:
    """A source that had rows in the last published warehouse and now has none (its file deleted,
    or replaced by a header-only file) would silently drop or empty a published series: refused,
    unless the registry marks the source `retired: true`, or RAW_DIR switched between the bundled
    demonstration data and real data (a different dataset, not a lost file: decided per run, by
    dataset_switched)."""
    if source.retired or sum(load.rows_loaded for load in loads):
        return
    before, files = con.execute(
        "select coalesce(sum(rows_loaded), 0), string_agg(file_name, ', ' order by file_name) "
        "from audit.load_log where source_id = ?", [source.id]
    ).fetchone()
    if before and not switched:
        now = f"{', '.join(l.file_name for l in loads)} has no data rows" if loads else f"no file matches {list(source.files)}"
        raise IngestError(
            f"{raw_dir}: source {source.id!r} ({source.title}) had {before} rows in the last published warehouse "
            f"(from {files}) but now {now}: a published series would be lost. Put the file back, or mark the "
            f"source `retired: true` in sources.yml to stop publishing it"
        )


def load_source(
    con: duckdb.DuckDBPyConnection, source: Source, raw_dir: Path, loaded_at: datetime, batch_size: int = BATCH_SIZE,
    switched: bool = False,
) -> list[FileLoad]:
    """Replace raw.<source> with the source's files and rewrite its audit rows, all or nothing:
    `stage_source`, then `commit_source`. A source that loaded rows before and now has none is
    refused (unless it is retired in the registry, or `switched` says this run changes dataset).
    An IngestError leaves raw.<source> and its audit rows as they were. The returned FileLoads
    hold counts and the first KEPT_REJECTIONS rejections, not the rows."""
    return commit_source(con, source, raw_dir, stage_source(con, source, raw_dir, loaded_at, batch_size, switched), loaded_at)


def stage_source(
    con: duckdb.DuckDBPyConnection, source: Source, raw_dir: Path, loaded_at: datetime, batch_size: int = BATCH_SIZE,
    switched: bool = False, digests: Digests | None = None,
) -> list[FileLoad]:
    """Stage the source's files (staging.py: the rows in a table beside the raw one, written as
    they come, so memory is bounded by the batch size, not the file; the rejections in a temporary
    table of this cursor), changing nothing published; refuse a source that vanished. The staged
    tables are dropped when it fails, else left for `commit_source` on the same cursor. Sources
    may be staged at once on cursors of their own. `digests`: the step's file digests, shared."""
    paths = files_for(source, raw_dir)
    demo = demo_hashes(raw_dir)
    staging.create(con, source)
    try:
        loads = [_stage_file(con, source, path, loaded_at, demo, batch_size, digests) for path in paths]
        _refuse_vanished(con, source, raw_dir, loads, switched)
    except BaseException:
        staging.drop(con, source)
        raise
    return loads


def commit_source(
    con: duckdb.DuckDBPyConnection, source: Source, raw_dir: Path, loads: list[FileLoad], loaded_at: datetime
) -> list[FileLoad]:
    """One transaction on the cursor that staged the source: rename the staged rows into place
    and rewrite the source's audit rows; the staged tables are dropped either way."""
    demo = demo_hashes(raw_dir)
    try:
        con.execute("begin")
        try:
            staging.swap(con, source)
            con.execute("delete from audit.load_log where source_id = ?", [source.id])
            con.execute("delete from audit.rejected_rows where source_id = ?", [source.id])
            con.execute(f"insert into audit.rejected_rows select * from {staging.REJECTIONS}")
            for load in loads:
                con.execute(
                    "insert into audit.load_log values (?, ?, ?, ?, ?, ?, ?, ?)",
                    [source.id, load.file_name, load.sha256, load.rows_read, load.rows_loaded,
                     load.rows_rejected, demo.get(load.file_name) == load.sha256, loaded_at],
                )
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    finally:
        staging.drop(con, source)
    return loads


def inventory(
    con: duckdb.DuckDBPyConnection, sources: dict[str, Source], raw_dir: Path, digests: Digests | None = None
) -> list[str]:
    """Record which source accepts each file in raw_dir; return the files not taken: names no
    source accepts, symbolic links and pipes or devices (never followed or read, so not hashed).
    `digests`: the step's file digests, shared."""
    rows, not_taken, sha256 = [], [], (digests or Digests()).of
    for path in sorted(raw_dir.iterdir()):
        found = kind(path)
        link, special = found == "link", found == "special"  # never followed or read
        if found not in ("file", "link", "special"):
            continue
        owners = [s.id for s in sources.values() if s.location == "raw" and s.matches(path.name)]
        if link or special:
            status = "refused: symbolic link" if link else "refused: not a regular file"
            not_taken.append(path.name)
        elif path.name in (DEMO_MANIFEST, FETCH_MANIFEST, "README.md"):
            status = "documentation"
        elif owners:
            status = "accepted"
        else:
            status = "unknown"
            not_taken.append(path.name)
        rows.append([path.name, None if link or special else sha256(path), owners[0] if owners else None, status])
    con.execute("delete from audit.file_inventory")
    if rows:
        con.executemany("insert into audit.file_inventory values (?, ?, ?, ?)", rows)
    return not_taken


def write_registry(con: duckdb.DuckDBPyConnection, sources: dict[str, Source]) -> int:
    """raw.source_registry: one row per declared source (feeds marts.dim_source)."""
    frame = pd.DataFrame(
        [
            {
                "source_id": s.id, "title": s.title, "publisher": s.publisher, "release": s.release,
                "url": s.url, "licence": s.licence, "attribution": s.attribution,
                "geography_level": s.geography_level, "geography_vintage": s.geography_vintage,
                "period": s.period_label, "period_start": s.period_start, "period_end": s.period_end,
            }
            for s in sources.values()
        ]
    ).astype("string").astype({"geography_vintage": "Int64"})
    con.register("registry", frame)
    con.execute(
        "create or replace table raw.source_registry as select * exclude (period_start, period_end), "
        "cast(period_start as date) as period_start, cast(period_end as date) as period_end from registry"
    )
    con.unregister("registry")
    return len(frame)
