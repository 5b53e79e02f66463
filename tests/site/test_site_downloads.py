"""The downloads' export: a large table's CSV written in parts is the CSV written at once, and
the export starts only when asked (after the big queries) or when waited for."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from site_fixture import SITE_ROOT
from dagster_project.sitegen import build, downloads
from dagster_project.sitegen.cache import OutputCache

ROWS = [("b", 2, "x"), (None, 1, "y"), ("a", 9, "=1+1"), ("c", 3, None), ("a", 1, "z"), (None, 0, "@w"),
        ("b", 2, "-3"), ("d", 1, "q")]


def _csv_at_once(con, source: str, columns, path: Path) -> bytes:
    con.execute(f"copy (select {downloads._csv_select(columns)} from {source} order by all) "
                f"to '{path.as_posix()}' (header, delimiter ',')")
    return path.read_bytes()


@pytest.mark.parametrize("first", [[r[0] for r in ROWS], ["b", "a", "=x", "c", "a", "-y", "b", "d"]],
                         ids=["with NULLs", "with formulas"])
def test_a_csv_written_in_parts_is_the_csv_written_at_once(first, tmp_path, monkeypatch):
    con = duckdb.connect()
    con.execute("create table t (k varchar, n integer, v varchar)")
    con.executemany("insert into t values (?, ?, ?)", [(k, n, v) for k, (_, n, v) in zip(first, ROWS)])
    columns = con.execute("select column_name, data_type from information_schema.columns where table_name = 't' "
                          "order by ordinal_position").fetchall()
    monkeypatch.setattr(downloads, "PART_ROWS", 2)
    parts = _parts_written(con, "t", columns, tmp_path / "parts.csv")
    # ranges of the first column (NULLs last); one part when the CSV changes a first value ('=x')
    assert len(parts) == (4 if None in first else 1)
    assert (tmp_path / "parts.csv").read_bytes() == _csv_at_once(con, "t", columns, tmp_path / "once.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["once.csv", "parts.csv"]  # no part file left


def _parts_written(con, source: str, columns, path: Path) -> list:
    parts = downloads._parts(con, source, [downloads._ident(name) for name, _ in columns])
    downloads._write_csv(con, f"select {downloads._csv_select(columns)} from {source}", " order by all", parts, path)
    return parts


@pytest.mark.parametrize(("second", "split"), [(["x", "=y", "z", "w", "v"], 1), (["x", None, "z", "w", "v"], 3),
                                               (["x", "y", "z", "w", "v"], 2)], ids=["with formulas", "with NULLs", "plain"])
def test_a_first_value_of_many_rows_is_split_by_the_second_column(second, split, tmp_path, monkeypatch):
    """A first value holding more than a part's rows (uc_households: 395,460 rows of
    fct_indicator_values at 169 councils) is written in ranges of the second column."""
    con = duckdb.connect()
    con.execute("create table t (k varchar, s varchar, n integer)")
    con.executemany("insert into t values (?, ?, ?)", [("a", 1, 1), ("b", "q", 2)] + [("m", v, n) for n, v in enumerate(second)]
                    + [("m", v, 9) for v in second[:2]] + [("z", "q", 3)])
    columns = [("k", "VARCHAR"), ("s", "VARCHAR"), ("n", "INTEGER")]
    monkeypatch.setattr(downloads, "PART_ROWS", 3)
    parts = _parts_written(con, "t", columns, tmp_path / "parts.csv")
    assert (tmp_path / "parts.csv").read_bytes() == _csv_at_once(con, "t", columns, tmp_path / "once.csv")
    within = [where for where, _ in parts if '"k" = ?' in where]  # the rows of 'm', in parts of their own
    assert len(within) == split  # one part when the CSV changes a second value ('=y')
    assert len(parts) == len(within) + 2  # 'a' and 'b' in one range, 'z' in another


def test_the_fixture_warehouse_exported_in_parts_matches_at_once(warehouse, tmp_path, monkeypatch):
    con = duckdb.connect(str(warehouse), read_only=True)

    class Files:
        def count(self, rel):
            pass

        def write(self, rel, data):
            (out / rel).write_bytes(data)

    exported = {}
    for part_rows in (10**9, 7):
        monkeypatch.setattr(downloads, "PART_ROWS", part_rows)
        out = tmp_path / str(part_rows)
        downloads.export(con, out, OutputCache(None, out), downloads.load_dictionary(SITE_ROOT / "data_dictionary.yml"),
                         Files())
        exported[part_rows] = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert exported[7] == exported[10**9] and "downloads/marts/fct_indicator_values.csv" in exported[7]
    con.close()


def _exports(con, out: Path) -> build._Downloads:
    return build._Downloads(con, out, OutputCache(None, out), SITE_ROOT / "data_dictionary.yml",
                            build.SiteBuildReport(), Path("warehouse.duckdb"))


def test_an_export_never_started_is_stopped_without_waiting(warehouse, tmp_path):
    con = duckdb.connect(str(warehouse), read_only=True)
    exports = _exports(con, tmp_path)
    exports.stop()  # a build that failed before its downloads began
    assert exports.done and not exports.thread.is_alive() and not (tmp_path / "downloads").exists()
    con.close()


def test_waiting_for_an_export_not_yet_started_runs_it(warehouse, tmp_path):
    con = duckdb.connect(str(warehouse), read_only=True)
    report = build.SiteBuildReport()
    exports = _exports(con, tmp_path)
    exports.wait(con, build._Writer(tmp_path, report))
    assert (tmp_path / "downloads" / "marts" / "fct_indicator_values.parquet").is_file()
    assert con.execute("select count(*) from site_downloads").fetchone()[0] > 0
    exports.stop()
    con.close()
