"""Ingest speed on a large claimant-count file, beside DuckDB's bare read_csv in the same process.

    .venv/bin/python benchmarks/ingest_speed.py                  # 5,000,000 rows (~170 MB)
    .venv/bin/python benchmarks/ingest_speed.py --rows 1000000 --python-rows 200000

Writes a CSV in the layout of `claimant_count_lsoa_monthly` (the Nomis claimant count by LSOA,
every month: Date, Geography, Measure Type, Unit, Value; 32,844 LSOAs a month, so 5 million rows
is about 12.7 years of England) to a temporary folder, with about one row in 10,000 holding a bad
or suppressed value (`*`, `-3`, `12.5`, ` 7`, `x`), so rejections and suppressed cells are counted.
Then, in one process and back to back:

- `read_csv count`: DuckDB's bare `read_csv` (types detected), rows counted: the reader's own pace;
- `read_csv table`: the same as text (`all_varchar`: the file holds cells no type detection
  accepts) into a temporary table (in memory);
- `read_csv to file`: the same into a table of a DuckDB file: the least a load into the
  warehouse can do;
- `load_source`: the pipeline's path (engine.py: text into staging, the reader's rules in SQL,
  rejections with row, column and reason, the duplicate-key check, the swap into the raw table),
  into a DuckDB file;
- `python reader` (`--python-rows`, default 100,000; 0 skips it): the Python reader
  (`iter_file`) on the first rows of the same file, for the ratio.

Prints rows/s, wall seconds and CPU seconds (every thread of the process: on a shared machine
the wall time depends on the load, the CPU time much less) and each figure's ratio to bare
read_csv's; asserts nothing. The goal of issue 21 is 500,000 rows/s for a 5-million-row file.
"""

import argparse
import dataclasses
import os
import random
import resource
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SOURCE = "claimant_count_lsoa_monthly"
LSOAS = 32_844  # England's 2011 LSOAs
ODD = ("*", "-3", "12.5", " 7", "x")  # a suppression marker, then four cells the reader rejects


def write_file(path: Path, rows: int) -> None:
    """Month by month, every LSOA: rows in the Nomis layout, streamed to disk."""
    rng = random.Random(21)
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("Date,Geography,Measure Type,Unit,Value\n")
        for year in range(2013, 2100):
            for month in range(1, 13):
                count = min(LSOAS, rows - written)
                values = [
                    rng.choice(ODD) if rng.random() < 1e-4 else str(int(rng.expovariate(1 / 25)))
                    for _ in range(count)
                ]
                handle.write("".join(
                    f"{year}-{month:02d},E01{i + 1:06d},count,persons,{v}\n" for i, v in enumerate(values)
                ))
                written += count
                if written == rows:
                    return


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(work):
    wall, cpu = time.perf_counter(), _cpu()
    result = work()
    return result, time.perf_counter() - wall, _cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000, help="data rows in the file (default 5,000,000)")
    parser.add_argument("--python-rows", type=int, default=100_000, help="rows the Python reader reads (0: skip)")
    parser.add_argument("--keep", type=Path, help="a folder of its own to write the file into and keep (reused when there)")
    args = parser.parse_args()

    import duckdb

    from dagster_project.defs.ingest.loader import load_source
    from dagster_project.defs.ingest.reader import iter_file
    from dagster_project.defs.ingest.registry import load_registry
    from dagster_project.warehouse import AUDIT_DDL

    source = load_registry()[SOURCE]
    with tempfile.TemporaryDirectory(prefix="ingest_speed_") as tmp:
        raw = args.keep or Path(tmp) / "raw"
        raw.mkdir(exist_ok=True)
        path = raw / f"nomis_claimant_count_lsoa_monthly_england_{args.rows}.csv"
        wall = 0.0
        if not path.exists():
            _, wall, _ = _timed(lambda: write_file(path, args.rows))
        size = path.stat().st_size
        source = dataclasses.replace(source, max_file_bytes=max(source.max_file_bytes, size))
        print(f"{f'wrote in {wall:.1f} s' if wall else 'reused'} {path.name}: {args.rows:,} rows, {size / 1e6:,.0f} MB; {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}; duckdb {duckdb.__version__}", flush=True)
        figures = []

        def report(label, rows, wall, cpu):
            figures.append((wall, cpu))
            ratio = "" if len(figures) == 1 else f"  {wall / figures[0][0]:5.1f}x its wall, {cpu / figures[0][1]:5.1f}x its CPU"
            print(f"{label:<16} {rows:>10,} rows  {wall:7.2f} s  {rows / wall:>10,.0f} rows/s  CPU {cpu:6.2f} s{ratio}",
                  flush=True)

        with duckdb.connect() as con:
            (count,), wall, cpu = _timed(lambda: con.execute("select count(*) from read_csv(?)", [str(path)]).fetchone())
            report("read_csv count", count, wall, cpu)
            _, wall, cpu = _timed(lambda: con.execute(
                "create temp table bare as select * from read_csv(?, all_varchar = true)", [str(path)]))
            report("read_csv table", count, wall, cpu)
        with duckdb.connect(str(Path(tmp) / "bare.duckdb")) as con:
            _, wall, cpu = _timed(lambda: con.execute(
                "create table bare as select * from read_csv(?, all_varchar = true)", [str(path)]))
            report("read_csv to file", count, wall, cpu)
        with duckdb.connect(str(Path(tmp) / "bench.duckdb")) as con:
            con.execute(AUDIT_DDL)
            (load,), wall, cpu = _timed(lambda: load_source(con, source, raw, datetime.now()))  # the one file there
            report("load_source", load.rows_read, wall, cpu)
            print(f"{'':<16} {load.rows_loaded:,} loaded, {load.rows_rejected:,} rejected "
                  f"({con.execute('select count(*) from audit.rejected_rows').fetchone()[0]:,} in audit.rejected_rows), "
                  f"{load.suppressed_cells:,} suppressed cells", flush=True)
        if args.python_rows:
            def python():
                read = 0
                for batch in iter_file(source, path, check_keys=False):
                    read += batch.rows_read
                    if read >= args.python_rows:
                        return read
                return read
            read, wall, cpu = _timed(python)
            report("python reader", read, wall, cpu)


if __name__ == "__main__":
    main()
