"""A small warehouse in the public marts/audit contract, for the site tests (not the real pipeline)."""

from __future__ import annotations

from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]
SITE_ROOT = REPO / "site"
PAGES = SITE_ROOT / "pages"
XSS = "<script>alert(1)</script>"
FORMULA = "=SUM(1)"

DDL = """
create schema marts;
create schema audit;
create table marts.dim_ward (ward_code varchar, ward_name varchar, ward_vintage varchar, la_code varchar,
    la_name varchar, population integer, imd_score double, deprivation_quintile integer);
create table marts.dim_indicator (indicator_id varchar, title varchar, domain varchar, unit varchar,
    value_type varchar, multiplier double, polarity varchar, definition varchar, source_id varchar, licence varchar);
create table marts.dim_mission (mission_id varchar, title varchar, statement varchar);
create table marts.bridge_mission_indicator (mission_id varchar, indicator_id varchar, target_text varchar);
create table marts.fct_indicator_values (indicator_id varchar, area_code varchar, area_type varchar,
    period varchar, period_start date, period_end date, numerator double, denominator double, value double,
    lower_ci_95 double, upper_ci_95 double, lower_ci_998 double, upper_ci_998 double, suppressed boolean,
    source_id varchar, is_demo boolean);
create table marts.fct_inequality (indicator_id varchar, la_code varchar, period varchar, measure varchar,
    value double, lower_ci_95 double, upper_ci_95 double);
create table marts.fct_mission_progress (mission_id varchar, indicator_id varchar, baseline_period varchar,
    baseline_value double, latest_period varchar, latest_value double, direction varchar);
create table marts.dim_source (source_id varchar, title varchar, publisher varchar, release varchar,
    url varchar, licence varchar, attribution varchar);
create table audit.load_log (source_id varchar, file_name varchar, sha256 varchar, rows_read bigint,
    rows_loaded bigint, rows_rejected bigint, loaded_at timestamp);
create table audit.rejected_rows (source_id varchar, file_name varchar, row_number bigint, column_name varchar,
    value varchar, reason varchar);
create table audit.quality_results (suite varchar, table_name varchar, expectation varchar, column_name varchar,
    severity varchar, success boolean, observed varchar, details varchar);
"""

BASE_WARDS = [
    ("E05000841", "Abram"),
    ("E05000842", "Ashton-in-Makerfield South"),
    ("E05000843", "Aspull, New Springs & Whelley"),
    ("E05000844", XSS),
    ("E05000845", FORMULA),
]
PERIODS = [("2021/22", "2021-04-01", "2022-03-31"), ("2022/23", "2022-04-01", "2023-03-31")]


def wards(extra: int = 0) -> list[tuple[str, str]]:
    return BASE_WARDS + [(f"E05{900000 + i:06d}", f"Synthetic ward {i}") for i in range(extra)]


def make_warehouse(path: Path, extra_wards: int = 0, is_demo: bool = True) -> Path:
    """Write the fixture warehouse; `extra_wards` adds synthetic wards for load tests."""
    con = duckdb.connect(str(path))
    con.execute(DDL)
    ward_list = wards(extra_wards)
    con.executemany(
        "insert into marts.dim_ward values (?, ?, '2023', 'E08000010', 'Wigan', ?, ?, ?)",
        [(code, name, 9000 + 37 * i, 10.0 + 3.1 * (i % 17), 1 + i % 5) for i, (code, name) in enumerate(ward_list)],
    )
    con.execute("""insert into marts.dim_indicator values
        ('obesity_y6', 'Obesity in year 6 children', 'health', '%', 'proportion', 100, 'low_is_good',
         'Year 6 children measured as obese, as a share of those measured.', 'ncmp', 'OGL v3.0'),
        ('income_score', 'Income deprivation score', 'income', 'score', 'score', 1, 'low_is_good',
         'Population-weighted income deprivation score.', 'iod', 'OGL v3.0')""")
    con.execute("""insert into marts.dim_mission values
        ('fair-opportunities', 'Create fair opportunities for all children, families, residents and businesses',
         'Close the gap between the most and least deprived wards.')""")
    con.execute("""insert into marts.bridge_mission_indicator values
        ('fair-opportunities', 'obesity_y6', 'Narrow the gap in year 6 obesity'),
        ('fair-opportunities', 'income_score', 'Reduce income deprivation in the most deprived wards')""")
    con.execute("""insert into marts.dim_source values
        ('ncmp', 'National Child Measurement Programme', 'NHS England', '2022/23', 'https://example.org/ncmp',
         'OGL v3.0', 'Contains public sector information licensed under the Open Government Licence v3.0'),
        ('iod', 'English Indices of Deprivation', 'MHCLG', '2019', 'javascript:alert(1)',
         'OGL v3.0', 'Contains public sector information licensed under the Open Government Licence v3.0')""")
    rows = []
    for p, (period, start, end) in enumerate(PERIODS):
        for i, (code, _) in enumerate(ward_list):
            denominator = 100.0 + 7 * (i % 11)
            numerator = 15.0 + (i % 9) + 2 * p
            value = 100 * numerator / denominator
            suppressed = i == 1 and p == len(PERIODS) - 1
            rows.append(("obesity_y6", code, "ward", period, start, end, numerator, denominator,
                         None if suppressed else value, None if suppressed else value - 5,
                         None if suppressed else value + 5, None, None, suppressed, "ncmp", is_demo))
            rows.append(("income_score", code, "ward", period, start, end, None, None,
                         12.0 + (i % 13) - p, None, None, None, None, False, "iod", is_demo))
        rows.append(("obesity_y6", "E08000010", "la", period, start, end, 900.0, 4000.0, 22.5 - p,
                     21.9 - p, 23.1 - p, None, None, False, "ncmp", is_demo))
        rows.append(("income_score", "E08000010", "la", period, start, end, None, None, 15.0 - p,
                     None, None, None, None, False, "iod", is_demo))
    con.executemany("insert into marts.fct_indicator_values values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute("""insert into marts.fct_inequality values
        ('obesity_y6', 'E08000010', '2021/22', 'quintile_gap', 8.0, 5.5, 10.5),
        ('obesity_y6', 'E08000010', '2022/23', 'quintile_gap', 6.5, 4.0, 9.0),
        ('obesity_y6', 'E08000010', '2021/22', 'quintile_ratio', 1.6, 1.4, 1.8),
        ('obesity_y6', 'E08000010', '2022/23', 'quintile_ratio', 1.4, 1.2, 1.6),
        ('income_score', 'E08000010', '2021/22', 'quintile_gap', 9.0, null, null),
        ('income_score', 'E08000010', '2022/23', 'quintile_gap', 9.5, null, null)""")
    con.execute("""insert into marts.fct_mission_progress values
        ('fair-opportunities', 'obesity_y6', '2021/22', 22.5, '2022/23', 21.5, 'improving'),
        ('fair-opportunities', 'income_score', '2021/22', 15.0, '2022/23', 14.0, 'improving')""")
    con.execute("""insert into audit.load_log values
        ('ncmp', 'ncmp_ward.csv', 'abc123', 12, 10, 2, '2024-01-01 09:00:00'),
        ('iod', 'iod_lsoa.xlsx', 'def456', 50, 50, 0, '2024-01-01 09:00:01')""")
    con.execute(f"""insert into audit.rejected_rows values
        ('ncmp', 'ncmp_ward.csv', 7, 'value', '{FORMULA}', 'not a number'),
        ('ncmp', 'ncmp_ward.csv', 9, 'area_code', 'X999', 'unknown area code')""")
    con.execute("""insert into audit.quality_results values
        ('marts', 'fct_indicator_values', 'expect_column_values_to_not_be_null', 'indicator_id', 'error', true, '0 nulls', ''),
        ('marts', 'fct_indicator_values', 'expect_column_values_to_be_between', 'value', 'warning', false, '1 outside', 'value 101 > 100')""")
    con.close()
    return path
