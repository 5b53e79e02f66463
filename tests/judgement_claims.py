"""Every judgement the marts state must rest on a test within one comparable series."""

import duckdb

JUDGED = ("Better", "Worse", "Similar", "Higher", "Lower")


def unsupported_claims(con: duckdb.DuckDBPyConnection) -> dict[str, list]:
    """Each kind of statement, with the rows that state it without a test (empty lists when honest)."""
    checks = {
        # a comparison needs an interval, or the publisher's own significance, and never compares counts
        "comparison without an interval": """
            select v.indicator_id, v.area_code, v.period, v.compared_to_la
            from marts.fct_indicator_values v join marts.dim_indicator i using (indicator_id)
            where v.compared_to_la in {judged} and (v.lower_ci_95 is null or i.value_type = 'count')
        """,
        "england comparison without an interval or published significance": """
            select v.indicator_id, v.area_code, v.period, v.compared_to_england
            from marts.fct_indicator_values v join marts.dim_indicator i using (indicator_id)
            where v.compared_to_england in {judged} and v.lower_ci_95 is null and i.value_type != 'published'
        """,
        "value and range both given": """
            select indicator_id, area_code, period from marts.fct_indicator_values
            where value is not null and value_status != 'published'
        """,
        # a trend needs a test, and every point it rests on in one segment
        "trend without a test": """
            select indicator_id, area_code, period, trend from marts.fct_indicator_values
            where trend != 'Cannot be assessed' and (trend_method is null or trend_p_value is null)
        """,
        "trend spanning a break": """
            select t.indicator_id, t.area_code, t.period
            from intermediate.int_indicator_trends t
            join (select indicator_id, area_code, segment_id, count(*) as periods
                  from marts.fct_indicator_values group by all) s using (indicator_id, area_code, segment_id)
            where t.n_periods > s.periods
        """,
        "gap verdict without a test": """
            select indicator_id, la_code, period, gap_trend from marts.fct_inequality
            where gap_trend in ('gap narrowing', 'gap widening', 'no significant change')
              and (gap_p_value is null or gap_test_method is null)
        """,
        "status without a test": """
            select mission_id, indicator_id, la_code, status from marts.fct_mission_progress
            where status != 'cannot be assessed'
              and p_value is null and gap_p_value is null and on_track_for_target is null
        """,
        "status whose baseline is in another series": """
            select p.mission_id, p.indicator_id, p.baseline_period, p.latest_period
            from marts.fct_mission_progress p
            join marts.fct_indicator_values b on b.indicator_id = p.indicator_id and b.area_code = p.la_code
                and b.period = p.baseline_period
            where b.segment_id != p.segment_id
        """,
        "status contradicting its own tests": """
            select mission_id, indicator_id, status, direction, gap_direction from marts.fct_mission_progress
            where (status = 'gap narrowing' and (gap_direction != 'gap narrowing' or direction = 'worsening'))
               or (status = 'improving' and direction != 'improving')
               or (status = 'worsening' and direction != 'worsening')
               or (status = 'gap widening' and gap_direction != 'gap widening')
        """,
        "cannot be assessed without a reason": """
            select mission_id, indicator_id from marts.fct_mission_progress
            where status = 'cannot be assessed' and not starts_with(status_reason, 'Cannot be assessed: ')
            union all
            select indicator_id, area_code from marts.fct_indicator_values
            where compared_to_la = 'Cannot be assessed' and comparison_reason is null
        """,
    }
    return {name: con.execute(sql.format(judged=JUDGED)).fetchall() for name, sql in checks.items()}
