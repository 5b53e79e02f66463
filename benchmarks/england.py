"""England-size build: the whole pipeline on synthetic demonstration data for many councils,
timed against a hand-written DuckDB SQL reference for the same core steps, in one process.

    .venv/bin/python benchmarks/england.py                 # 169 councils: 33,800 LSOAs, 4,225 wards
    .venv/bin/python benchmarks/england.py --councils 20   # a quicker look
    .venv/bin/python benchmarks/england.py --rerun         # and time an unchanged rerun

The data come from `dagster_project.demo_data --councils N` (200 LSOAs and 25 wards a council,
the demonstration layouts), all N councils configured. The reference is
../shared/benchmarks/reference_sql.py (aggregation to wards with Wilson limits, borough values,
ward quintiles within each council, quintile SII), at the same number of LSOA rows
as the pipeline's LSOA inputs, after it. Prints the pipeline's wall time and steps, dbt's total and its
core models (from dbt's run_results.json), the ratios, per-step times, and peak memory: tree-wide (this process and all
its children, sampled every 0.2 s from /proc) and dbt's own (its processes alone), then each goal
of issue 21 as met or not. The machine may be shared: compare the ratios to the reference, taken
in the same process, more than the seconds. Nothing is asserted; figures go in
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import resource
import runpy
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared" / "benchmarks" / "reference_sql.py"
ENGLAND_LSOAS = 33_755
# The project's models doing the reference's steps.
CORE = ("int_area_indicator_values", "int_ward_deprivation", "int_inequality_sii", "fct_indicator_values")


def _rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _is_dbt(command: str) -> bool:
    """A dbt process: `dbt`, or the pipeline's `wigan-dbt` (dagster_project/defs/transform/dbt_command.py)."""
    return any(f"/{name} " in f"{command} " for name in ("dbt", "wigan-dbt"))


class TreeMemory(threading.Thread):
    """Samples the memory of this process and every descendant (/proc, Linux) until stopped: the
    peak of their sum, and the peak of dbt's processes alone. Each process counts its
    proportional set size (PSS: pages shared with the other processes, such as a forked site
    worker's copy-on-write pages, divided among them), so the sum is what the tree occupies."""

    def __init__(self, interval: float = 0.2):
        super().__init__(daemon=True)
        self.interval, self.peak_mb, self.dbt_peak_mb, self._halt = interval, 0.0, 0.0, threading.Event()
        self.at_peak: dict[str, float] = {}  # the tree's peak by kind of process (this one, dbt, Pagefind, others)

    @staticmethod
    def _processes() -> dict[int, tuple[int, float, str]]:
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                rollup = (entry / "smaps_rollup").read_text() if (entry / "smaps_rollup").exists() else ""
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            memory = dict(line.split(":", 1) for line in rollup.splitlines() if ":" in line)
            kb = memory.get("Pss") or fields.get("VmRSS", "0 kB")
            found[int(entry.name)] = (int(fields.get("PPid", "0")), float(kb.split()[0]) / 1024, cmdline)
        return found

    def sample(self) -> None:
        processes, tree = self._processes(), {os.getpid()}
        grew = True
        while grew:
            children = {pid for pid, (parent, _, _) in processes.items() if parent in tree} - tree
            tree |= children
            grew = bool(children)
        total = sum(processes[p][1] for p in tree if p in processes)
        if total > self.peak_mb:
            self.peak_mb, self.at_peak = total, {}
            for p in tree & processes.keys():
                command = processes[p][2]
                kind = ("this process" if p == os.getpid() else "dbt" if _is_dbt(command)
                        else "Pagefind" if "pagefind" in command else "others (site workers...)")
                self.at_peak[kind] = self.at_peak.get(kind, 0.0) + processes[p][1]
        dbt = sum(processes[p][1] for p in tree if p in processes and _is_dbt(processes[p][2]))
        self.dbt_peak_mb = max(self.dbt_peak_mb, dbt)

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self._halt.set()
        self.join()


def run_reference(indicators: int, periods: int) -> dict:
    """reference_sql.py in this process; its printed step times."""
    if not REFERENCE.exists():
        return {"missing": str(REFERENCE)}
    saved = sys.argv
    sys.argv = [str(REFERENCE), str(indicators), str(periods)]
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(str(REFERENCE), run_name="__main__")
    finally:
        sys.argv = saved
    text = out.getvalue()
    steps = {m[1].strip(): float(m[2]) for m in re.finditer(r"^(.{22}) +([\d.]+) s$", text, re.M)}
    total = float(re.search(r"transforms ([\d.]+) s", text)[1])
    rows = int(re.search(r"rows ([\d,]+)", text)[1].replace(",", ""))
    return {"steps": steps, "transforms": total, "rows": rows, "text": text}


def _dbt_timings(run_id: str) -> dict[str, float]:
    """Seconds per dbt node of this run's invocation (run_results.json in its target folder)."""
    timings: dict[str, float] = {}
    for results in (REPO / "dbt" / "target").glob(f"dbt_models-{run_id[:7]}-*/run_results.json"):
        for node in json.loads(results.read_text())["results"]:
            timings[node["unique_id"]] = node["execution_time"]
    return timings


def _step_seconds(run_id: str) -> dict[str, float]:
    """Seconds per step, from the run's event log (its entries carry the timestamps)."""
    import dagster as dg

    started, seconds = {}, {}
    for entry in dg.DagsterInstance.get().all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type == dg.DagsterEventType.STEP_START:
            started[event.step_key] = entry.timestamp
        elif event.event_type in (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE) and event.step_key in started:
            seconds[event.step_key] = entry.timestamp - started[event.step_key]
    return seconds


def file_creation_us(folder: Path, files: int = 2000) -> float:
    """CPU microseconds to create an empty file in `folder` now. On a file system without a journal
    (these machines' ext4) each recently freed inode is looked at and skipped when a file is created,
    so for a minute or more after tens of thousands of files are deleted (a previous run's
    temporary folder) creating one costs hundreds of microseconds instead of about 20, and the site
    step, which creates about 120,000 files at 169 councils, is seconds slower."""
    folder.mkdir(parents=True)
    started = time.process_time()
    for n in range(files):
        (folder / f"f{n}").touch()
    return (time.process_time() - started) / files * 1e6


def run_pipeline(root: Path, councils: int) -> dict:
    from dagster_project import demo_data

    raw = root / "raw"
    creating = file_creation_us(root / "file-creation-probe")
    t = time.perf_counter()
    demo_data.generate(raw, councils=councils)
    generated = time.perf_counter() - t
    config = root / "councils.yml"
    config.write_text(
        "site_title: England benchmark (synthetic)\ncouncils:\n"
        + "".join(f"  - la_code: {demo_data.council(k)[0]}\n    missions: [fair_opportunities, flourishing_places]\n"
                  for k in range(councils)),
        encoding="utf-8",
    )
    os.environ.update({
        "RAW_DIR": str(raw), "WAREHOUSE": str(root / "warehouse.duckdb"), "SITE_DIR": str(root / "site"),
        "COUNCILS_CONFIG": str(config), "DAGSTER_HOME": str(root / "dagster_home"),
    })
    (root / "dagster_home").mkdir()
    (root / "dagster_home" / "dagster.yaml").write_bytes((REPO / "dagster_instance.yaml").read_bytes())
    from dagster_project.defs.transform.invocation import parse

    parse()
    from dagster_project.run import execute

    t = time.perf_counter()
    result, failures = execute(log_level="WARNING")
    return {"generate": generated, "seconds": time.perf_counter() - t, "result": result, "failures": failures,
            "file_us": creating}


def _lsoa_rows(warehouse: Path) -> int | None:
    import duckdb

    if not warehouse.exists():
        return None
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select count(*) from intermediate.int_lsoa_indicator_inputs").fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--councils", type=int, default=169, help="councils of 200 LSOAs (default 169: England's 33,755 LSOAs)")
    parser.add_argument("--rerun", action="store_true", help="also time an unchanged rerun")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))

    root = Path(tempfile.mkdtemp(prefix="england-bench-"))
    memory = TreeMemory()
    memory.start()
    run = run_pipeline(root, args.councils)
    memory.stop()
    pipeline_rss = _rss_mb()
    steps = _step_seconds(run["result"].run_id)
    timings = _dbt_timings(run["result"].run_id)
    lsoa_rows = _lsoa_rows(root / "warehouse.duckdb")
    # The reference at the pipeline's LSOA volume (35 LSOA values an LSOA in the demonstration data).
    rows = lsoa_rows or 35 * 200 * args.councils
    reference = run_reference(indicators=max(1, round(rows / ENGLAND_LSOAS)), periods=1)

    print(f"\ncouncils {args.councils}: {200 * args.councils:,} LSOAs, {25 * args.councils:,} wards; "
          f"LSOA input rows {lsoa_rows if lsoa_rows is not None else 'n/a (run failed)'}; demo data generated in {run['generate']:.1f} s")
    print(f"file system: {run['file_us']:.0f} us of CPU to create a file before the run (about 20 us with no mass "
          "deletion in the minutes before; hundreds just after one, which slows the site step)")
    print(f"pipeline: {'succeeded' if run['result'].success else 'FAILED'} in {run['seconds']:.1f} s; "
          f"peak memory {memory.peak_mb:,.0f} MB across this process and its children (PSS; this process's "
          f"peak RSS alone {pipeline_rss:,.0f} MB), dbt's own processes {memory.dbt_peak_mb:,.0f} MB; "
          "at the peak: " + ", ".join(f"{k} {v:,.0f} MB" for k, v in sorted(memory.at_peak.items(), key=lambda kv: -kv[1])))
    for line in run["failures"][:8]:
        print(f"  failure: {line}")
    from dagster_project.progress import stage_of

    stages = {}
    for step, seconds in steps.items():
        stage = stage_of(step) or "other"
        stages[stage] = stages.get(stage, 0.0) + seconds
    print(f"{len(steps)} steps; seconds by stage: " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(stages.items(), key=lambda kv: -kv[1])))
    slow = sorted(steps.items(), key=lambda kv: -kv[1])[:8]
    print("slowest steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in slow))
    models = {uid.split(".")[-1]: s for uid, s in timings.items() if uid.startswith("model.")}
    slowest = sorted(models.items(), key=lambda kv: -kv[1])[:6]
    print("slowest dbt models: " + ", ".join(f"{k} {v:.1f} s" for k, v in slowest))
    dbt_seconds, sii_seconds = steps.get("dbt_models"), models.get("int_inequality_sii")
    if "missing" in reference:
        print(f"reference not run: {reference['missing']} not found")
    else:
        print(f"reference SQL ({reference['rows']:,} LSOA rows): transforms {reference['transforms']:.3f} s; "
              + ", ".join(f"{k} {v:.3f} s" for k, v in reference["steps"].items()))
        if dbt_seconds:
            print(f"dbt stage {dbt_seconds:.1f} s = {dbt_seconds / reference['transforms']:.0f}x the reference")
        core = {name: models[name] for name in CORE if name in models}
        if len(core) == len(CORE):
            total = sum(core.values())
            print(f"comparable core {total:.2f} s = {total / reference['transforms']:.1f}x the reference: "
                  + ", ".join(f"{k} {v:.2f} s" for k, v in core.items()))

    rerun = None
    if args.rerun:  # the command as people run it: a fresh process, the fingerprint checked before imports
        t = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "dagster_project.run"], cwd=REPO, capture_output=True, text=True)
        rerun = time.perf_counter() - t
        said = (done.stdout.strip().splitlines() or ["(nothing)"])[-1]
        print(f"unchanged rerun (python -m dagster_project.run): exit {done.returncode} in {rerun:.1f} s "
              f"= {rerun / run['seconds']:.0%} of the fresh build; it said: {said}")

    scale = "" if args.councils >= 169 else f" (goals are for 169 councils; this is {args.councils})"
    print(f"goals{scale}:")
    goals = [
        ("whole run under 120 s", run["seconds"], 120),
        ("peak memory across all processes under 2,048 MB", memory.peak_mb, 2048),
        ("SII model under 15 s", sii_seconds, 15),
        ("dbt stage under 30 s", dbt_seconds, 30),
        ("unchanged rerun under 10 s", rerun, 10),
    ]
    for goal, figure, limit in goals:
        verdict = "not measured" if figure is None else ("met" if figure < limit else "NOT met")
        print(f"  {goal}: {verdict}" + ("" if figure is None else f" ({figure:,.1f})"))
    if not args.keep:
        import shutil

        shutil.rmtree(root, ignore_errors=True)
    else:
        print(f"kept {root}")


if __name__ == "__main__":
    main()
