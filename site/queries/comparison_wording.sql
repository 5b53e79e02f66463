-- Plain-English wording for the marts' benchmark comparisons (compared_to_la, compared_to_england),
-- which use Fingertips' labels. '{area}' is replaced by the area compared with ('Wigan', 'England').
-- tone: good / bad / neutral, for styling only (the words always carry the meaning).
select * from (values
    ('Better',       'Better than {area} (95% confidence)',      'good'),
    ('Best',         'Better than {area} (99.8% confidence)',    'good'),
    ('Similar',      'Similar to {area}',                        'neutral'),
    ('Worse',        'Worse than {area} (95% confidence)',       'bad'),
    ('Worst',        'Worse than {area} (99.8% confidence)',     'bad'),
    ('Higher',       'Higher than {area} (95% confidence)',      'neutral'),
    ('Highest',      'Higher than {area} (99.8% confidence)',    'neutral'),
    ('Lower',        'Lower than {area} (95% confidence)',       'neutral'),
    ('Lowest',       'Lower than {area} (99.8% confidence)',     'neutral'),
    ('Not compared', 'Not compared with {area} (no confidence interval)', 'neutral'),
    ('Cannot be assessed', 'Cannot be compared with {area}', 'neutral')
) as t(label, wording, tone)
