"""Is a dbt build needed? A fingerprint of everything the build reads — the loaded sources
(pipeline_state.ingest), the dbt project, the statistical methods and DuckDB functions it calls,
the configured councils and the tool versions — is kept in the warehouse (pipeline_state.transform) after
each full build, with the results of its dbt tests (pipeline_state.transform_checks). A run whose
fingerprint matches the published one rebuilds nothing and reports those stored results."""

from __future__ import annotations

import hashlib
from importlib.metadata import version
from pathlib import Path

import duckdb

from dagster_project.inputs import digest, fingerprint_inputs

STATE_DDL = (
    "create schema if not exists pipeline_state; "
    "create table if not exists pipeline_state.transform (fingerprint varchar, built_at timestamp); "
    "create table if not exists pipeline_state.transform_checks ("
    "asset_key varchar, check_name varchar, passed boolean, severity varchar)"
)


def code_fingerprint() -> str:
    """sha256 over the dbt project's files and the Python code its models and functions run."""
    versions = "".join(f"{package}={version(package)}\0" for package in ("dbt-core", "dbt-duckdb", "duckdb", "numpy", "pandas", "scipy"))
    return hashlib.sha256((digest(sorted(fingerprint_inputs()["transform"])) + versions).encode()).hexdigest()


def build_fingerprint(con: duckdb.DuckDBPyConnection, dbt_vars: str) -> str | None:
    """The fingerprint of a build on this warehouse's sources now; None when unknown."""
    (exists,) = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'pipeline_state' and table_name = 'ingest'"
    ).fetchone()
    if not exists:
        return None
    sources = con.execute("select source_id, fingerprint from pipeline_state.ingest order by source_id").fetchall()
    return hashlib.sha256(repr((sources, dbt_vars, code_fingerprint())).encode()).hexdigest()


def last_build(con: duckdb.DuckDBPyConnection) -> str | None:
    con.execute(STATE_DDL)
    row = con.execute("select fingerprint from pipeline_state.transform").fetchone()
    return row[0] if row else None


def stored_checks(con: duckdb.DuckDBPyConnection) -> tuple[str | None, dict[tuple[str, str], tuple[bool, str]]]:
    """When the last full build ran, and its dbt tests' results: (asset key path joined by '/',
    check name) -> (passed, severity)."""
    con.execute(STATE_DDL)
    built = con.execute("select strftime(built_at, '%Y-%m-%d %H:%M') from pipeline_state.transform").fetchone()
    rows = con.execute("select asset_key, check_name, passed, severity from pipeline_state.transform_checks").fetchall()
    return (built[0] if built else None), {(a, c): (p, s) for a, c, p, s in rows}


def record_build(con: duckdb.DuckDBPyConnection, fingerprint: str | None, checks: list[tuple[str, str, bool, str]] = ()) -> None:
    """Keep the fingerprint of a full build (None after a subset: the next run rebuilds) and its
    dbt tests' results (asset key, check name, passed, severity)."""
    con.execute(STATE_DDL)
    con.execute("delete from pipeline_state.transform")
    con.execute("delete from pipeline_state.transform_checks")
    if fingerprint:
        con.execute("insert into pipeline_state.transform values (?, now()::timestamp)", [fingerprint])
        if checks:
            con.executemany("insert into pipeline_state.transform_checks values (?, ?, ?, ?)", list(checks))


def tables_exist(con: duckdb.DuckDBPyConnection, relations: list[tuple[str, str]]) -> bool:
    present = set(con.execute("select table_schema, table_name from information_schema.tables").fetchall())
    return all(relation in present for relation in relations)


def compact(path: Path, slack: float = 0.25) -> bool:
    """Rewrite the warehouse file without its free blocks when they are more than `slack` of it
    (tables dbt replaced leave them behind, and a DuckDB file never shrinks), so reruns do not
    grow it. Returns whether it was rewritten."""
    with duckdb.connect(str(path), read_only=True) as con:
        total, free = con.execute("select total_blocks, free_blocks from pragma_database_size()").fetchone()
    if not total or free <= slack * total:
        return False
    staged = path.with_name(path.name + ".compact")
    staged.unlink(missing_ok=True)
    with duckdb.connect(str(staged)) as con:
        (catalog,) = con.execute("select current_database()").fetchone()
        con.execute(f"attach '{path}' as source_db (read_only)")
        con.execute(f'copy from database source_db to "{catalog}"')
        con.execute("detach source_db")
    staged.replace(path)
    return True
