-- How many mission indicators can be judged for the site's council, per mission and over all
-- missions (mission_id '*'), and, grouped, why the rest cannot (fct_mission_progress.unassessed_group).
-- The home and mission pages say this beside the statuses.
with progress as (
    select * from marts.fct_mission_progress where la_code = (select la_code from site_council)
),
scoped as (
    select mission_id, status, unassessed_group from progress
    union all
    select '*', status, unassessed_group from progress
),
reasons as (
    select mission_id, unassessed_group, count(*) as n
    from scoped where status = 'cannot be assessed'
    group by all
)
select
    s.mission_id,
    count(*) as n_indicators,
    count(*) filter (where s.status != 'cannot be assessed') as n_judged,
    (select string_agg(r.unassessed_group || ' (' || r.n || ')', '; ' order by r.n desc, r.unassessed_group)
     from reasons r where r.mission_id = s.mission_id) as why_not
from scoped s
group by s.mission_id
