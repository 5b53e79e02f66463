"""No disclosive count is published: a ward whose claimant count is 3 is suppressed in the
marts, in every site table and CSV download (primary), and other wards are withheld (secondary)
so that no differencing of the published figures (totals, quintile measures, ward range) gives
the 3 back; each label says which kind of withholding it is."""

import csv

import duckdb
import pytest

from disclosure_attack import attack, inequality_beside_withheld
from pipeline_support import edit_cells, published_once, run_pipeline

CLAIMANTS = "claimant_count_lsoa_2018-11_wigan.csv"
LOOKUP = "lookup_lsoa21_to_ward2023_bestfit_wigan.csv"
SMALL = 3


@pytest.fixture(scope="module")
def disclosive(tmp_path_factory):
    """The bundled data with one ward's claimants reduced to a total of 3 (a rerun after the
    session's published build, so only what depends on the claimant file is rebuilt)."""
    paths = published_once(tmp_path_factory.mktemp("disclosure"))
    with (paths.raw_dir / LOOKUP).open(encoding="utf-8", newline="") as handle:
        lookup = list(csv.DictReader(handle))
    ward = lookup[0]["wd23cd"]
    lsoas = [r["lsoa21cd"] for r in lookup if r["wd23cd"] == ward]
    path = paths.raw_dir / CLAIMANTS
    with path.open(encoding="utf-8", newline="") as handle:
        codes = [row["Geography"] for row in csv.DictReader(handle)]
    edit_cells(path, {
        (number, "Value"): str(SMALL) if code == lsoas[0] else "0"
        for number, code in enumerate(codes, start=2) if code in lsoas
    })
    result, failures = run_pipeline(paths)
    assert result.success, "\n".join(failures)
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        suppressed = con.execute(
            "select area_code, numerator, value, suppression from marts.fct_indicator_values "
            "where indicator_id = 'claimant_count' and suppressed order by area_code"
        ).fetchall()
        names = dict(con.execute("select ward_code, ward_name from marts.dim_ward").fetchall())
    return paths, ward, suppressed, names


def test_the_small_count_is_primary_and_other_cells_secondary_in_the_marts(disclosive):
    _, ward, suppressed, _ = disclosive
    kinds = {code: kind for code, _, _, kind in suppressed}
    assert kinds.pop(ward) == "primary"
    assert kinds and set(kinds.values()) == {"secondary"}
    assert all(numerator is None and value is None for _, numerator, value, _ in suppressed)


def test_no_differencing_route_recovers_the_small_count(disclosive):
    paths, *_ = disclosive
    recovered, attacked = attack(paths.site_dir, paths.warehouse)
    assert attacked >= 2
    assert recovered == []
    assert inequality_beside_withheld(paths.site_dir) == []


def test_labels_say_why_a_figure_is_withheld(disclosive):
    paths, ward, suppressed, names = disclosive
    secondary = next(code for code, _, _, kind in suppressed if kind == "secondary")
    page = _claimant_row(paths.site_dir / "wards" / secondary / "index.html")
    primary_page = _claimant_row(paths.site_dir / "wards" / ward / "index.html")
    assert "suppressed (fewer than 5)" in primary_page
    assert "withheld (so that a suppressed count cannot be worked out from the totals)" in page
    assert "suppressed (fewer than 5)" not in page


def _claimant_row(page):
    """The claimant count's row of a ward page's spine table (other indicators may hold small
    counts of their own)."""
    html = page.read_text(encoding="utf-8")
    start = html.index('href="../../indicators/claimant_count/')
    return html[start:html.index("</tr>", start)]


def _rows(site):
    for path in sorted(site.rglob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                yield path, row


def test_no_site_table_or_csv_shows_a_withheld_count(disclosive):
    paths, ward, suppressed, names = disclosive
    withheld = {code for code, *_ in suppressed}
    checked = 0
    for path, row in _rows(paths.site_dir):
        cells = set(row.values())
        about_claimants = "claimant_count" in str(path) or "claimant_count" in cells or (
            "People claiming unemployment-related benefits" in cells
        )
        for code in withheld:
            if about_claimants and (code in cells or names[code] in cells):
                checked += 1
                for column in ("value", "numerator", "lower_ci_95", "upper_ci_95"):
                    assert not row.get(column), f"{path}: {column}={row[column]!r} published for withheld {code}"
    assert checked >= 4, "the withheld cells should appear (as suppressed) in several tables"


def test_no_published_count_anywhere_is_disclosive(disclosive):
    paths, *_ = disclosive
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        rules = dict(con.execute(
            "select indicator_id, disclosure_min_count from marts.dim_indicator "
            "where value_type in ('proportion', 'count')"
        ).fetchall())
        counts = dict(con.execute(
            "select indicator_id, value_type = 'count' from marts.dim_indicator"
        ).fetchall())
    download = paths.site_dir / "downloads" / "marts" / "fct_indicator_values.csv"
    with download.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["indicator_id"] in rules]
    assert rows
    for row in rows:
        limit = rules[row["indicator_id"]]
        published = [row["numerator"]] + ([row["value"]] if counts[row["indicator_id"]] else [])
        for cell in published:
            assert not cell or not 1 <= float(cell) < limit, row


def test_the_apportionment_check_does_not_publish_the_withheld_count(disclosive):
    """Held-out route: audit.apportionment_validation compares each ward's direct LSOA claimant
    count with its estimate, month by month, and its download published the planted 3 beside
    the suppressed mart cell. Every ward of a council and month with a withheld count is
    withheld there too (direct, and estimate and error, whose difference is direct)."""
    paths, ward, suppressed, _ = disclosive
    rows = [r for _, r in _rows(paths.site_dir / "downloads" / "audit") if "ward_code" in r and "direct" in r]
    assert rows, "the apportionment check should be published"
    for row in rows:
        if row["direct"]:
            assert not 1 <= float(row["direct"]) < 5, row
    planted = [r for r in rows if r["ward_code"] == ward and r["period"] == CLAIMANTS.split("_")[3]]
    assert planted and all(not (r["direct"] or r["estimate"] or r["error"]) for r in planted), planted


def test_the_apportionment_view_withholds_every_ward_of_a_withheld_council_month():
    from dagster_project.sitegen.downloads import public_views

    con = duckdb.connect()
    con.execute("create schema marts; create schema audit")
    con.execute("create table marts.fct_indicator_values as select * from (values "
                "('ward', 'primary', 'A', '2018-11'), ('ward', null, 'A', '2019-11'), ('la', null, 'B', '2018-11')) "
                "t(area_type, suppression, la_code, period)")
    con.execute("create table audit.apportionment_validation as select * from (values "
                "('2018-11', 'A', 'W1', 'm', 3.0, 4.0, 1.0), ('2018-11', 'A', 'W2', 'm', 300.0, 290.0, -10.0), "
                "('2019-11', 'A', 'W1', 'm', 7.0, 8.0, 1.0), ('2018-11', 'B', 'W9', 'm', 9.0, 9.5, 0.5)) "
                "t(period, la_code, ward_code, method, direct, estimate, error)")
    public_views(con)
    assert con.execute("select period, la_code, ward_code, direct, estimate, error from site_audit_apportionment_validation "
                       "order by all").fetchall() == [
        ("2018-11", "A", "W1", None, None, None), ("2018-11", "A", "W2", None, None, None),
        ("2018-11", "B", "W9", 9.0, 9.5, 0.5), ("2019-11", "A", "W1", 7.0, 8.0, 1.0)]
