-- Each indicator's periods with their sort key (the earliest period_key any of its rows has for
-- that period), for pages that order rows without a period_key of their own (inequality measures,
-- gap verdicts) by period. Computed once per build.
select indicator_id, period, min(period_key) as period_key
from indicator_values
group by indicator_id, period
