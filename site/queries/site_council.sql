-- The council a page speaks for (none on site-wide pages and the region's home page): its code,
-- name (from the data), section address (slug; '' on a single-council site's `home`), strategy
-- name and web address (configuration). The site generator sets the current council (temp
-- tables site_councils and site_current: every council while blocks returning council_code run
-- once for all councils); every page's `council` block and every "this council's rows" filter read it.
select c.la_code, c.la_name, c.slug, c.strategy, c.website, c.home
from site_councils c
where c.la_code in (select la_code from site_current)
