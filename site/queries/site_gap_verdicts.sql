-- The headline verdict on the gap between the site's council's most and least deprived wards,
-- per indicator (marts.fct_inequality.is_gap_headline: the test at the council's latest period
-- with a slope index of inequality), where a test was made there, with the first and last
-- periods its test covered. The home and ward pages list these; the indicator and mission pages
-- state the same row's verdict. (Named site_* so that it is created after period_keys, which it
-- reads.) council_code: whose verdict.
select g.la_code as council_code, g.indicator_id, i.title, i.domain, g.period, g.gap_trend, g.gap_test_method,
       f.period as tested_from, 'indicators/' || g.indicator_id as indicator_page
from marts.fct_inequality g
join site_council c on c.la_code = g.la_code
join marts.dim_indicator i on i.indicator_id = g.indicator_id
left join period_keys f on f.indicator_id = g.indicator_id and f.period_key = g.gap_tested_from
where g.is_gap_headline and g.gap_test_method is not null
qualify row_number() over (partition by g.la_code, g.indicator_id order by f.period) = 1
order by council_code, i.domain, i.title
