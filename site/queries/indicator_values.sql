-- Every indicator value with what pages need to show it: units, the area's name, the period's
-- sort key, why a value is withheld ("suppressed (fewer than N)" for a small count, primary;
-- "withheld (...)" for a secondary cell or a figure withheld at source), and comparisons in plain English.
--
-- Judgements (compared_to_la, comparison_reason, rank_in_la, trend, ...) are the marts' own:
-- pages render them and never compute their own.
-- Rows are one per marts.fct_indicator_values row, whose key dbt tests as unique:
-- unique key: indicator_id, area_code, period
with judged as (
    select v.*, v.compared_to_la as comparison_status from marts.fct_indicator_values v
),
indicators as (
    select * from marts.dim_indicator
)
select
    v.indicator_id, v.area_code, v.area_type,
    case v.area_type when 'ward' then w.ward_name when 'la' then coalesce(l.la_name, v.area_code)
         when 'england' then 'England' else v.area_code end as area_name,
    v.period, coalesce(v.period_start, v.period_end) as period_key, v.value, v.lower_ci_95, v.upper_ci_95,
    v.numerator, v.denominator, v.suppressed, i.unit, i.unit_label, i.what_it_means, i.polarity,
    i.disclosure_min_count,
    case when v.suppression = 'primary' then 'suppressed (fewer than ' || i.disclosure_min_count || ')'
         when v.suppression = 'secondary' then 'withheld (so that a suppressed count cannot be worked out from the totals)'
         when v.value_status = 'withheld' or v.suppressed then 'withheld (' || regexp_replace(v.method_note, '^withheld: ', '') || ')'
         when v.value_status = 'bounded' and v.value_lower_bound is not null
             then format('{:,.1f}', v.value_lower_bound) || case when i.unit = '%' then '%' else '' end || ' to '
                  || format('{:,.1f}', v.value_upper_bound) || case when i.unit = '%' then '%' else '' end
                  || ' (a range: some neighbourhood counts are suppressed at source)'
         when v.value is null then 'not available' end as value_note,
    case when v.suppressed then 'Not compared (suppressed)'
         when v.area_type = 'ward' then replace(coalesce(cl.wording, 'Not compared'), '{area}', coalesce(w.la_name, 'the borough'))
    end as compared_with_borough,
    replace(ce.wording, '{area}', 'England') as compared_with_england,
    v.comparison_status, v.comparison_reason, v.value_status, v.value_lower_bound, v.value_upper_bound,
    v.rank_in_la, v.n_wards_in_la, v.n_tied, v.count_is_estimate, v.count_shown, v.series_note, v.la_code, v.segment_id, v.segment_label, v.break_reason, v.weight_note,
    v.trend, v.trend_method, v.trend_p_value, v.trend_reason, v.n_lsoas, v.aggregation_method, v.method_note, v.source_id, v.is_demo
from judged v
join indicators i on i.indicator_id = v.indicator_id
left join marts.dim_ward w on v.area_type = 'ward' and w.ward_code = v.area_code
left join (select distinct la_code, la_name from marts.dim_ward) l on v.area_type = 'la' and l.la_code = v.area_code
left join comparison_wording cl on cl.label = v.compared_to_la
left join comparison_wording ce on ce.label = v.compared_to_england
