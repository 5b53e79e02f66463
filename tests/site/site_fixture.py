"""A small warehouse in the public marts/audit contract, for the site tests (not the real pipeline).

It has every shape the site must handle: a ward indicator with intervals, a suppressed ward
and every comparison label; a score whose release has no denominator; a borough-only series
with England; a series published only on the 2017 wards; mission statuses computed "in dbt"
(deliberately not what the values alone would suggest, so pages must show the column); ward
boundaries (square wards on a grid) unless `boundaries=False`; and hostile text.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]
SITE_ROOT = REPO / "site"
PAGES = SITE_ROOT / "pages"
XSS = "<script>alert(1)</script>"
FORMULA = "=SUM(1)"
LA = "E08000010"
BOUNDARY_ATTRIBUTION = ("Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
                        "Contains OS data © Crown copyright and database right 2023")
NO_DENOMINATOR = "population-weighted mean of LSOA rates: this release publishes no denominator, so no interval"

DDL = """
create schema marts;
create schema audit;
create schema raw;
create table marts.dim_ward (ward_code varchar, ward_name varchar, ward_vintage integer, la_code varchar,
    la_name varchar, population bigint, imd_score double, deprivation_quintile bigint, deprivation_decile bigint,
    n_lsoas bigint);
create table marts.bridge_lsoa_ward (lsoa_code varchar, lsoa_vintage integer, ward_code varchar, ward_vintage integer,
    method varchar);
create table marts.dim_indicator (indicator_id varchar, title varchar, domain varchar, unit varchar,
    value_type varchar, multiplier double, polarity varchar, definition varchar, source_id varchar, licence varchar,
    disclosure_min_count integer);
create table marts.dim_mission (mission_id varchar, title varchar, statement varchar);
create table marts.bridge_mission_indicator (mission_id varchar, indicator_id varchar, target_text varchar,
    target_type varchar, target_value double, target_year integer);
create table marts.dim_source (source_id varchar, title varchar, publisher varchar, release varchar,
    url varchar, licence varchar, attribution varchar, geography_level varchar, geography_vintage bigint,
    period varchar, period_start date, period_end date);
create table marts.fct_indicator_values (indicator_id varchar, area_code varchar, area_type varchar,
    period varchar, period_start date, period_end date, numerator double, denominator double, value double,
    lower_ci_95 double, upper_ci_95 double, lower_ci_998 double, upper_ci_998 double, suppressed boolean,
    source_id varchar, is_demo boolean, n_lsoas bigint, aggregation_method varchar, method_note varchar,
    compared_to_la varchar, compared_to_england varchar, trend varchar);
create table marts.fct_inequality (indicator_id varchar, la_code varchar, period varchar, measure varchar,
    value double, lower_ci_95 double, upper_ci_95 double, gap_trend varchar);
create table marts.fct_mission_progress (mission_id varchar, indicator_id varchar, baseline_period varchar,
    baseline_value double, latest_period varchar, latest_value double, target_text varchar, target_type varchar,
    target_value double, target_year integer, expected_by_now double, on_track_for_target boolean,
    direction varchar, gap_direction varchar, borough_trend varchar, status varchar);
create table marts.fct_ward_values_own_vintage (indicator_id varchar, ward_code varchar, ward_name varchar,
    ward_vintage integer, period varchar, period_start date, period_end date, value double, source_id varchar,
    is_demo boolean, note varchar, la_code varchar);
create table audit.load_log (source_id varchar, file_name varchar, sha256 varchar, rows_read bigint,
    rows_loaded bigint, rows_rejected bigint, is_demo boolean, loaded_at timestamp);
create table audit.rejected_rows (source_id varchar, file_name varchar, row_number bigint, column_name varchar,
    value varchar, reason varchar);
create table audit.file_inventory (file_name varchar, sha256 varchar, source_id varchar, status varchar);
create table audit.quality_results (suite varchar, table_name varchar, expectation varchar, column_name varchar,
    severity varchar, success boolean, observed varchar, details varchar);
create table raw.boundaries_ward23 (area_code varchar, area_name varchar, geometry varchar);
"""

BASE_WARDS = [
    ("E05000841", "Abram"),
    ("E05000842", "Ashton-in-Makerfield South"),
    ("E05000843", "Aspull, New Springs & Whelley"),
    ("E05000844", XSS),
    ("E05000845", FORMULA),
]
PERIODS = [("2021/22", "2021-04-01", "2022-03-31"), ("2022/23", "2022-04-01", "2023-03-31")]
# Labels the marts use (95% intervals); the XSS ward is 'Worse' in the latest period.
LA_LABELS = ["Better", "Similar", "Better", "Worse", "Worse"]
NO_INTERVAL = "no confidence interval exists for this figure (a weighted average of published neighbourhood scores)"
WARD_METHOD = "best-fit aggregation of LSOAs to May 2023 wards"
LA_METHOD = "aggregation of all LSOAs in the borough"
WILSON = "numerator over denominator, Wilson score interval"


def wards(extra: int = 0) -> list[tuple[str, str]]:
    return BASE_WARDS + [(f"E05{900000 + i:06d}", f"Synthetic ward {i}") for i in range(extra)]


def _square(i: int) -> str:
    """Ward i as a square on a 3-wide grid near Wigan: grid neighbours share an edge."""
    x0, y0 = -2.70 + 0.02 * (i % 3), 53.60 - 0.012 * (i // 3)
    ring = [[x0, y0], [x0 + 0.02, y0], [x0 + 0.02, y0 - 0.012], [x0, y0 - 0.012], [x0, y0]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def _judgement_columns(con) -> None:
    """The marts' judgement columns (issues 9 and 10), filled as the marts fill them."""
    con.execute(f"""
        alter table marts.fct_indicator_values add column la_code varchar;
        alter table marts.fct_indicator_values add column value_status varchar;
        alter table marts.fct_indicator_values add column value_lower_bound double;
        alter table marts.fct_indicator_values add column value_upper_bound double;
        alter table marts.fct_indicator_values add column segment_id varchar;
        alter table marts.fct_indicator_values add column segment_label varchar;
        alter table marts.fct_indicator_values add column break_reason varchar;
        alter table marts.fct_indicator_values add column weight_note varchar;
        alter table marts.fct_indicator_values add column comparison_reason varchar;
        alter table marts.fct_indicator_values add column rank_in_la bigint;
        alter table marts.fct_indicator_values add column n_wards_in_la bigint;
        alter table marts.fct_indicator_values add column trend_method varchar;
        alter table marts.fct_indicator_values add column trend_p_value double;
        alter table marts.fct_indicator_values add column trend_reason varchar;
        alter table marts.fct_indicator_values add column suppression varchar;
        update marts.fct_indicator_values set
            suppression = case when suppressed then 'primary' end,
            la_code = case when area_type in ('ward', 'la') then '{LA}' end,
            value_status = case when suppressed then 'withheld' else 'published' end,
            segment_id = indicator_id || '_s1', segment_label = 'one comparable series',
            comparison_reason = case when area_type <> 'ward' then null when suppressed then 'the figure is withheld'
                                     when compared_to_la = 'Cannot be assessed' then '{NO_INTERVAL}' end,
            trend_reason = 'fewer than 5 comparable periods';
        update marts.fct_indicator_values v set rank_in_la = r.rank_in_la, n_wards_in_la = r.n
        from (select indicator_id, area_code, period,
                     case when value is not null then rank() over (partition by indicator_id, period, value is null
                                                                   order by value desc) end as rank_in_la,
                     count(value) over (partition by indicator_id, period) as n
              from marts.fct_indicator_values where area_type = 'ward') r
        where v.indicator_id = r.indicator_id and v.area_code = r.area_code and v.period = r.period
          and v.area_type = 'ward';
        alter table marts.dim_indicator add column unit_label varchar;
        alter table marts.dim_indicator add column what_it_means varchar;
        update marts.dim_indicator set unit_label = case unit when 'score' then 'score (higher is more deprived)'
            else unit end, what_it_means = definition;
    """)


def make_warehouse(path: Path, extra_wards: int = 0, is_demo: bool = True, boundaries: bool = True) -> Path:
    """Write the fixture warehouse; `extra_wards` adds synthetic wards for load tests."""
    con = duckdb.connect(str(path))
    con.execute(DDL)
    ward_list = wards(extra_wards)
    con.executemany(
        f"insert into marts.dim_ward values (?, ?, 2023, '{LA}', 'Wigan', ?, ?, ?, ?, ?)",
        [(code, name, 9000 + 37 * i, 10.0 + 3.1 * (i % 17), 1 + i % 5, 1 + (2 * i) % 10, 6 + i % 3)
         for i, (code, name) in enumerate(ward_list)],
    )
    con.executemany("insert into marts.bridge_lsoa_ward values (?, 2021, ?, 2023, ?)",
                    [(f"E0100{i:04d}", code, "derived from boundaries (point on surface)")
                     for i, (code, _) in enumerate(ward_list)])
    if boundaries:
        con.executemany("insert into raw.boundaries_ward23 values (?, ?, ?)",
                        [(code, name, _square(i)) for i, (code, name) in enumerate(ward_list)])
    con.execute("""insert into marts.dim_indicator values
        ('obesity_y6', 'Obesity in year 6 children', 'health', '%', 'proportion', 100, 'low_is_good',
         'Year 6 children measured as obese, as a share of those measured.', 'ncmp', 'OGL v3.0', 5),
        ('income_score', 'Income deprivation score', 'income', 'score', 'score', 1, 'low_is_good',
         'Population-weighted income deprivation score.', 'iod', 'OGL v3.0', 0),
        ('hle_male', 'Healthy life expectancy at birth (males)', 'health', 'years', 'published', 1, 'high_is_good',
         'Average years a newborn boy could expect to live in good health.', 'hle', 'OGL v3.0', 0),
        ('claimant_rate', 'Claimant rate', 'income', '%', 'published', 1, 'low_is_good',
         'Claimants as a percentage of residents aged 16 to 64.', 'claimants', 'OGL v3.0', 0)""")
    con.execute("""insert into marts.dim_mission values
        ('fair-opportunities', 'Create fair opportunities for all children, families, residents and businesses',
         'Close the gap between the most and least deprived wards.')""")
    con.execute("""insert into marts.bridge_mission_indicator values
        ('fair-opportunities', 'obesity_y6', 'Narrow the gap in year 6 obesity', 'sii_reduction', 0.333, 2030),
        ('fair-opportunities', 'income_score', 'Reduce income deprivation in the most deprived wards', null, null, null),
        ('fair-opportunities', 'hle_male', 'Longer healthy lives for men by 2030', 'value', 63.0, 2030)""")
    ogl = "Contains public sector information licensed under the Open Government Licence v3.0"
    con.execute(f"""insert into marts.dim_source values
        ('ncmp', 'National Child Measurement Programme', 'NHS England', '2022/23', 'https://example.org/ncmp',
         'OGL v3.0', '{ogl}', 'lsoa', 2021, '2022/23', '2022-04-01', '2023-03-31'),
        ('iod', 'English Indices of Deprivation', 'MHCLG', '2019', 'javascript:alert(1)',
         'OGL v3.0', '{ogl}', 'lsoa', 2011, '2019', '2015-04-01', '2016-03-31'),
        ('hle', 'Health state life expectancies', 'Office for National Statistics', '2016-18',
         'https://example.org/hle', 'OGL v3.0', '{ogl}', 'la', 2021, '2016-18', '2016-01-01', '2018-12-31'),
        ('claimants', 'Claimant count by ward', 'Office for National Statistics', 'monthly',
         'https://example.org/claimants', 'OGL v3.0', '{ogl}', 'ward', 2017, '2018-11', '2018-11-01', '2018-11-30'),
        ('boundaries_ward23', 'Electoral ward boundaries (May 2023), generalised', 'Office for National Statistics',
         'May 2023', 'https://example.org/boundaries', 'OGL v3.0', '{BOUNDARY_ATTRIBUTION}', 'ward', 2023,
         null, null, null)""")
    rows = []
    for p, (period, start, end) in enumerate(PERIODS):
        latest = p == len(PERIODS) - 1
        for i, (code, _) in enumerate(ward_list):
            denominator = 100.0 + 7 * (i % 11)
            numerator = 15.0 + (i % 9) + 2 * p
            value = 100 * numerator / denominator
            suppressed = i == 1 and latest
            label = None if suppressed else (LA_LABELS[i % 5] if latest else "Similar")
            rows.append(("obesity_y6", code, "ward", period, start, end, None if suppressed else numerator,
                         None if suppressed else denominator, None if suppressed else value,
                         None if suppressed else value - 5, None if suppressed else value + 5,
                         None if suppressed else value - 8, None if suppressed else value + 8, suppressed, "ncmp",
                         is_demo, 6, WARD_METHOD, WILSON, label, None, "Cannot be assessed"))
            rows.append(("income_score", code, "ward", period, start, end, None, None, 12.0 + (i % 13) - p,
                         None, None, None, None, False, "iod", is_demo, 6, WARD_METHOD, NO_DENOMINATOR,
                         "Cannot be assessed", None, "Cannot be assessed"))
        rows.append(("obesity_y6", LA, "la", period, start, end, 900.0, 4000.0, 22.5 - p, 21.9 - p, 23.1 - p,
                     21.5 - p, 23.5 - p, False, "ncmp", is_demo, 30, LA_METHOD, WILSON, None, None,
                     "Cannot be assessed"))
        rows.append(("income_score", LA, "la", period, start, end, None, None, 15.0 - p, None, None, None, None,
                     False, "iod", is_demo, 30, LA_METHOD, NO_DENOMINATOR, None, None, "Cannot be assessed"))
    for period, start, end, wigan, england in (("2015-17", "2015-01-01", "2017-12-31", 60.2, 63.1),
                                               ("2016-18", "2016-01-01", "2018-12-31", 61.1, 63.1)):
        rows.append(("hle_male", LA, "la", period, start, end, None, None, wigan, None, None, None, None, False,
                     "hle", is_demo, None, "as published for the borough", "published value; no interval is published",
                     None, "Cannot be assessed", "Cannot be assessed"))
        rows.append(("hle_male", "E92000001", "england", period, start, end, None, None, england, None, None, None,
                     None, False, "hle", is_demo, None, "as published for the country",
                     "published value; no interval is published", None, None, "Cannot be assessed"))
    months = [("2018-09", "2018-09-01", "2018-09-30"), ("2018-10", "2018-10-01", "2018-10-31"),
              ("2018-11", "2018-11-01", "2018-11-30")]
    for m, (period, start, end) in enumerate(months):
        rows.append(("claimant_rate", LA, "la", period, start, end, None, None, 2.5 + 0.1 * m, None, None, None,
                     None, False, "claimants", is_demo, None, "as published for the borough",
                     "published value; no interval is published", None, None, "Cannot be assessed"))
    con.executemany("insert into marts.fct_indicator_values values (" + ", ".join("?" * 22) + ")", rows)
    _judgement_columns(con)
    own = [("claimant_rate", f"E0500084{k}", name, 2017, period, start, end, 1.5 + k + 0.1 * m, "claimants", is_demo,
            "published for the December 2017 wards; not comparable with the May 2023 wards", LA)
           for m, (period, start, end) in enumerate(months)
           for k, name in enumerate(["Abram (2017)", "Ashton (2017)", "Atherleigh (2017)"])]
    con.executemany("insert into marts.fct_ward_values_own_vintage values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", own)
    # as in the warehouse, a period's gap verdict (from the SII's test) is the same on every measure
    con.execute("""insert into marts.fct_inequality values
        ('obesity_y6', 'E08000010', '2021/22', 'quintile_gap', 8.0, 5.5, 10.5, 'cannot be assessed'),
        ('obesity_y6', 'E08000010', '2022/23', 'quintile_gap', 6.5, 4.0, 9.0, 'gap narrowing'),
        ('obesity_y6', 'E08000010', '2021/22', 'quintile_ratio', 1.6, 1.4, 1.8, 'cannot be assessed'),
        ('obesity_y6', 'E08000010', '2022/23', 'quintile_ratio', 1.4, 1.2, 1.6, 'gap narrowing'),
        ('obesity_y6', 'E08000010', '2021/22', 'sii_quintiles', 9.1, 6.0, 12.2, 'cannot be assessed'),
        ('obesity_y6', 'E08000010', '2022/23', 'sii_quintiles', 7.3, 4.4, 10.2, 'gap narrowing'),
        ('obesity_y6', 'E08000010', '2022/23', 'ward_range', 12.0, null, null, 'gap narrowing'),
        ('income_score', 'E08000010', '2021/22', 'quintile_gap', 9.0, null, null, 'cannot be assessed'),
        ('income_score', 'E08000010', '2022/23', 'quintile_gap', 9.5, null, null, 'gap widening')""")
    con.execute("""insert into marts.fct_mission_progress values
        ('fair-opportunities', 'obesity_y6', '2021/22', 22.5, '2022/23', 21.5, 'Narrow the gap in year 6 obesity',
         'sii_reduction', 0.333, 2030, 8.75, true, 'improving', 'gap narrowing', 'Cannot be assessed', 'gap narrowing'),
        ('fair-opportunities', 'income_score', '2021/22', 15.0, '2022/23', 14.0,
         'Reduce income deprivation in the most deprived wards', null, null, null, null, null, 'improving',
         'gap widening', 'Cannot be assessed', 'worsening'),
        ('fair-opportunities', 'hle_male', '2015-17', 60.2, '2016-18', 61.1, 'Longer healthy lives for men by 2030',
         'value', 63.0, 2030, 60.4, true, 'improving', 'not enough data', 'Cannot be assessed', 'on track')""")
    con.execute(f"""
        alter table marts.fct_inequality add column segment_id varchar;
        alter table marts.fct_inequality add column gap_test_method varchar;
        alter table marts.fct_inequality add column gap_p_value double;
        alter table marts.fct_inequality add column gap_tested_from date;
        alter table marts.fct_inequality add column is_gap_headline boolean default false;
        update marts.fct_inequality set segment_id = indicator_id || '_s1';
        update marts.fct_inequality set is_gap_headline = true, gap_tested_from = date '2021-04-01',
            gap_test_method = 'z-test of the change in the slope index of inequality between the first and latest periods, 99.8% confidence'
        where indicator_id = 'obesity_y6' and measure = 'sii_quintiles' and period = '2022/23';
        alter table marts.fct_mission_progress add column la_code varchar;
        alter table marts.fct_mission_progress add column segment_id varchar;
        alter table marts.fct_mission_progress add column n_periods bigint;
        alter table marts.fct_mission_progress add column test_method varchar;
        alter table marts.fct_mission_progress add column p_value double;
        alter table marts.fct_mission_progress add column gap_test_method varchar;
        alter table marts.fct_mission_progress add column gap_p_value double;
        alter table marts.fct_mission_progress add column status_reason varchar;
        update marts.fct_mission_progress set la_code = '{LA}', segment_id = indicator_id || '_s1', n_periods = 2,
            status_reason = 'Status ' || status || ', as the warehouse tested it (fixture reason).';
        alter table marts.fct_mission_progress add column latest_lower_bound double;
        alter table marts.fct_mission_progress add column latest_upper_bound double;
        alter table marts.fct_mission_progress add column unassessed_group varchar;
        alter table marts.fct_indicator_values add column n_tied bigint;
        alter table marts.fct_indicator_values add column count_is_estimate boolean;
        alter table marts.fct_indicator_values add column count_shown varchar;
        update marts.fct_indicator_values set count_shown = format('{{:,}}', round(numerator)::bigint) where numerator is not null;
        alter table marts.fct_indicator_values add column series_note varchar;
        update marts.fct_indicator_values v set n_tied = t.n
        from (select indicator_id, period, value, count(*) as n from marts.fct_indicator_values
              where area_type = 'ward' and value is not null group by all) t
        where v.area_type = 'ward' and v.indicator_id = t.indicator_id and v.period = t.period and v.value = t.value;
        create table marts.dim_series_note (indicator_id varchar, la_code varchar, kind varchar, note_id varchar,
            from_date date, to_date date, note varchar, source varchar);
        create table audit.apportionment_validation (period varchar, la_code varchar, ward_code varchar, method varchar,
            direct double, estimate double, error double);
        create table audit.msoa_method_error (ward_code varchar, la_code varchar, households double,
            true_percent double, estimated_percent double, error_points double, split_share double);
        insert into audit.msoa_method_error values ('{BASE_WARDS[0][0]}', '{LA}', 2000, 50.0, 51.5, 1.5, 0.7),
            ('{BASE_WARDS[1][0]}', '{LA}', 3000, 40.0, 39.5, -0.5, 0.0);
        insert into marts.dim_series_note values ('claimant_rate', '{LA}', 'break', 'uc_full_service',
            date '2018-04-18', date '2018-04-18', 'Universal Credit full service (18 April 2018): the claimant count rises for administrative reasons', 'ONS');
    """)
    con.execute("""insert into audit.load_log values
        ('ncmp', 'ncmp_ward.csv', 'abc123', 12, 10, 2, true, '2024-01-01 09:00:00'),
        ('iod', 'iod_lsoa.xlsx', 'def456', 50, 50, 0, true, '2024-01-01 09:00:01')""")
    con.execute(f"""insert into audit.rejected_rows values
        ('ncmp', 'ncmp_ward.csv', 7, 'value', '{FORMULA}', 'not a number'),
        ('ncmp', 'ncmp_ward.csv', 9, 'area_code', 'X999', 'unknown area code')""")
    con.execute("""insert into audit.file_inventory values
        ('ncmp_ward.csv', 'abc123', 'ncmp', 'loaded'), ('notes.txt', 'fff000', null, 'unknown file')""")
    con.execute("""insert into audit.quality_results values
        ('marts', 'fct_indicator_values', 'expect_column_values_to_not_be_null', 'indicator_id', 'error', true, '0 nulls', ''),
        ('marts', 'fct_indicator_values', 'expect_column_values_to_be_between', 'value', 'warning', false, '1 outside', 'value 101 > 100')""")
    con.close()
    return path
