"""The two tables a source's files are staged in before one transaction swaps them in: rows in
the raw table's layout, and rejections in audit.rejected_rows' layout. Both readers (the DuckDB
fast path in engine.py, the Python reader's batches in loader.py) and the duplicate-key rule write
them only through here, so the layout and the column types are written once.

The rows are staged in a table of the raw schema beside the source's own (`raw._ingest_<table>`),
written once and renamed into place by the swap: a temporary table would be copied again into the
warehouse file (for 5 million rows, a third of the load). It is dropped whenever a load stops, and
a run's candidate warehouse is only published when every step succeeded. DuckDB writes large
appends to the file rather than hold them in memory."""

import duckdb

from dagster_project.defs.ingest.registry import Source

REJECTIONS = "_ingest_rejections"  # a temporary table (small)
# Each registry column type as a DuckDB column and as a pandas array (for a batch of Python rows).
DUCKDB_TYPES = {"area_code": "varchar", "text": "varchar", "integer": "bigint", "number": "double", "geometry": "varchar"}
PANDAS_TYPES = {"area_code": "string", "text": "string", "integer": "Int64", "number": "Float64", "geometry": "string"}


def _names(source: Source) -> tuple[str, str]:
    """The raw table's schema and name."""
    schema, name = source.table.split(".")
    return schema, name


def rows(source: Source) -> str:
    """The table a source's rows are staged in, beside its raw table."""
    schema, name = _names(source)
    return f'{schema}."_ingest_{name}"'


def create(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Empty staging tables for one source: its declared columns, then the file, its sha256 (set
    once the file is read), the row number, the demonstration flag and the load time."""
    columns = [f'"{source.raw_column(n)}" {DUCKDB_TYPES[t]}' for n, t in source.columns.items()]
    columns += ["_source_file varchar", "_source_sha256 varchar", "_row_number bigint", "_is_demo boolean",
                "_loaded_at timestamp"]
    con.execute(f"create or replace table {rows(source)} ({', '.join(columns)})")
    con.execute(f"create or replace temp table {REJECTIONS} as select * from audit.rejected_rows limit 0")


def swap(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Put the staged rows in place of the source's raw table (inside the caller's transaction)."""
    con.execute(f"drop table if exists {source.table}")
    con.execute(f'alter table {rows(source)} rename to "{_names(source)[1]}"')


def drop(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    con.execute(f"drop table if exists {rows(source)}")
    con.execute(f"drop table if exists {REJECTIONS}")


def insert_rows(
    con: duckdb.DuckDBPyConnection, source: Source, values: str, relation: str, file_name: str, loaded_at,
    sha256: str | None = None, is_demo: bool | None = None,
) -> None:
    """Append rows: `values` are SQL expressions for the declared columns, in order, over
    `relation` (a table or query with a _row_number column). The file's sha256 and demonstration
    flag are given when already known (else set once the file is read)."""
    con.execute(
        f"insert into {rows(source)} select {values}, ?, ?, _row_number, ?, ? from {relation}",
        [file_name, sha256, is_demo, loaded_at],
    )


def insert_rejections(con: duckdb.DuckDBPyConnection, relation: str, source_id: str, file_name: str, params=()) -> None:
    """Append rejections from `relation` (row_number, column_name, value, reason; `params` fill
    its placeholders)."""
    con.execute(
        f"insert into {REJECTIONS} select ?, ?, row_number, column_name, value, reason from {relation}",
        [source_id, file_name, *params],
    )
