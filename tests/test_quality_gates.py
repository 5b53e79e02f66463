"""The gates issue 11 added, run on small warehouses (no pipeline): each fails naming what is
wrong, and passes on the same data once it is right."""

import dataclasses
from datetime import datetime
from pathlib import Path

import duckdb

from dagster_project.defs.ingest.loader import load_source
from dagster_project.defs.ingest.registry import load_registry
from dagster_project.defs.quality.gx_runner import validate
from dagster_project.defs.quality.suites import load_suite_file, lsoa_coverage_suite, raw_suite
from dagster_project.settings import EXPECTATIONS_DIR
from dagster_project.warehouse import AUDIT_DDL

SOURCES = load_registry()
FILE8 = SOURCES["iod2019_file8"]
SCORES = SOURCES["iod2019_scores"]


def _warehouse(tmp_path: Path, files: dict) -> duckdb.DuckDBPyConnection:
    """Every registry source loaded (empty unless given): {source: (file name, text)}."""
    con = duckdb.connect()
    con.execute(AUDIT_DDL)
    for source in SOURCES.values():
        folder = tmp_path / source.id
        folder.mkdir()
        if source.id in files:
            name, text = files[source.id]
            (folder / name).write_text(text, encoding="utf-8")
        load_source(con, dataclasses.replace(source, required=False), folder, datetime(2024, 1, 1))
    return con


def _file8(codes, **cells) -> str:
    header = list(FILE8.columns)
    rows = []
    for code in codes:
        values = {name: "0.5" for name in header[1:]} | {k: v for k, v in cells.get(code, {}).items()}
        rows.append(",".join([code, *(values[name] for name in header[1:])]))
    return ",".join(header) + "\n" + "\n".join(rows) + "\n"


def _scores(codes) -> str:
    header = list(SCORES.columns)
    rows = [",".join(code if kind == "area_code" else ("E" if name == header[0] else "1") for name, kind in SCORES.columns.items())
            for code in codes]
    return ",".join(header) + "\n" + "\n".join(rows) + "\n"


def _failed(con, suite) -> list:
    return [(o.expectation, o.sample) for o in validate(con, suite) if not o.success]


def test_the_lsoa_coverage_gate_names_an_lsoa_one_source_lacks(tmp_path):
    codes = ["E01006212", "E01006213", "E01006214"]
    con = _warehouse(tmp_path, {
        "iod2019_file8": ("iod2019_file8_underlying_indicators_x.csv", _file8(codes)),
        "iod2019_scores": ("iod2019_scores_imd_income_employment_x.csv", _scores(codes[:2])),
    })
    con.execute("create schema marts")
    con.execute(
        "create table marts.bridge_lsoa_ward as select unnest(?) as lsoa_code, 2011 as lsoa_vintage, 'E08000010' as la_code",
        [codes],
    )
    assert _failed(con, lsoa_coverage_suite(SCORES, SOURCES)) == [
        ("expect_column_values_to_be_null", ["iod2019_scores: no row for LSOA E01006214"])
    ]
    assert _failed(con, lsoa_coverage_suite(FILE8, SOURCES)) == []
    assert lsoa_coverage_suite(SOURCES["mortality_ward23"], SOURCES) is None  # ward level: not LSOA coverage


def test_a_negative_count_in_a_number_column_is_named_by_file_row_and_column(tmp_path):
    column = "income_deprivation_affecting_children_index_idaci_numerator"
    con = _warehouse(tmp_path, {
        "iod2019_file8": ("iod2019_file8_underlying_indicators_x.csv",
                          _file8(["E01006212", "E01006213"], E01006213={column: "-5"})),
    })
    failed = [(o.column, o.sample) for o in validate(con, raw_suite(FILE8)) if not o.success]
    assert failed == [(column, [f"iod2019_file8_underlying_indicators_x.csv: row 3: {column} -5.0"])]


def test_impossible_row_values_are_named(tmp_path):
    mortality, admissions = SOURCES["mortality_ward23"], SOURCES["admissions_ward23"]
    con = _warehouse(tmp_path, {
        "mortality_ward23": ("mortality_ward2023_age_sex_x.csv",
                             ",".join(mortality.columns) + "\n2017-19,E05014989,Abram,Male,0,3,195\n"
                             "2017-19,E05014989,Abram,Female,0,300,195\n"),
        "admissions_ward23": ("emergency_admissions_ward2023_age_x.csv",
                              ",".join(admissions.columns) + "\n2019/20,E05014989,Abram,0-4,5000,766\n"),
    })
    con.execute("create schema intermediate; create schema seeds")
    con.execute("create table seeds.indicator_definitions as select 'income_deprivation' as indicator_id, "
                "'proportion' as value_type")
    con.execute("create table intermediate.int_lsoa_indicator_inputs as select * from (values "
                "('income_deprivation', 'iod2019_file8', '2019', 'E01006235', 5000.0, 2576.0), "
                "('income_deprivation', 'iod2019_file8', '2019', 'E01006212', 145.0, 1438.0)) "
                "as t(indicator_id, source_id, period, lsoa_code, numerator, denominator)")
    suite = load_suite_file(EXPECTATIONS_DIR / "marts" / "row_values_possible.yml")
    assert _failed(con, suite) == [("expect_column_values_to_be_null", [
        "emergency_admissions_ward2023_age_x.csv: row 2: column admissions: 5000 admissions is more than the population (766)",
        "iod2019_file8: LSOA E01006235, income_deprivation 2019: numerator 5000.0 is more than the denominator (2576.0)",
        "mortality_ward2023_age_sex_x.csv: row 3: column deaths: 300 deaths is more than the population (195)",
    ])]


def test_a_ward_missing_an_age_band_is_named(tmp_path):
    """A rejected (negative, say) or deleted mortality row would leave a ward's standardised rate
    built from some of its age bands: the gate names the ward, period, sex and band."""
    mortality = SOURCES["mortality_ward23"]
    rows = [f"2017-19,{ward},W,{sex},{band},1,100" for ward in ("E05014989", "E05014990")
            for sex in ("Male", "Female") for band in ("0", "1-4")]
    rows[-1] = "2017-19,E05014990,W,Female,1-4,-1,100"  # rejected: a negative count
    con = _warehouse(tmp_path, {
        "mortality_ward23": ("mortality_ward2023_age_sex_x.csv", ",".join(mortality.columns) + "\n" + "\n".join(rows) + "\n"),
    })
    assert con.execute("select reason from audit.rejected_rows").fetchall() == [("negative count",)]
    con.execute("create schema intermediate")
    con.execute("create table intermediate.int_lsoa_ward_bestfit as select * from (values ('E05014989'), "
                "('E05014990'), ('E05014991')) as t(ward_code)")
    suite = load_suite_file(EXPECTATIONS_DIR / "marts" / "ward_inputs_complete.yml")
    (failed,) = _failed(con, suite)
    assert failed[1][:2] == ["mortality_ward23: no row for E05014990, 2017-19, Female, age 1-4",
                             "mortality_ward23: no row for E05014991, 2017-19, Female, age 0"]
    assert len(failed[1]) == 5  # ward E05014991 has none of its four rows, E05014990 lacks one
