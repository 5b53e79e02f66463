"""Load a source's files into its raw table and record the row accounting in audit."""

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from dagster_project.defs.ingest.reader import FileLoad, IngestError, read_file, sha256_of
from dagster_project.defs.ingest.registry import Source

DUCKDB_TYPES = {"area_code": "varchar", "text": "varchar", "integer": "bigint", "number": "double", "geometry": "varchar"}
PANDAS_TYPES = {"area_code": "string", "text": "string", "integer": "Int64", "number": "Float64", "geometry": "string"}
DEMO_MANIFEST = "demo_manifest.json"


def demo_hashes(raw_dir: Path) -> dict[str, str]:
    """file name -> sha256 of the bundled demonstration files (empty for real inputs)."""
    manifest = raw_dir / DEMO_MANIFEST
    if not manifest.exists():
        return {}
    return json.loads(manifest.read_text(encoding="utf-8"))["files"]


def files_for(source: Source, raw_dir: Path) -> list[Path]:
    """The files in raw_dir that the source accepts; a missing required source is an error."""
    files = sorted(p for p in raw_dir.iterdir() if p.is_file() and source.matches(p.name))
    if not files and source.required:
        raise IngestError(
            f"{raw_dir}: required source {source.id!r} ({source.title}) is missing: "
            f"no file matches {list(source.files)}"
        )
    return files


def _frame(source: Source, loads: list[FileLoad], loaded_at: datetime, demo: dict[str, str]) -> pd.DataFrame:
    data = {}
    for i, (name, column_type) in enumerate(source.columns.items()):
        values = [row[i] for load in loads for row in load.rows]
        data[source.raw_column(name)] = pd.array(values, dtype=PANDAS_TYPES[column_type])
    data["_source_file"] = pd.array([l.file_name for l in loads for _ in l.rows], dtype="string")
    data["_source_sha256"] = pd.array([l.sha256 for l in loads for _ in l.rows], dtype="string")
    data["_row_number"] = pd.array([n for l in loads for n in l.row_numbers], dtype="Int64")
    data["_is_demo"] = pd.array([demo.get(l.file_name) == l.sha256 for l in loads for _ in l.rows], dtype="boolean")
    frame = pd.DataFrame(data)
    frame["_loaded_at"] = pd.Timestamp(loaded_at)
    return frame


def _create_table_sql(source: Source) -> str:
    columns = [f'"{source.raw_column(n)}" {DUCKDB_TYPES[t]}' for n, t in source.columns.items()]
    columns += [
        "_source_file varchar", "_source_sha256 varchar", "_row_number bigint",
        "_is_demo boolean", "_loaded_at timestamp",
    ]
    return f"create or replace table {source.table} ({', '.join(columns)})"


def load_source(con: duckdb.DuckDBPyConnection, source: Source, raw_dir: Path, loaded_at: datetime) -> list[FileLoad]:
    """Replace raw.<source> with the source's files and rewrite its audit rows."""
    loads = [read_file(source, path) for path in files_for(source, raw_dir)]
    demo = demo_hashes(raw_dir)
    frame = _frame(source, loads, loaded_at, demo)
    con.execute("begin")
    try:
        con.execute(_create_table_sql(source))
        con.register("incoming", frame)
        con.execute(f"insert into {source.table} select * from incoming")
        con.unregister("incoming")
        con.execute("delete from audit.load_log where source_id = ?", [source.id])
        con.execute("delete from audit.rejected_rows where source_id = ?", [source.id])
        for load in loads:
            con.execute(
                "insert into audit.load_log values (?, ?, ?, ?, ?, ?, ?, ?)",
                [source.id, load.file_name, load.sha256, load.rows_read, load.rows_loaded,
                 load.rows_rejected, demo.get(load.file_name) == load.sha256, loaded_at],
            )
            if load.rejections:
                con.executemany(
                    "insert into audit.rejected_rows values (?, ?, ?, ?, ?, ?)",
                    [[source.id, load.file_name, r.row_number, r.column_name, r.value, r.reason]
                     for r in load.rejections],
                )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return loads


def inventory(con: duckdb.DuckDBPyConnection, sources: dict[str, Source], raw_dir: Path) -> list[str]:
    """Record which source accepts each file in raw_dir; return the files no source accepts."""
    rows, unknown = [], []
    for path in sorted(p for p in raw_dir.iterdir() if p.is_file()):
        owners = [s.id for s in sources.values() if s.matches(path.name)]
        if path.name in (DEMO_MANIFEST, "README.md"):
            status = "documentation"
        elif owners:
            status = "accepted"
        else:
            status = "unknown"
            unknown.append(path.name)
        rows.append([path.name, sha256_of(path), owners[0] if owners else None, status])
    con.execute("delete from audit.file_inventory")
    if rows:
        con.executemany("insert into audit.file_inventory values (?, ?, ?, ?)", rows)
    return unknown


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
