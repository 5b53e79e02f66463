-- How many mission indicators can be judged for the site's council, per mission and over all
-- missions (mission_id '*'), and, grouped, why the rest cannot (fct_mission_progress.unassessed_group).
-- The home and mission pages say this beside the statuses. council_code: whose figures.
with progress as (
    select p.* from marts.fct_mission_progress p join site_council c on c.la_code = p.la_code
),
scoped as (
    select la_code, mission_id, status, unassessed_group from progress
    union all
    select la_code, '*', status, unassessed_group from progress
),
reasons as (
    select la_code, mission_id, unassessed_group, count(*) as n
    from scoped where status = 'cannot be assessed'
    group by all
)
select
    s.la_code as council_code,
    s.mission_id,
    count(*) as n_indicators,
    count(*) filter (where s.status != 'cannot be assessed') as n_judged,
    (select string_agg(r.unassessed_group || ' (' || r.n || ')', '; ' order by r.n desc, r.unassessed_group)
     from reasons r where r.la_code = s.la_code and r.mission_id = s.mission_id) as why_not
from scoped s
group by s.la_code, s.mission_id
