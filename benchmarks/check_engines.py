"""Validate the fct_indicator_values suite on a large table with GX (pandas) and with the suite
compiled to one DuckDB query (sql_engine), and print time, CPU and peak memory of each, and the ratio.

    nice -n 19 .venv/bin/python benchmarks/check_engines.py                       # 200,000 and 1,200,000 rows
    nice -n 19 .venv/bin/python benchmarks/check_engines.py --rows 2000000 --from data/warehouse.duckdb
    nice -n 19 .venv/bin/python benchmarks/check_engines.py --all-suites WAREHOUSE   # every suite of a build

The table is marts.fct_indicator_values of a built warehouse (--from) repeated with numbered area
codes up to the row count, or, without --from, synthetic rows of the same columns (a few values
out of range, so that failures and samples are part of the work). With --all-suites, every suite
the pipeline runs (raw, period, coverage and mart suites) on a built warehouse, with GX alone and
with the engine the pipeline picks (`auto`), and the slowest suites. Each engine runs in a child
process of its own, so that its peak memory is its own; both must give the same outcomes.
Never asserts.
"""

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SUITE = REPO / "expectations" / "marts" / "fct_indicator_values.yml"

SYNTHETIC = """
create table marts.fct_indicator_values as
select 'indicator_' || (range % 40) as indicator_id,
       'E05' || lpad((range // 40)::varchar, 6, '0') as area_code,
       case when range % 97 = 0 then 'la' else 'ward' end as area_type,
       '2019' as period,
       range % 13 = 0 as suppressed,
       case when range % 13 = 0 then null else 0.2 + (range % 100) / 1000 end as value,
       value - 0.05 as lower_ci_95, value + 0.05 as upper_ci_95,
       value - 0.08 as lower_ci_998,
       case when range % 50000 = 7 then value else value + 0.08 end as upper_ci_998,
       1000.0 + range % 500 as denominator,
       case when range % 13 = 0 then null else (value * 1000)::double end as numerator
from range({rows})
"""


def make_table(path: Path, rows: int, source: Path | None) -> None:
    import duckdb

    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        if source is None:
            con.execute(SYNTHETIC.format(rows=rows))
            return
        con.execute(f"attach '{source}' as built (read_only)")
        (base,) = con.execute("select count(*) from built.marts.fct_indicator_values").fetchone()
        columns = [r[0] for r in con.execute("describe built.marts.fct_indicator_values").fetchall()]
        listed = ", ".join(f"area_code || '_' || copy as area_code" if c == "area_code" else f'"{c}"' for c in columns)
        con.execute(
            f"create table marts.fct_indicator_values as select {listed} "
            f"from built.marts.fct_indicator_values, range({-(-rows // base)}) as copies(copy) limit {rows}"
        )


def peak_mb() -> float:
    """This process's peak resident memory since it started (VmHWM: ru_maxrss would carry over the
    parent's peak at the fork)."""
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024


def every_suite() -> list:
    """The suites a pipeline run validates (as dagster_project/defs/quality/checks.py lists them)."""
    from dagster_project.defs.ingest.registry import load_registry
    from dagster_project.defs.quality.suites import (
        lsoa_coverage_suite, mart_suites, period_completeness_suite, raw_suite,
    )

    sources = load_registry()
    suites = [raw_suite(source) for source in sources.values()]
    suites += [s for source in sources.values() if (s := period_completeness_suite(source))]
    suites += [s for source in sources.values() if (s := lsoa_coverage_suite(source, sources))]
    return suites + mart_suites()


def child(engine: str, path: str, all_suites: bool) -> None:
    """Validate the suite (or every suite) with one engine and print its figures as JSON."""
    import duckdb

    from dagster_project.defs.quality.gx_runner import validate
    from dagster_project.defs.quality.suites import load_suite_file

    suites = every_suite() if all_suites else [load_suite_file(SUITE)]
    started = time.perf_counter()
    with duckdb.connect(path, read_only=True) as con:
        if engine != "sql":
            validate(con, type(suites[0])("warm", ("x", "y"), "select 1 as x", ()), engine="gx")  # GX's import and set-up
        setup = time.perf_counter() - started
        before, peak_before = resource.getrusage(resource.RUSAGE_SELF), peak_mb()
        started = time.perf_counter()
        outcomes, times = [], {}
        for suite in suites:
            begun = time.perf_counter()
            outcomes += validate(con, suite, engine=engine)
            times[suite.name] = time.perf_counter() - begun
        wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "setup_s": setup, "wall_s": wall,
        "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "peak_mb": peak_mb(), "rss_before_mb": peak_before, "times": times,
        "outcomes": [[o.suite, o.expectation, o.column, o.success, o.observed, o.sample] for o in outcomes],
    }))


def run_children(path: Path, engines: tuple[str, ...], all_suites: bool = False) -> dict:
    figures = {}
    for engine in engines:
        command = [sys.executable, __file__, "--child", engine, str(path)] + (["--all-suites-child"] if all_suites else [])
        done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO)
        figures[engine] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def print_figures(figures: dict) -> None:
    for name, f in figures.items():
        print(f"  {name:4} validate {f['wall_s']:7.2f} s wall, {f['cpu_s']:7.2f} s CPU; peak {f['peak_mb']:6.0f} MB "
              f"({f['rss_before_mb']:.0f} MB peak before validating; set-up {f['setup_s']:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[200_000, 1_200_000])
    parser.add_argument("--from", dest="source", type=Path, help="a built warehouse whose table to repeat")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--all-suites", type=Path, metavar="WAREHOUSE", help="every suite of a built warehouse")
    parser.add_argument("--all-suites-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.all_suites_child)
        return
    if args.all_suites:
        figures = run_children(args.all_suites, ("gx", "auto"), all_suites=True)
        gx, auto = figures["gx"], figures["auto"]
        print(f"every suite of {args.all_suites} ({len(gx['times'])} suites):")
        print_figures(figures)
        print(f"  ratio GX/auto: {gx['wall_s'] / auto['wall_s']:.1f}x wall, {gx['cpu_s'] / max(auto['cpu_s'], 1e-3):.1f}x CPU; "
              f"same outcomes: {gx['outcomes'] == auto['outcomes']}; failed: {sum(not o[3] for o in gx['outcomes'])} "
              f"of {len(gx['outcomes'])}")
        for name in sorted(gx["times"], key=gx["times"].get, reverse=True)[:8]:
            print(f"    {name:45} GX {gx['times'][name]:6.2f} s   auto {auto['times'][name]:6.2f} s")
        return
    with tempfile.TemporaryDirectory(prefix="check_engines_") as tmp:
        for rows in args.rows:
            path = Path(tmp) / f"rows_{rows}.duckdb"
            make_table(path, rows, args.source)
            figures = run_children(path, ("gx", "sql"))
            gx, sql = figures["gx"], figures["sql"]
            print(f"{rows:,} rows ({'copies of ' + str(args.source) if args.source else 'synthetic'}):")
            print_figures(figures)
            print(f"  ratio GX/SQL: {gx['wall_s'] / sql['wall_s']:.0f}x wall, {gx['cpu_s'] / max(sql['cpu_s'], 1e-3):.0f}x CPU, "
                  f"{(gx['peak_mb'] - gx['rss_before_mb']) / max(sql['peak_mb'] - sql['rss_before_mb'], 1):.0f}x memory "
                  f"added by validating; same outcomes: {gx['outcomes'] == sql['outcomes']}; "
                  f"failed: {sum(not o[3] for o in gx['outcomes'])} of {len(gx['outcomes'])}")
            path.unlink()

if __name__ == "__main__":
    main()
