-- The latest tested verdict on the gap between the site's council's most and least deprived
-- wards, per indicator (the slope index of inequality row, the only measure with a gap test),
-- with the first and last periods its test covered. The home and ward pages say these. (Named
-- site_* so that it is created after indicator_values, which it reads.)
with keyed as (
    select indicator_id, period, min(period_key) as period_key from indicator_values group by all
)
select g.indicator_id, i.title, i.domain, g.period, g.gap_trend, g.gap_test_method,
       f.period as tested_from, 'indicators/' || g.indicator_id as indicator_page
from marts.fct_inequality g
join marts.dim_indicator i on i.indicator_id = g.indicator_id
left join keyed k on k.indicator_id = g.indicator_id and k.period = g.period
left join keyed f on f.indicator_id = g.indicator_id and f.period_key = g.gap_tested_from
where g.la_code = (select la_code from site_council) and g.measure = 'sii_quintiles' and g.gap_test_method is not null
qualify row_number() over (partition by g.indicator_id order by k.period_key desc nulls last, g.period desc, f.period) = 1
order by i.domain, i.title
