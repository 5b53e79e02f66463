"""Site build benchmark: a synthetic warehouse of about 7,000 wards, 30 indicators over 10 periods.

    .venv/bin/python benchmarks/site_build.py [--wards 7000] [--indicators 30] [--periods 10] [--keep DIR]
        [--template data/warehouse.duckdb]

Creates the mart tables directly (the public contract's columns), brings them to the columns
of a warehouse built by the pipeline (`--template`, required; default data/warehouse.duckdb,
which `make run` writes: columns added to the marts since this script was written are added
here as NULL, and tables it lacks are added empty, so the pages' queries run), builds the whole site with a
cache folder, and prints pages per second (all pages and ward pages), total time, CPU seconds
(user + sys, the build process and its workers and Pagefind) per 1,000 pages and peak memory
across the process tree (the sum of every process's PSS, sampled every 0.2 s, so shared pages
of forked workers count once), and whether issue 21's goal (>= 100 pages/s in under 1 GB) is
met; then rebuilds unchanged into the same folder and prints how many pages were re-rendered
(target 0) and the time. Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dagster_project.sitegen import build_site  # noqa: E402

LA = "E08000010"


def make_warehouse(path: Path, wards: int, indicators: int, periods: int) -> None:
    """The marts and audit tables, filled with deterministic synthetic values by SQL."""
    con = duckdb.connect(str(path))
    con.execute(f"""
    create schema marts; create schema audit;
    create table marts.dim_ward as
    select 'W' || lpad(i::varchar, 8, '0') as ward_code, 'Synthetic ward ' || i as ward_name, 2023 as ward_vintage,
           '{LA}' as la_code, 'Wigan' as la_name, (8000 + (i * 37) % 9000)::bigint as population,
           5 + (i * 7919) % 50 + 0.5 as imd_score, (1 + (i * 7919) % 5)::bigint as deprivation_quintile,
           (1 + (i * 7919) % 10)::bigint as deprivation_decile, (5 + i % 6)::bigint as n_lsoas
    from range({wards}) t(i);
    create table marts.bridge_lsoa_ward as
    select 'L' || lpad(i::varchar, 9, '0') as lsoa_code, 2021 as lsoa_vintage,
           'W' || lpad((i // 6)::varchar, 8, '0') as ward_code, 2023 as ward_vintage, 'official best-fit lookup' as method
    from range({wards * 6}) t(i);
    create table marts.dim_indicator as
    select 'ind_' || lpad(k::varchar, 2, '0') as indicator_id, 'Synthetic indicator ' || k as title,
           (['health', 'income', 'skills', 'deprivation'])[1 + k % 4] as domain,
           case when k % 3 = 2 then 'score' else '%' end as unit,
           case when k % 3 = 2 then 'score' else 'proportion' end as value_type, 100.0 as multiplier,
           case when k % 2 = 0 then 'low_is_good' else 'high_is_good' end as polarity,
           'A synthetic indicator for the benchmark.' as definition, 'src_' || (k % 3) as source_id,
           'Open Government Licence v3.0' as licence, 5 as disclosure_min_count
    from range({indicators}) t(k);
    create table marts.dim_mission as
    select * from (values ('fair_opportunities', 'Fair opportunities', 'Create fair opportunities for all'),
                          ('flourishing_places', 'Flourishing places', 'Make all our towns flourish')) t(mission_id, title, statement);
    create table marts.bridge_mission_indicator as
    select (case when k % 2 = 0 then 'fair_opportunities' else 'flourishing_places' end) as mission_id,
           'ind_' || lpad(k::varchar, 2, '0') as indicator_id, 'Narrow the gap' as target_text
    from range({min(indicators, 12)}) t(k);
    create table marts.dim_source as
    select 'src_' || s as source_id, 'Synthetic source ' || s as title, 'Office for National Statistics' as publisher,
           'Release ' || s as release, 'https://example.org/source/' || s as url, 'Open Government Licence v3.0' as licence,
           'Contains public sector information licensed under the Open Government Licence v3.0' as attribution,
           'lsoa' as geography_level, 2021::bigint as geography_vintage, null::varchar as period,
           null::date as period_start, null::date as period_end
    from range(3) t(s);
    create table periods as
    select p, (2010 + p)::varchar || '/' || lpad(((11 + p) % 100)::varchar, 2, '0') as period,
           make_date(2010 + p, 4, 1) as period_start, make_date(2011 + p, 3, 31) as period_end
    from range({periods}) t(p);
    create table marts.fct_indicator_values as
    with base as (
        select i.indicator_id, w.ward_code as area_code, 'ward' as area_type, p.period, p.period_start, p.period_end,
               (200 + (hash(w.ward_code, i.indicator_id) % 2000))::double as denominator,
               ((hash(w.ward_code, i.indicator_id, p.p) % 1000) / 1000.0) as u, i.unit
        from marts.dim_ward w cross join marts.dim_indicator i cross join periods p
    )
    select indicator_id, area_code, area_type, period, period_start, period_end,
           case when unit = '%' then round(denominator * (0.05 + 0.3 * u)) end as numerator,
           case when unit = '%' then denominator end as denominator,
           case when unit = '%' then 100 * (0.05 + 0.3 * u) else 10 + 40 * u end as value,
           case when unit = '%' then 100 * (0.05 + 0.3 * u) - 2.5 end as lower_ci_95,
           case when unit = '%' then 100 * (0.05 + 0.3 * u) + 2.5 end as upper_ci_95,
           case when unit = '%' then 100 * (0.05 + 0.3 * u) - 4 end as lower_ci_998,
           case when unit = '%' then 100 * (0.05 + 0.3 * u) + 4 end as upper_ci_998,
           false as suppressed, 'src_0' as source_id, true as is_demo, 6::bigint as n_lsoas,
           'best-fit aggregation of LSOAs to May 2023 wards' as aggregation_method,
           case when unit = '%' then 'numerator over denominator, Wilson score interval'
                else 'population-weighted mean of LSOA values' end as method_note,
           case when unit <> '%' then 'Not compared' when u < 0.2 then 'Best' when u < 0.4 then 'Better'
                when u < 0.6 then 'Similar' when u < 0.8 then 'Worse' else 'Worst' end as compared_to_la,
           null::varchar as compared_to_england, 'Cannot be calculated' as trend
    from base
    union all
    select i.indicator_id, '{LA}', 'la', p.period, p.period_start, p.period_end, null, null,
           20 + p.p * 0.3, 19.8 + p.p * 0.3, 20.2 + p.p * 0.3, null, null, false, 'src_0', true, {wards * 6}::bigint,
           'aggregation of all LSOAs in the borough', 'numerator over denominator, Wilson score interval',
           null, 'Similar', 'No significant change'
    from marts.dim_indicator i cross join periods p;
    create table marts.fct_inequality as
    select i.indicator_id, '{LA}' as la_code, p.period, m.measure, 5.0 + p.p * 0.1 as value,
           4.0 + p.p * 0.1 as lower_ci_95, 6.0 + p.p * 0.1 as upper_ci_95, 'no significant change' as gap_trend
    from marts.dim_indicator i cross join periods p
    cross join (values ('quintile_gap'), ('quintile_ratio'), ('ward_range'), ('sii_quintiles'), ('rii_quintiles'),
                       ('sii_deciles'), ('rii_deciles')) m(measure);
    create table marts.fct_mission_progress as
    select b.mission_id, b.indicator_id, (select min(period) from periods) as baseline_period, 20.0 as baseline_value,
           (select max(period) from periods) as latest_period, 22.7 as latest_value, b.target_text,
           'worsening' as direction, 'no significant change' as gap_direction,
           'No significant change' as borough_trend, 'no significant change' as status
    from marts.bridge_mission_indicator b;
    create table marts.fct_ward_values_own_vintage (indicator_id varchar, ward_code varchar, ward_name varchar,
        ward_vintage integer, period varchar, period_start date, period_end date, value double, source_id varchar,
        is_demo boolean, note varchar);
    create table audit.load_log as
    select 'src_' || s as source_id, 'file_' || s || '.csv' as file_name, 'abc' as sha256, 1000::bigint as rows_read,
           1000::bigint as rows_loaded, 0::bigint as rows_rejected, true as is_demo, timestamp '2024-01-01' as loaded_at
    from range(3) t(s);
    create table audit.rejected_rows (source_id varchar, file_name varchar, row_number bigint, column_name varchar,
        value varchar, reason varchar);
    create table audit.file_inventory (file_name varchar, sha256 varchar, source_id varchar, status varchar);
    create table audit.quality_results (suite varchar, table_name varchar, expectation varchar, column_name varchar,
        severity varchar, success boolean, observed varchar, details varchar);
    drop table periods;
    """)
    con.close()


def align_with(path: Path, template: Path) -> list[str]:
    """Add the template warehouse's marts and audit columns and tables the synthetic one lacks."""
    added = []
    con = duckdb.connect(str(path))
    con.execute(f"attach '{template}' as template (read_only)")
    wanted = con.execute(
        "select schema_name, table_name, column_name, data_type from duckdb_columns() "
        "where database_name = 'template' and schema_name in ('marts', 'audit') order by schema_name, table_name, column_index"
    ).fetchall()
    have = {(s, t, c) for s, t, c in con.execute(
        "select schema_name, table_name, column_name from duckdb_columns() where database_name = current_database()"
    ).fetchall()}
    tables = {(s, t) for s, t, _ in have}
    for schema, table, column, dtype in wanted:
        if (schema, table) not in tables:
            con.execute(f'create table "{schema}"."{table}" as select * from template."{schema}"."{table}" limit 0')
            tables.add((schema, table))
            have |= {(schema, table, c) for _, t2, c, _ in wanted if t2 == table}
            added.append(f"{schema}.{table} (empty)")
        elif (schema, table, column) not in have:
            con.execute(f'alter table "{schema}"."{table}" add column "{column}" {dtype}')
            added.append(f"{schema}.{table}.{column}")
    con.close()
    return added


def fill_council(path: Path) -> None:
    """The council's code in the la_code columns align_with added as NULL, so the pages' "this
    council's rows" filters find the ward and borough rows (without it every ward page's
    summary and spine charts were empty)."""
    con = duckdb.connect(str(path))
    have = {t for (t,) in con.execute("select table_name from duckdb_columns() where schema_name = 'marts' "
                                      "and column_name = 'la_code'").fetchall()}
    for table, where in (("fct_indicator_values", "area_type in ('ward', 'la')"), ("fct_mission_progress", "true"),
                         ("bridge_lsoa_ward", "true")):
        if table in have:
            con.execute(f"update marts.{table} set la_code = '{LA}' where la_code is null and {where}")
    con.close()


class TreeMemory:
    """Peak of the summed PSS of this process and all its descendants, sampled in a thread."""

    def __init__(self, every: float = 0.2):
        self.peak_mb, self.every, self.done, self.cpu = 0.0, every, threading.Event(), 0.0
        self.thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _tree() -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as handle:
                        children.setdefault(int(handle.read().rsplit(")", 1)[1].split()[1]), []).append(int(entry))
                except (OSError, IndexError, ValueError):
                    pass
        todo, tree = [os.getpid()], []
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo += children.get(pid, [])
        return tree

    def _run(self) -> None:
        while not self.done.wait(self.every):
            total = 0
            for pid in self._tree():
                try:
                    with open(f"/proc/{pid}/smaps_rollup") as handle:
                        total += sum(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
                except OSError:
                    pass
            self.peak_mb = max(self.peak_mb, total / 1024)
        self.cpu = time.thread_time()  # reading every process's smaps costs CPU: not the build's

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()


def cpu_seconds() -> float:
    """User + sys of this process and its waited-for children (workers, Pagefind)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wards", type=int, default=7000)
    parser.add_argument("--indicators", type=int, default=30)
    parser.add_argument("--periods", type=int, default=10)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    parser.add_argument("--template", type=Path, default=REPO / "data" / "warehouse.duckdb",
                        help="a warehouse built by the pipeline, whose marts and audit columns to match")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="site-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    warehouse, out, cache = work / "bench.duckdb", work / "site", work / "cache"
    for path in (warehouse, out, cache):
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    if not args.template.exists():  # the synthetic tables alone lack the columns added to the marts since
        parser.error(f"no template warehouse at {args.template}: run `make run` first, or pass --template "
                     "a warehouse the pipeline built")
    t0 = time.perf_counter()
    make_warehouse(warehouse, args.wards, args.indicators, args.periods)
    added = align_with(warehouse, args.template)
    fill_council(warehouse)
    print(f"matched to {args.template}: added {', '.join(added) if added else 'nothing'} (NULL or empty; "
          "the council's code filled in)")
    print(f"synthetic warehouse: {args.wards:,} wards, {args.indicators} indicators, {args.periods} periods "
          f"in {time.perf_counter() - t0:.1f} s")
    try:
        t0, cpu0 = time.perf_counter(), cpu_seconds()
        with TreeMemory() as memory:
            report = build_site(warehouse=warehouse, out_dir=out, pages_dir=REPO / "site" / "pages",
                                site_root=REPO / "site", cache_dir=cache)
        total, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0 - memory.cpu
        ward_time = report.seconds.get("wards/[ward].md", 0.0)
        wards = sum(1 for p in report.pages if p.startswith("wards/") and p != "wards/index.html")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"full build: {report.pages_written:,} pages ({wards:,} ward pages), {report.files_written:,} files, "
              f"{report.bytes_written / 1e6:,.0f} MB in {total:.1f} s")
        print(f"  pages per second (all pages, whole build): {report.pages_written / total:,.0f}")
        print(f"  ward pages per second (ward template: its time in the build process, the queries, with the "
              f"workers rendering beside them): {wards / ward_time:,.0f} ({ward_time:.1f} s)")
        for name, seconds in sorted(report.seconds.items(), key=lambda kv: -kv[1]):
            print(f"    {name:<34} {seconds:7.1f} s")
        print(f"  CPU (user + sys, with workers and Pagefind; without the memory sampler's {memory.cpu:.1f} s): "
              f"{cpu:,.1f} s = {1000 * cpu / report.pages_written:,.1f} s per 1,000 pages (load {os.getloadavg()[0]:.1f})")
        print(f"  peak memory across the process tree (summed PSS): {memory.peak_mb:,.0f} MB; ru_maxrss "
              f"{peak:,.0f} MB in the build process, {children:,.0f} MB in its largest worker or Pagefind process")
        rate = report.pages_written / total
        met = rate >= 100 and memory.peak_mb < 1024
        print(f"  goal (issue 21: >= 100 pages/s in under 1 GB): {'met' if met else 'NOT met'} "
              f"({rate:,.0f} pages/s, {memory.peak_mb:,.0f} MB; wall time depends on what else the machine runs)")
        t0 = time.perf_counter()
        again = build_site(warehouse=warehouse, out_dir=out, pages_dir=REPO / "site" / "pages",
                           site_root=REPO / "site", cache_dir=cache)
        print(f"unchanged rebuild: {again.pages_rendered} pages re-rendered of {again.pages_written:,} "
              f"in {time.perf_counter() - t0:.1f} s")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak memory after both builds (ru_maxrss): {peak:,.0f} MB")
        print(f"  output: {sum(p.stat().st_size for p in out.rglob('*') if p.is_file()) / 1e6:,.0f} MB; "
              f"cache: {sum(p.stat().st_size for p in cache.rglob('*') if p.is_file()) / 1e6:,.0f} MB "
              "(hard links to the same files where possible)")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
