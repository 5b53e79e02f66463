-- The inequality measures in marts.fct_inequality, in plain English, in the order pages list them.
-- kind: 'difference' (in the indicator's unit, or percentage points for %) or 'ratio'.
select * from (values
    ('quintile_gap',   1, 'Gap: most minus least deprived fifth of wards', 'difference'),
    ('quintile_ratio', 2, 'Ratio: most to least deprived fifth of wards', 'ratio'),
    ('ward_range',     3, 'Range: highest ward minus lowest ward', 'difference'),
    ('sii_quintiles',  4, 'Slope index of inequality (fifths of wards)', 'difference'),
    ('rii_quintiles',  5, 'Relative index of inequality (fifths of wards)', 'ratio'),
    ('sii_deciles',    6, 'Slope index of inequality (tenths of wards)', 'difference'),
    ('rii_deciles',    7, 'Relative index of inequality (tenths of wards)', 'ratio')
) as t(measure, measure_order, measure_title, kind)
