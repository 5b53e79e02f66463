"""Ingest speed and memory on a large synthetic File 8: rows/second, seconds and peak RSS.

    .venv/bin/python benchmarks/ingest_memory.py                 # ~1 GB file
    .venv/bin/python benchmarks/ingest_memory.py --size-mb 200

Writes a CSV in the IoD2019 File 8 layout (unique LSOA-shaped codes, 28 numbers per row) to a
temporary folder, streaming it to disk, then measures each way of reading it in a fresh process
(peak RSS is a high-water mark, so one measurement per process):

- `iter_file`: the streaming reader, batches dropped as they come (memory ~ one batch);
- `iter_file+keys`: the same, with duplicate keys checked in Python (adds the key index);
- `load_source`: the pipeline's path: batches staged in DuckDB temporary tables (which DuckDB
  spills to disk beyond its memory_limit), keys checked there, then swapped into a DuckDB file;
- `read_file`: the whole file held as Python rows (only up to --read-file-max-mb).

Prints figures; asserts nothing.
"""

import argparse
import dataclasses
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MODES = ("iter_file", "iter_file+keys", "load_source", "read_file")


def _codes():
    """LSOA-shaped codes (E01 then W01 and six digits): 2 million before they repeat."""
    while True:
        for country in "EW":
            for i in range(1_000_000):
                yield f"{country}01{i:06d}"


def write_file(path: Path, size_mb: int, columns: list[str]) -> int:
    """Stream rows to path until it holds size_mb megabytes; return the number of data rows."""
    rng = random.Random(2019)
    pool = [f"{rng.uniform(0, 200):.15f}" for _ in range(4096)]
    limit, written, rows = size_mb * 1024 * 1024, 0, 0
    codes = _codes()
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(columns) + "\n")
        while written < limit:
            chunk = "".join(
                next(codes) + "," + ",".join(rng.choices(pool, k=len(columns) - 1)) + "\n" for _ in range(10_000)
            )
            handle.write(chunk)
            written += len(chunk)
            rows += 10_000
    return rows


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def measure(mode: str, path: Path, batch_size: int, duckdb_memory_limit: str | None) -> None:
    """One mode, in this process: print a line of figures."""
    from datetime import datetime

    import duckdb

    from dagster_project.defs.ingest.loader import load_source
    from dagster_project.defs.ingest.reader import iter_file, read_file
    from dagster_project.defs.ingest.registry import load_registry
    from dagster_project.warehouse import AUDIT_DDL

    source = load_registry()["iod2019_file8"]  # as a source whose registry entry raises its size cap to this file's
    source = dataclasses.replace(source, max_file_bytes=max(source.max_file_bytes, path.stat().st_size))
    baseline = _rss_mb()
    started = time.perf_counter()
    if mode.startswith("iter_file"):
        read = loaded = rejected = 0
        for batch in iter_file(source, path, batch_size, check_keys=mode.endswith("keys")):
            read, loaded, rejected = read + batch.rows_read, loaded + batch.rows_loaded, rejected + batch.rows_rejected
    elif mode == "load_source":
        with duckdb.connect(str(path.parent.parent / "bench.duckdb")) as con:
            con.execute(AUDIT_DDL)
            if duckdb_memory_limit:
                con.execute(f"set memory_limit = '{duckdb_memory_limit}'")
            (load,) = load_source(con, source, path.parent, datetime.now(), batch_size)
        read, loaded, rejected = load.rows_read, load.rows_loaded, load.rows_rejected
    else:
        load = read_file(source, path)
        read, loaded, rejected = load.rows_read, load.rows_loaded, load.rows_rejected
    seconds = time.perf_counter() - started
    size_mb = path.stat().st_size / 1024 / 1024
    print(
        f"{mode:<15} {read:>10,} rows read {loaded:>10,} loaded {rejected:>8,} rejected  "
        f"{seconds:7.1f} s  {read / seconds:>9,.0f} rows/s  {size_mb / seconds:6.1f} MB/s  "
        f"peak RSS {_rss_mb():7.0f} MB (after imports {baseline:.0f} MB)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="size of the synthetic file (default 1024)")
    parser.add_argument("--batch-size", type=int, default=None, help="rows per batch (default: the reader's)")
    parser.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, from {', '.join(MODES)}")
    parser.add_argument(
        "--duckdb-memory-limit", help="DuckDB memory_limit for load_source, e.g. 256MB (default: DuckDB's, 80%% of RAM)"
    )
    parser.add_argument("--read-file-max-mb", type=int, default=256, help="skip read_file (whole file in memory) above this size")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    from dagster_project.defs.ingest.reader import BATCH_SIZE

    batch_size = args.batch_size or BATCH_SIZE
    if args.measure:
        measure(args.measure, args.file, batch_size, args.duckdb_memory_limit)
        return

    from dagster_project.defs.ingest.registry import load_registry

    columns = list(load_registry()["iod2019_file8"].columns)
    with tempfile.TemporaryDirectory(prefix="ingest_memory_") as tmp:
        raw = Path(tmp) / "raw"
        raw.mkdir()
        path = raw / "iod2019_file8_underlying_indicators_benchmark.csv"
        started = time.perf_counter()
        rows = write_file(path, args.size_mb, columns)
        print(
            f"wrote {path.stat().st_size / 1024 / 1024:,.0f} MB, {rows:,} rows in the File 8 layout "
            f"in {time.perf_counter() - started:.1f} s; batch size {batch_size:,}; {sys.executable}",
            flush=True,
        )
        for mode in args.modes.split(","):
            if mode == "read_file" and args.size_mb > args.read_file_max_mb:
                print(f"{mode:<15} skipped: holds the whole file in memory (--read-file-max-mb {args.read_file_max_mb})")
                continue
            limit = ["--duckdb-memory-limit", args.duckdb_memory_limit] if args.duckdb_memory_limit else []
            subprocess.run(
                [sys.executable, __file__, "--measure", mode, "--file", str(path), "--batch-size", str(batch_size), *limit],
                check=True,
            )


if __name__ == "__main__":
    main()
