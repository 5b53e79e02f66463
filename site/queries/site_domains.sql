-- The headings indicators are grouped under on the home and ward pages (dim_indicator.domain), in
-- the order a resident asks about them.
select * from (values (1, 'health', 'Health'), (2, 'income', 'Income'), (3, 'skills', 'Skills'),
                      (4, 'deprivation', 'Deprivation overall')) as t(domain_order, domain, heading)
