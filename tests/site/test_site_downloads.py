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


def _facts(dim_ids: list[str]):
    """A warehouse of a few indicators' values, and a dim_indicator listing `dim_ids`."""
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("create table marts.fct_indicator_values (indicator_id varchar, area_code varchar, area_type varchar, "
                "la_code varchar, period varchar, period_start date, period_end date, value double, note varchar)")
    con.executemany("insert into marts.fct_indicator_values values (?, ?, ?, 'E1', ?, ?, null, ?, ?)", [
        ("b", "W2", "ward", "2020", "2020-01-01", 1.5, "=x"), ("a", "W1", "ward", "2021", "2021-01-01", 2.0, None),
        ("b", "E1", "la", "2019", "2019-01-01", 3.0, "-1"), ("a", "W1", "ward", "2019", "2019-01-01", None, "y"),
        ("c", "W3", "ward", "2020", None, 4.0, "@z"), ("a", "E1", "la", "2021", "2021-01-01", 5.0, "q"),
        ("a", "A0", "ward", "2022", "2022-01-01", 6.0, "r")])
    con.execute("create table marts.dim_indicator as select unnest(?) as indicator_id, upper(unnest(?)) as title",
                [dim_ids, dim_ids])
    return con


class _Files:
    def __init__(self, out: Path):
        self.out = out

    def count(self, rel):
        pass

    def write(self, rel, data):
        (self.out / rel).write_bytes(data)


def _exported(con, out: Path) -> tuple[list[str], list[str]]:
    """The export's CSV of marts.fct_indicator_values, and the table's CSV written at once (sorted by all)."""
    listed, _, _ = downloads.export(con, out, OutputCache(None, out), {}, _Files(out))
    assert next(t for t in listed if t[1] == "fct_indicator_values")[4] == "downloads/marts/fct_indicator_values.csv"
    columns = con.execute("select column_name, data_type from information_schema.columns "
                          "where table_name = 'fct_indicator_values' order by ordinal_position").fetchall()
    once = _csv_at_once(con, "marts.fct_indicator_values", columns, out / "once.csv")
    return (out / "downloads" / "marts" / "fct_indicator_values.csv").read_text().splitlines(), once.decode().splitlines()


def test_the_values_csv_is_its_indicators_csvs_one_after_another(tmp_path):
    """marts.fct_indicator_values' CSV is every indicator's CSV in turn (one header): the same rows
    as the table written at once, by indicator and then as each indicator's CSV is sorted."""
    whole, once = _exported(_facts(["a", "b", "c"]), tmp_path)
    indicators = [(tmp_path / "downloads" / "indicators" / f"{i}.csv").read_text().splitlines() for i in "abc"]
    assert whole == indicators[0] + indicators[1][1:] + indicators[2][1:]
    assert whole[0] == once[0] and sorted(whole[1:]) == sorted(once[1:]) and len(whole) == 8 and whole != once
    assert [line.split(",")[0] for line in whole[1:]] == ["a", "a", "a", "a", "b", "b", "c"]
    assert [line.split(",")[1] for line in whole[1:5]] == ["E1", "W1", "W1", "A0"]  # la first, then by period
    assert any(line.endswith(",'=x") for line in whole)  # formulas quoted as in any CSV


def test_values_of_an_indicator_without_a_csv_are_never_left_out(tmp_path):
    """When the indicators' CSVs do not hold every row (an indicator missing from dim_indicator),
    the table's CSV is written from the table, sorted by all its columns."""
    whole, once = _exported(_facts(["a", "b"]), tmp_path)
    assert whole == once and len(whole) == 8


def test_a_table_with_a_unique_key_is_sorted_only_as_far_as_its_key(warehouse):
    """Sorting marts.fct_indicator_values up to its key's last column is sorting by all of it: the
    key must stay unique in dbt's tests, and the two orders give the same rows in the same order."""
    import yaml

    spec = yaml.safe_load((SITE_ROOT.parent / "dbt" / "models" / "marts" / "fct_indicator_values.yml").read_text())
    tests = [t for m in spec["models"] for t in m.get("data_tests", [])]
    keys = [t["unique_combination_of_columns"]["arguments"]["columns"] for t in tests
            if isinstance(t, dict) and "unique_combination_of_columns" in t]
    assert list(downloads.UNIQUE_KEYS[("marts", "fct_indicator_values")]) in keys
    con = duckdb.connect(str(warehouse), read_only=True)
    columns = [r[0] for r in con.execute("select column_name from information_schema.columns where table_schema = 'marts' "
                                         "and table_name = 'fct_indicator_values' order by ordinal_position").fetchall()]
    order = downloads._order("marts", "fct_indicator_values", columns)
    assert order.count(",") < len(columns) - 1
    rows = con.execute(f"select * from marts.fct_indicator_values{order}").fetchall()
    assert rows == con.execute("select * from marts.fct_indicator_values order by all").fetchall() and rows
    assert downloads._order("marts", "dim_ward", ["ward_code"]) == " order by all"
    con.close()


def test_the_spreadsheet_limit_the_pages_state_is_the_one_the_export_uses():
    """The downloads page and the components' guide give Excel's limit in words; it must be
    SPREADSHEET_ROWS and the header row, or the page would promise a CSV that is not there."""
    limit = f"{downloads.SPREADSHEET_ROWS + 1:,}"
    for path in (SITE_ROOT / "pages" / "downloads.md", SITE_ROOT / "COMPONENTS.md"):
        assert limit in path.read_text(encoding="utf-8"), path


def test_a_values_table_beyond_a_spreadsheet_has_its_csv_only_by_indicator(tmp_path, monkeypatch):
    """Past SPREADSHEET_ROWS rows (1,080,924 at 169 councils: 1.2 GB of CSV nobody could open in a
    spreadsheet) marts.fct_indicator_values' whole CSV is not written when its indicators' CSVs hold
    every row; the Parquet file is, the downloads page says so and lists every indicator's CSV."""
    monkeypatch.setattr(downloads, "SPREADSHEET_ROWS", 6)
    con = _facts(["a", "b", "c"])
    tables, _, indicators = downloads.export(con, tmp_path, OutputCache(None, tmp_path), {}, _Files(tmp_path))
    values = next(t for t in tables if t[1] == "fct_indicator_values")
    assert values[3] == 7 and values[4] is None and values[5] is None and values[6].endswith(".parquet")
    assert not (tmp_path / "downloads" / "marts" / "fct_indicator_values.csv").exists()
    assert (tmp_path / "downloads" / "marts" / "fct_indicator_values.parquet").is_file()
    assert [(i, title, rows) for i, title, rows, _, _ in indicators] == [("a", "A", 4), ("b", "B", 2), ("c", "C", 1)]
    assert all((tmp_path / rel).stat().st_size == size for *_, rel, size in indicators)
    downloads.register(con, tables, [], indicators)
    assert con.execute("select csv_file from site_downloads where table_name = 'fct_indicator_values'").fetchone() == (None,)
    assert con.execute("select sum(row_count) from site_indicator_downloads").fetchone()[0] == 7
    # an indicator missing from dim_indicator: its rows are in no indicator's CSV, so the table's CSV stays
    con = _facts(["a", "b"])
    out = tmp_path / "partial"
    tables, _, _ = downloads.export(con, out, OutputCache(None, out), {}, _Files(out))
    assert next(t for t in tables if t[1] == "fct_indicator_values")[4] == "downloads/marts/fct_indicator_values.csv"
