"""Several councils in one build, from a regional input: four councils' synthetic data, three
configured (config/councils.yml shape, via COUNCILS_CONFIG). The fourth is left out and counted.

`three_councils` runs the whole job and publishes the warehouse and the site; the tests read its
council-keyed models and marts."""

import html
from pathlib import Path

import duckdb
import pytest

from council_pages import council_page_problems
from disclosure_attack import attack, inequality_beside_withheld, plant_counts
from pipeline_support import Paths, environment, run_pipeline

from dagster_project import demo_data
from dagster_project.sitegen import build as site_build

CONFIGURED = ["E08000010", "E08000001", "E08000002"]  # Wigan, Bolton, Bury
LEFT_OUT = "E08000003"  # Manchester: in the input files, not configured


STRATEGY = "Progress with Unity"  # Wigan's, configured for Wigan only


def _write_config(path: Path) -> Path:
    path.write_text(
        "site_title: Three councils' ward inequalities\ncouncils:\n"
        + "".join(f"  - la_code: {code}\n    missions: [fair_opportunities]\n" for code in CONFIGURED)
        .replace("E08000010\n", f"E08000010\n    strategy: {STRATEGY}\n"),
        encoding="utf-8",
    )
    return path


# Planted small claimant counts (disclosure by differencing across councils): one ward of 3 in
# Bolton, two wards of 1 in Bury; the claimant count's inequality measures there are withheld.
PLANTED = {"E08000001": [3], "E08000002": [1, 1]}


def _regional(root: Path) -> Paths:
    paths = Paths(root / "raw", root / "warehouse.duckdb", root / "site")
    demo_data.generate(paths.raw_dir, councils=4)
    paths.planted = plant_counts(paths.raw_dir, PLANTED)
    return paths


@pytest.fixture(scope="module")
def three_councils(tmp_path_factory, dbt_manifest) -> Paths:
    """The whole job on the four-council input, three configured (the tests assert it succeeded)."""
    root = tmp_path_factory.mktemp("three_councils")
    paths = _regional(root)
    with environment({"COUNCILS_CONFIG": str(_write_config(root / "councils.yml"))}):
        result, failures = run_pipeline(paths)
    paths.failures = None if result.success else "\n".join(failures) or "run failed"
    return paths


@pytest.fixture(scope="module")
def models(three_councils):
    """The published warehouse of the three-council build, whose council-keyed intermediate models
    (ward deprivation, standardised values, the count of rows left out) these tests read."""
    assert three_councils.failures is None, three_councils.failures
    with duckdb.connect(str(three_councils.warehouse), read_only=True) as con:
        yield con


def test_only_configured_councils_have_wards(models):
    councils = dict(models.execute("select la_code, count(*) from intermediate.int_ward_deprivation group by 1").fetchall())
    assert councils == {code: 25 for code in CONFIGURED}
    names = dict(models.execute("select distinct la_code, la_name from intermediate.int_ward_deprivation").fetchall())
    assert names == {"E08000010": "Wigan", "E08000001": "Bolton", "E08000002": "Bury"}  # names come from the data


def test_quintiles_and_deciles_are_within_each_council(models):
    counts = models.execute(
        "select la_code, deprivation_quintile, count(*) from intermediate.int_ward_deprivation group by all order by all"
    ).fetchall()
    assert counts == [(code, q, 5) for code in sorted(CONFIGURED) for q in range(1, 6)]
    deciles = models.execute(
        "select la_code, min(deprivation_decile), max(deprivation_decile) from intermediate.int_ward_deprivation group by 1"
    ).fetchall()
    assert sorted(deciles) == [(code, 1, 10) for code in sorted(CONFIGURED)]
    # Quintile 1 is each council's most deprived fifth: every ward in it is at least as deprived
    # as every ward in quintile 2 of the same council.
    disordered = models.execute(
        """
        select a.la_code from intermediate.int_ward_deprivation as a
        join intermediate.int_ward_deprivation as b
            on a.la_code = b.la_code and a.deprivation_quintile = 1 and b.deprivation_quintile = 2
        where a.imd_score < b.imd_score
        """
    ).fetchall()
    assert disordered == []


def test_councils_differ(models):
    """The generator gives each council its own ward make-up, so their quintiles differ."""
    scores = models.execute(
        "select la_code, round(sum(imd_score * deprivation_quintile), 6) from intermediate.int_ward_deprivation group by 1"
    ).fetchall()
    assert len({score for _, score in scores}) == 3


def test_standardised_values_per_council(models):
    rows = models.execute(
        """
        select la_code, area_type, count(distinct area_code)
        from intermediate.int_standardised_values where indicator_id = 'emergency_admissions'
        group by all order by all
        """
    ).fetchall()
    assert rows == [
        (code, area_type, n) for code in sorted(CONFIGURED) for area_type, n in (("la", 1), ("quintile", 5), ("ward", 25))
    ]
    # Each council's quintile pools exactly its own wards' counts.
    mismatched = models.execute(
        """
        with quintiles as (
            select la_code, period, sum(numerator) as events from intermediate.int_standardised_values
            where indicator_id = 'emergency_admissions' and area_type = 'quintile' group by all
        ),
        councils as (
            select la_code, period, numerator as events from intermediate.int_standardised_values
            where indicator_id = 'emergency_admissions' and area_type = 'la'
        )
        select * from quintiles join councils using (la_code, period) where quintiles.events <> councils.events
        """
    ).fetchall()
    assert mismatched == []


def test_other_councils_are_left_out_and_counted(models):
    counted = dict(models.execute(
        "select source_id, lsoas_left_out from audit.rows_outside_councils where la_code = ?", [LEFT_OUT]
    ).fetchall())
    assert counted["lookup"] == 200
    assert counted["iod2019_file8"] == 200 and counted["census2021_ts067"] == 200
    assert set(models.execute("select la_code from audit.rows_outside_councils").fetchall()) == {(LEFT_OUT,)}
    (in_bridge,) = models.execute(
        "select count(*) from intermediate.int_lsoa_ward_bestfit where la_code = ?", [LEFT_OUT]
    ).fetchone()
    assert in_bridge == 0


def test_three_councils_publish_their_own_marts(three_councils):
    assert three_councils.failures is None, three_councils.failures
    with duckdb.connect(str(three_councils.warehouse), read_only=True) as con:
        wards = dict(con.execute("select la_code, count(*) from marts.dim_ward group by 1").fetchall())
        assert wards == {code: 25 for code in CONFIGURED}
        la_rows = {code for (code,) in con.execute(
            "select distinct area_code from marts.fct_indicator_values where area_type = 'la'").fetchall()}
        assert set(CONFIGURED) <= la_rows and LEFT_OUT not in la_rows
        sii = dict(con.execute(
            "select la_code, count(*) from marts.fct_inequality where measure = 'sii_quintiles' "
            "and indicator_id != 'claimant_count' group by 1").fetchall())  # (claimants: planted small counts)
        assert set(sii) == set(CONFIGURED)
        # the councils differ, so their SII counts may too, but only where a council-period has a
        # withheld or bounded ward (no measure is published beside a withheld count)
        unexplained = con.execute("""
            with tested as (
                select distinct indicator_id, period from marts.fct_inequality
                where measure = 'sii_quintiles' and indicator_id != 'claimant_count'
            ), councils as (select distinct la_code from marts.dim_ward)
            select t.indicator_id, t.period, c.la_code
            from tested t cross join councils c
            where not exists (select 1 from marts.fct_inequality g where g.measure = 'sii_quintiles'
                              and g.indicator_id = t.indicator_id and g.period = t.period and g.la_code = c.la_code)
              and not exists (select 1 from marts.fct_indicator_values v where v.area_type = 'ward'
                              and v.indicator_id = t.indicator_id and v.period = t.period and v.la_code = c.la_code
                              and (v.suppressed or v.value_status <> 'published'))
        """).fetchall()
        assert unexplained == []
        progress = {code for (code,) in con.execute("select distinct la_code from marts.fct_mission_progress").fetchall()}
        assert progress == set(CONFIGURED)
        ward_codes = con.execute("select lower(la_name), ward_code from marts.dim_ward").fetchall()
    assert all((three_councils.site_dir / slug / "wards" / code / "index.html").exists() for slug, code in ward_codes)


def test_each_council_has_its_own_section_speaking_for_it(three_councils, tmp_path):
    """The region page links to each council's section; each council's pages speak for it alone
    (tests/council_pages.py, which the real builds can be checked with too)."""
    assert three_councils.failures is None, three_councils.failures
    site = three_councils.site_dir
    config = _write_config(tmp_path / "councils.yml")
    assert council_page_problems(site, config) == []
    region = (site / "index.html").read_text(encoding="utf-8")
    for slug in ("wigan", "bolton", "bury"):
        assert f'href="{slug}/index.html"' in region
    assert "Each council compared with England" in region
    bolton = html.unescape((site / "bolton" / "index.html").read_text(encoding="utf-8"))
    assert "Bolton's 25 wards" in bolton and STRATEGY not in bolton
    assert STRATEGY in (site / "wigan" / "index.html").read_text(encoding="utf-8")
    # Indicator pages rank only the council's own wards, against the council.
    ranking = (site / "bury" / "indicators" / "imd_score" / "index.html").read_text(encoding="utf-8")
    assert "Wards compared with Bury" in ranking and "Bolton " not in ranking and "Wigan Central" not in ranking


class _Stop(Exception):
    pass


def test_a_regions_downloads_export_starts_beside_its_shared_queries(three_councils, tmp_path, monkeypatch):
    """On a site of several councils the downloads' export starts before the queries every council's
    pages share (the render workers have no pages until they end), with REGION_MEMORY_LIMIT on the
    connection for the two; the build stops there (a failure stops the export too)."""
    assert three_councils.failures is None, three_councils.failures
    events = []
    start = site_build._Downloads.start

    def export_started(self):
        events.append("export")
        start(self)

    def shared_queries(con, site_root):
        limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
        events.append(("shared queries", limit))
        raise _Stop

    monkeypatch.setattr(site_build._Downloads, "start", export_started)
    monkeypatch.setattr(site_build, "_shared_queries", shared_queries)
    with environment({"COUNCILS_CONFIG": str(_write_config(tmp_path / "councils.yml"))}):
        with pytest.raises(_Stop):
            site_build.build_site(three_councils.warehouse, tmp_path / "out", search_index=False, workers=1)
    with duckdb.connect() as con:
        con.execute(f"set memory_limit = '{site_build.REGION_MEMORY_LIMIT}'")
        expected = con.execute("select current_setting('memory_limit')").fetchone()[0]
    assert events == ["export", ("shared queries", expected)]


def test_the_council_check_catches_a_council_speaking_for_another(three_councils, tmp_path):
    """Tampered copies of the site: Wigan's strategy on Bolton's home page, Wigan named as Bury's
    benchmark and a repeated ward name without its council are each reported."""
    import shutil

    assert three_councils.failures is None, three_councils.failures
    site = tmp_path / "site"
    shutil.copytree(three_councils.site_dir, site, ignore=shutil.ignore_patterns("pagefind", "downloads"))
    config = _write_config(tmp_path / "councils.yml")
    home = site / "bolton" / "index.html"
    home.write_text(home.read_text(encoding="utf-8").replace("</main>", f"<p>Bolton Council's strategy, {STRATEGY}</p></main>"),
                    encoding="utf-8")
    ranking = site / "bury" / "indicators" / "imd_score" / "index.html"
    ranking.write_text(ranking.read_text(encoding="utf-8").replace("Wards compared with Bury", "Wards compared with Wigan"),
                       encoding="utf-8")
    douglas = next(p for p in (site / "bury" / "wards").glob("*/index.html") if "Douglas (Bury)" in p.read_text(encoding="utf-8"))
    douglas.write_text(douglas.read_text(encoding="utf-8").replace("Douglas (Bury)", "Douglas"), encoding="utf-8")
    problems = "\n".join(council_page_problems(site, config))
    assert f"bolton/index.html: carries another council's strategy, '{STRATEGY}'" in problems
    assert "bury/indicators/imd_score/index.html: speaks for Wigan ('compared with Wigan')" in problems
    assert "ward name 'Douglas' repeats without its council" in problems


def test_no_withheld_count_is_recovered_by_differencing_across_councils(three_councils):
    assert three_councils.failures is None, three_councils.failures
    recovered, attacked = attack(three_councils.site_dir, three_councils.warehouse)
    assert attacked >= 4, "the planted counts and their secondary cells should be withheld"
    assert recovered == []
    assert inequality_beside_withheld(three_councils.site_dir) == []
    with duckdb.connect(str(three_councils.warehouse), read_only=True) as con:
        labels = dict(con.execute(
            "select area_code, suppression from marts.fct_indicator_values "
            "where indicator_id = 'claimant_count' and suppression is not null").fetchall())
    planted = {ward for wards in three_councils.planted.values() for ward in wards}
    assert all(labels.get(ward) == "primary" for ward in planted), labels
    assert "secondary" in labels.values()


def test_the_site_carries_the_configured_title(three_councils):
    assert three_councils.failures is None, three_councils.failures
    index = (three_councils.site_dir / "index.html").read_text(encoding="utf-8")
    assert "Three councils&#39; ward inequalities" in index or "Three councils' ward inequalities" in index


def test_the_default_configuration_is_wigan():
    from dagster_project.settings import DEFAULT_COUNCILS_CONFIG, get_councils_config

    with environment({"COUNCILS_CONFIG": str(DEFAULT_COUNCILS_CONFIG)}):
        config = get_councils_config()
    assert config.la_codes == ["E08000010"] and config.site_title == "Wigan ward inequalities"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("site_title: T\ncouncils:\n  - la_code: W123\n", "councils entry 1: la_code 'W123' is not an English local authority code"),
        ("site_title: T\ncouncils:\n  - la_code: E08000010\n  - la_code: E08000010\n", "councils entry 2: la_code E08000010 is listed twice"),
        ("councils:\n  - la_code: E08000010\n", "site_title must be a non-empty string"),
        ("site_title: T\ncouncils: []\n", "councils must be a non-empty list"),
        ("site_title: [unclosed\n", "not valid YAML"),
        # the schema (issue 22): SQL in a mission id, a misspelt id, lengths, unknown keys
        ("site_title: T\ncouncils:\n  - la_code: E08000010\n    missions: [\"fair_opportunities' as mission_id union all select 'E08000010', 'flourishing_places\"]\n",
         "may hold only a-z, 0-9 and _"),
        ("site_title: T\ncouncils:\n  - la_code: E08000010\n    missions: [fair_oportunities]\n", "is not in missions.csv"),
        ("site_title: T\ncouncils:\n  - la_code: E08000010\n    missions: [fair_opportunities, fair_opportunities]\n", "listed twice"),
        ("site_title: " + "x" * 1_000_000 + "\ncouncils:\n  - la_code: E08000010\n", "far too long"),
        ("site_title: " + "x" * 121 + "\ncouncils:\n  - la_code: E08000010\n", "site_title is 121 characters long"),
        ("site_title: T\ncouncils:\n  - la_code: E08000010\n    strategy: " + "s" * 500 + "\n", "strategy is 500 characters"),
        ("site_title: \"T\\nline\"\ncouncils:\n  - la_code: E08000010\n", "one line of text"),
        ("site_title: \"T\\u2028line\"\ncouncils:\n  - la_code: E08000010\n", "one line of text"),
        ("site_title: \"T\\x85line\"\ncouncils:\n  - la_code: E08000010\n", "one line of text"),
        ("site_title: T\ncouncils:\n  - la_code: E08000010\n    strategy: \"Progress \\u202ewith\"\n", "text-direction overrides"),
        ("site_title: T\nsite_titel: U\ncouncils:\n  - la_code: E08000010\n", "unknown key(s) site_titel"),
        ("site_title: T\ncouncils:\n  - la_code: E08000010\n    mission: [fair_opportunities]\n", "unknown key(s) mission"),
        ("site_title: T\ncouncils:\n  - la_code: 8000010\n", "is not an English local authority code"),
        # held-out variants: a trailing line break, a look-alike letter, a quote in YAML's other style
        ("site_title: T\ncouncils:\n  - la_code: E08000010\n    missions: [\"fair_opportunities\\n\"]\n", "may hold only a-z, 0-9 and _"),
        ("site_title: T\ncouncils:\n  - la_code: E08000010\n    missions: [fair_opportunitiés]\n", "may hold only a-z, 0-9 and _"),
        ("site_title: T\ncouncils:\n  - la_code: E08000010\n    missions: ['fair''s']\n", "may hold only a-z, 0-9 and _"),
    ],
)
def test_a_bad_configuration_names_the_file_and_the_problem(tmp_path, text, message):
    from dagster_project.settings import get_councils_config

    path = tmp_path / "councils.yml"
    path.write_text(text, encoding="utf-8")
    with environment({"COUNCILS_CONFIG": str(path)}), pytest.raises(ValueError) as error:
        get_councils_config()
    assert str(path) in str(error.value) and message in str(error.value)


def test_a_councils_file_that_is_a_link_is_refused_by_run_and_fetch(tmp_path):
    """Held-out variant: the councils file given as a symbolic link is refused by the settings
    and by `make fetch` (which read it itself, following the link)."""
    from dagster_project.fetch import council_codes
    from dagster_project.settings import get_councils_config

    real = tmp_path / "real.yml"
    real.write_text("site_title: T\ncouncils:\n  - la_code: E08000010\n", encoding="utf-8")
    (tmp_path / "councils.yml").symlink_to(real)
    with environment({"COUNCILS_CONFIG": str(tmp_path / "councils.yml"), "FETCH_COUNCILS": ""}):
        for read in (get_councils_config, council_codes):
            with pytest.raises(ValueError, match=r"councils\.yml: is a symbolic link \(to .*real\.yml\)"):
                read()


def test_dbt_defaults_are_the_default_configuration():
    """Bare dbt commands (no --vars) see the same councils as the pipeline's default run."""
    import json

    import yaml

    from dagster_project.defs.transform.invocation import dbt_vars
    from dagster_project.settings import DEFAULT_COUNCILS_CONFIG, DBT_PROJECT_DIR

    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    with environment({"COUNCILS_CONFIG": str(DEFAULT_COUNCILS_CONFIG)}):
        assert json.loads(dbt_vars()) == project["vars"]


def test_each_councils_pages_fit_their_phone_budgets(three_councils):
    """Every council section's home, ward, claimant indicator and mission pages at 390 x 844."""
    from page_budgets import CHROMIUM, page_budget_problems

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed at /usr/bin/chromium")
    pytest.importorskip("playwright.sync_api")
    assert three_councils.failures is None, three_councils.failures
    assert page_budget_problems(three_councils.site_dir) == []
