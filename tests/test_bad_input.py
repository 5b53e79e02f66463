"""Corrupted inputs are quarantined or stop the run, and never replace the published site."""

import duckdb
import pytest

from pipeline_support import digest, edit_cells, published_once, run_pipeline

FILE8 = "iod2019_file8_underlying_indicators_wigan.csv"
FILE6 = "iod2019_file6_population_denominators_wigan.csv"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A good run, published, whose outputs the bad runs below must leave untouched."""
    return published_once(tmp_path_factory.mktemp("bad_input"))


def test_bad_rows_are_quarantined_with_file_row_and_column(published):
    """Rows that are not data of the release (a code that is no LSOA, text for a number) are
    quarantined with file, row and column and the run goes on. (A rejected row of an LSOA the
    borough has stops the run instead: its ward would be built from only some of its LSOAs;
    see test_hostile_pipeline.py.)"""
    raw = published.raw_dir / FILE8
    original = raw.read_bytes()
    try:
        first = original.decode("utf-8").splitlines()[1].split(",")
        extra = [",".join(["E0100XXXX", *first[1:]]), ",".join(["E01999999", "lots", *first[2:]])]
        raw.write_text(original.decode("utf-8") + "\n".join(extra) + "\n", encoding="utf-8")
        result, failures = run_pipeline(published)
        assert result.success, "\n".join(failures)
        with duckdb.connect(str(published.warehouse), read_only=True) as con:
            rejected = con.execute(
                "select file_name, row_number, column_name, value, reason from audit.rejected_rows "
                "where source_id = 'iod2019_file8' order by row_number"
            ).fetchall()
            read, loaded, rejected_count = con.execute(
                "select rows_read, rows_loaded, rows_rejected from audit.load_log where source_id = 'iod2019_file8'"
            ).fetchone()
        assert rejected == [
            (FILE8, 202, "lsoa11_code", "E0100XXXX", "not a LSOA code of the declared geography (lsoa 2011)"),
            (FILE8, 203, "income_domain_numerator", "lots", "not a number"),
        ]
        assert (read, loaded, rejected_count) == (202, 200, 2)
    finally:
        raw.write_bytes(original)


def test_a_missing_column_stops_the_run_and_keeps_the_last_good_site(published):
    raw = published.raw_dir / FILE6
    original = raw.read_bytes()
    site_before = digest(published.site_dir)
    warehouse_before = digest(published.warehouse)
    try:
        drop = "Total population: mid 2015 (excluding prisoners)"
        header, rest = original.decode("utf-8").split("\n", 1)
        raw.write_text(header.replace(drop + ",", "") + "\n" + rest, encoding="utf-8")
        result, failures = run_pipeline(published)
        assert not result.success
        message = "\n".join(failures)
        assert FILE6 in message and "row 1" in message and drop in message
        assert digest(published.site_dir) == site_before
        assert digest(published.warehouse) == warehouse_before
        assert not [p for p in published.warehouse.parent.iterdir() if "candidate" in p.name]
    finally:
        raw.write_bytes(original)


def test_a_failing_quality_gate_blocks_the_site(published):
    raw = published.raw_dir / FILE6
    original = raw.read_bytes()
    site_before = digest(published.site_dir)
    try:
        # A plausible-looking but impossible population: it loads, then the raw GX gate stops the run.
        edit_cells(raw, {(2, "Total population: mid 2015 (excluding prisoners)"): "99,999"})
        result, failures = run_pipeline(published)
        assert not result.success
        message = "\n".join(failures)
        assert "gx_raw_iod2019_file6" in message
        assert "total_population_mid_2015_excluding_prisoners" in message
        assert "expect_column_values_to_be_between" in message
        assert digest(published.site_dir) == site_before
        materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
        assert materialized and not materialized & {"marts/fct_indicator_values", "site", "published"}
    finally:
        raw.write_bytes(original)
