"""The whole asset graph on the bundled data: real content in the warehouse and the site."""

import csv
import json
import hashlib
import re

import duckdb
import pytest

from pipeline_support import changed_files, file_digests, run_pipeline


@pytest.fixture(scope="module")
def con(built):
    with duckdb.connect(str(built.warehouse), read_only=True) as connection:
        yield connection


def test_only_the_published_outputs_remain(built):
    leftovers = [p.name for p in built.warehouse.parent.iterdir() if "candidate" in p.name or "previous" in p.name]
    assert leftovers == []
    assert built.warehouse.exists() and (built.site_dir / "index.html").exists()


def test_every_ward_has_a_page(built, con):
    wards = con.execute("select ward_code, ward_name from marts.dim_ward").fetchall()
    assert len(wards) == 25
    for code, name in wards:
        page = built.site_dir / "wards" / code / "index.html"
        assert page.exists(), f"no page for ward {code}"
        assert name.replace("&", "&amp;") in page.read_text(encoding="utf-8")


def test_every_indicator_has_a_value_for_every_ward_and_period(con):
    missing = con.execute(
        """
        with expected as (
            select i.indicator_id, w.ward_code, p.period
            from marts.dim_indicator as i
            cross join marts.dim_ward as w
            inner join (select distinct indicator_id, period from marts.fct_indicator_values) as p using (indicator_id)
        )
        select e.* from expected as e
        left join marts.fct_indicator_values as v
            on v.indicator_id = e.indicator_id and v.area_code = e.ward_code and v.period = e.period
        where v.value is null and coalesce(v.value_status, 'missing') not in ('withheld', 'bounded')
        """
    ).fetchall()
    assert missing == []
    without_values = {
        i for (i,) in con.execute(
            "select indicator_id from marts.dim_indicator except select indicator_id from marts.fct_indicator_values"
        ).fetchall()
    }
    # the demonstration data has no file for these borough-only or real-only sources, nor for
    # the census health tables that only `make fetch` brings; Local Health is on its own wards only
    assert without_values == {
        "claimant_rate", "children_low_income_families", "healthy_life_expectancy_male",
        "healthy_life_expectancy_female", "working_age_no_qualifications", "disability_limited_a_lot",
        *(i for (i,) in con.execute("select indicator_id from marts.dim_indicator where indicator_id like 'localhealth_%'").fetchall()),
    }
    periods = dict(con.execute("select indicator_id, count(distinct period) from marts.fct_indicator_values group by 1").fetchall())
    single = {i for i, n in periods.items() if n < 2}
    # sources with one release only: one claimant month, an IoD2019-only indicator, Census 2021 health and
    # care, and the domain shares of IoD2025 File 7 (only that release gives domain deciles here)
    assert single == {"claimant_count", "staying_on_post_16", "disability", "bad_health", "unpaid_care",
                      "long_term_sick", "income_most_deprived_share", "health_most_deprived_share",
                      "education_most_deprived_share"}, periods


def test_intervals_contain_the_value_and_nest(con):
    bad = con.execute(
        """
        select * from marts.fct_indicator_values
        where lower_ci_95 is not null and not (
            lower_ci_998 <= lower_ci_95 and lower_ci_95 <= value and value <= upper_ci_95 and upper_ci_95 <= upper_ci_998)
        """
    ).fetchall()
    assert bad == [], bad[:3]
    proportions = con.execute(
        "select count(*) from marts.fct_indicator_values v join marts.dim_indicator i using (indicator_id) "
        "where i.value_type = 'proportion' and v.denominator is not null and v.lower_ci_95 is null and not v.suppressed"
    ).fetchone()[0]
    assert proportions == 0


def test_borough_proportion_is_recomputed_from_ward_counts(con):
    rows = con.execute(
        """
        select b.indicator_id, b.period, b.value, any_value(i.multiplier) * sum(w.numerator) / sum(w.denominator)
        from marts.fct_indicator_values b
        join marts.fct_indicator_values w using (indicator_id, period)
        join marts.dim_indicator i using (indicator_id)
        where b.area_type = 'la' and w.area_type = 'ward' and i.value_type = 'proportion' and b.denominator is not null
          and b.value_status = 'published'
          and b.aggregation_method != 'the district''s published count'
        group by all
        having count(w.numerator) = count(*)  -- no ward withheld (small counts are not shown)
        """
    ).fetchall()
    assert rows
    for indicator, period, borough, recomputed in rows:
        assert borough == pytest.approx(recomputed), (indicator, period)


def test_row_accounting_matches_the_files(built, con):
    from dagster_project.defs.ingest.registry import REFERENCE_DIR, load_registry

    sources = load_registry()
    log = con.execute("select source_id, file_name, rows_read, rows_loaded, rows_rejected from audit.load_log").fetchall()
    assert len(log) == sum(1 for _ in built.raw_dir.glob("*.csv")) + sum(1 for _ in REFERENCE_DIR.glob("*.csv"))
    for source_id, file_name, read, loaded, rejected in log:
        assert read == loaded + rejected
        with (sources[source_id].folder(built.raw_dir) / file_name).open(encoding="utf-8-sig", newline="") as handle:
            assert read == sum(1 for _ in csv.reader(handle)) - 1, file_name
        table_rows = con.execute(f"select count(*) from raw.{source_id} where _source_file = ?", [file_name]).fetchone()[0]
        assert table_rows == loaded


def test_all_data_is_marked_as_demonstration(con, built):
    assert con.execute("select bool_and(is_demo) from marts.fct_indicator_values").fetchone()[0] is True
    assert "Demonstration data" in (built.site_dir / "index.html").read_text(encoding="utf-8")


def test_quality_gates_ran_and_passed(con):
    suites, failed = con.execute(
        "select count(distinct suite), count(*) filter (not success and severity = 'critical') from audit.quality_results"
    ).fetchone()
    assert suites >= 10 and failed == 0


def _mart_checksums(warehouse) -> dict[str, str]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = [t for (t,) in connection.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
        return {
            t: hashlib.sha256(repr(connection.execute(f"select * from marts.{t} order by all").fetchall()).encode()).hexdigest()
            for t in tables
        }


def test_rerun_on_unchanged_data_gives_the_same_marts_and_site(built):
    before = _mart_checksums(built.warehouse)
    site_before = file_digests(built.site_dir, exclude=("build-info.json",))
    result, failures = run_pipeline(built)
    assert result.success, "\n".join(failures)
    assert _mart_checksums(built.warehouse) == before
    assert changed_files(site_before, file_digests(built.site_dir, exclude=("build-info.json",))) == []
    # dbt did not rerun: every dbt test still reports, with the result stored from the build.
    import dagster as dg

    from dagster_project.defs.transform.assets import dbt_models
    from dagster_project.progress import closing_lines

    evaluations = [e.asset_check_evaluation_data for e in result.all_events
                   if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION]
    stored = {(e.asset_key, e.check_name) for e in evaluations if "stored from the build" in str(e.metadata.get("result", ""))}
    assert stored == {(k.asset_key, k.name) for k in dbt_models.check_keys}
    lines = closing_lines(result)  # the console's closing lines: the site build's own counts
    info = json.loads((built.site_dir / "build-info.json").read_text(encoding="utf-8"))
    written, rendered = info["pages_written"], info["pages_rendered"]
    assert written == len(list(built.site_dir.rglob("*.html")))
    assert [line for line in lines if line.startswith("pages:")] == [
        f"pages: {written} in the site; {rendered} rendered in this run, {written - rendered} unchanged (kept from the cache)"]
    assert len([line for line in lines if line.startswith("optional sources not supplied (")]) == 1


def test_dbt_data_and_unit_tests_pass(built, tmp_path):
    import os
    import shutil
    import subprocess

    from pipeline_support import DBT, REPO

    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(built.warehouse, copy)
    completed = subprocess.run(
        [str(DBT), "test", "--profiles-dir", "."],
        cwd=REPO / "dbt", env={**os.environ, "DBT_DUCKDB_PATH": str(copy)}, capture_output=True, text=True,
    )
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert "proportions_are_recomputed_and_scores_population_weighted" in completed.stdout
    assert re.search(r"Done\. PASS=[1-9]\d* WARN=0 ERROR=0 ", completed.stdout), completed.stdout[-500:]


def test_every_judgement_rests_on_a_test_and_every_page_states_it_alike(built, con):
    from judgement_claims import display_problems, page_disagreements, unsupported_claims
    from page_audit import audit

    assert {name: rows for name, rows in unsupported_claims(con).items() if rows} == {}
    assert page_disagreements(con, built.site_dir) == []
    assert display_problems(con, built.site_dir) == []
    assert audit(built.site_dir) == []  # captions say only what is drawn; every gap has its reason
