-- Every indicator value with what pages need to show it: units, the area's name, the period's
-- sort key, "suppressed (fewer than N)" for withheld values, and comparisons in plain English.
--
-- judged: the marts' judgement columns (issue 9/10 names). Until the warehouse has them this
-- CTE derives them from the older columns; once it does, it becomes
-- `select * from marts.fct_indicator_values` (the one edit). Pages only render these columns.
with judged as (
    select
        v.*,
        case v.compared_to_la when 'Best' then 'Better' when 'Worst' then 'Worse'
             when 'Highest' then 'Higher' when 'Lowest' then 'Lower'
             when 'Not compared' then 'Cannot be assessed' else v.compared_to_la end as comparison_status,
        case when v.area_type <> 'ward' then null
             when v.suppressed then 'the figure is withheld because it rests on small numbers'
             when v.value is null then 'no figure was published for this ward'
             when v.lower_ci_95 is null then 'this figure has no confidence interval'
        end as comparison_reason,
        case when v.suppressed then 'withheld' else 'published' end as value_status,
        case when v.area_type = 'ward' and v.value is not null then rank() over (
            partition by v.indicator_id, v.period, v.area_type, v.value is null order by v.value desc) end as rank_in_la,
        case when v.area_type = 'ward' then count(v.value) over (
            partition by v.indicator_id, v.period, v.area_type) end as n_wards_in_la
    from marts.fct_indicator_values v
),
indicators as (
    select i.*,
           case i.unit when 'per 100000' then 'per 100,000 people' when 'per 1000' then 'per 1,000 people'
                when 'score' then 'score' else i.unit end as unit_label,
           i.definition as what_it_means
    from marts.dim_indicator i
)
select
    v.indicator_id, v.area_code, v.area_type,
    case v.area_type when 'ward' then w.ward_name when 'la' then coalesce(l.la_name, v.area_code)
         when 'england' then 'England' else v.area_code end as area_name,
    v.period, coalesce(v.period_start, v.period_end) as period_key, v.value, v.lower_ci_95, v.upper_ci_95,
    v.numerator, v.denominator, v.suppressed, i.unit, i.unit_label, i.what_it_means, i.polarity,
    i.disclosure_min_count,
    case when v.suppressed then 'suppressed (fewer than ' || coalesce(i.disclosure_min_count, 0) || ')'
         when v.value is null then 'not available' end as value_note,
    case when v.suppressed then 'Not compared (suppressed)'
         when v.area_type = 'ward' then replace(coalesce(cl.wording, 'Not compared'), '{area}', coalesce(w.la_name, 'the borough'))
    end as compared_with_borough,
    replace(ce.wording, '{area}', 'England') as compared_with_england,
    v.comparison_status, v.comparison_reason, v.value_status, v.rank_in_la, v.n_wards_in_la,
    v.trend, v.n_lsoas, v.aggregation_method, v.method_note, v.source_id, v.is_demo
from judged v
join indicators i on i.indicator_id = v.indicator_id
left join marts.dim_ward w on v.area_type = 'ward' and w.ward_code = v.area_code
left join (select distinct la_code, la_name from marts.dim_ward) l on v.area_type = 'la' and l.la_code = v.area_code
left join comparison_wording cl on cl.label = v.compared_to_la
left join comparison_wording ce on ce.label = v.compared_to_england
