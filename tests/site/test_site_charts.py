"""Charts that cannot mislead: a true time axis, honest value axes, a value (not a chart) for a
single period, and captions that describe only what is drawn."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from site_fixture import SITE_ROOT
from dagster_project.sitegen.charts import honest_range, line_chart_svg, period_position
from dagster_project.sitegen.data import QueryResult
from dagster_project.sitegen.formatting import format_value
from dagster_project.sitegen.geo import WardGeography
from dagster_project.sitegen.render import PageState, make_environment
from dagster_project.sitegen.trend import trend_chart_html


@pytest.mark.parametrize("label, position", [
    ("2019", 2019.5), ("2019/20", 2020.0), ("2016-18", 2017.5), ("2018-11", 2018.875), ("2011-2013", 2012.5),
    ("2020-21", 2021.0), ("Q1 2020", None), ("latest", None)])
def test_periods_sit_at_their_midpoints(label, position):
    assert period_position(label) == position


def test_value_axes_are_honest():
    assert honest_range([20.0, 30.0], "%") == (0.0, 30.0, False)  # proportions from zero
    assert honest_range([2.0, 9.0], "score") == (0.0, 9.0, False)  # near zero: from zero
    lo, hi, cut = honest_range([0.9035, 0.9060], "ratio")  # a fourth-digit change cannot fill the chart
    assert cut and hi - lo == pytest.approx(0.0906, rel=1e-6)
    assert honest_range([60.0, 63.0], "years")[2] is True


def _rows(periods, values, lower=None):
    cols = ["period", "value", "lower", "upper", "bench", "note"]
    lower = lower or [None] * len(values)
    return QueryResult("t", cols, [(p, v, lo, None if lo is None else lo + 2, 10.0, None)
                                   for p, v, lo in zip(periods, values, lower)])


def _xs(svg: str) -> list[float]:
    line = re.search(r'<polyline points="([^"]+)"', svg).group(1)
    return [float(pair.split(",")[0]) for pair in line.split()]


def test_trend_chart_spaces_periods_by_date_and_says_only_what_it_draws():
    html = str(trend_chart_html(PageState(), _rows(["2015", "2019", "2025"], [30.0, 25.0, 20.0]), lower="lower",
                                upper="upper", benchmark="bench", title="T", unit="%", csv=False))
    a, b, c = _xs(html)
    assert (b - a) / (c - b) == pytest.approx(4 / 6, abs=0.01)  # 2015 to 2019 is 4 years, 2019 to 2025 is 6
    caption = re.search(r"<figcaption>(.*?)</figcaption>", html).group(1)
    assert "Shaded band" not in caption  # the lower/upper columns are empty: no band is drawn
    assert "Dashed line: Benchmark." in caption and "Periods are spaced by date." in caption
    banded = str(trend_chart_html(PageState(), _rows(["2015", "2019"], [30.0, 25.0], [28.0, 23.0]), lower="lower",
                                  upper="upper", title="T", unit="%", csv=False))
    assert "<polygon" in banded and "Shaded band: 95% confidence interval." in banded
    assert "Dashed line" not in banded  # no benchmark column, no dashed line, no words about one


def test_a_single_period_is_a_value_not_a_chart():
    html = str(trend_chart_html(PageState(), _rows(["2019", "2025"], [None, 0.9]), benchmark="bench", title="T",
                                unit="ratio", csv=False))
    assert "<svg" not in html and "0.9 ratio in 2025" in html and "no trend to draw" in html
    g = line_chart_svg(_rows(["2019"], [12.0]), "period", "value", unit="%")
    assert g["single"] and g["summary"] == "12.0% in 2019."


def test_empty_series_say_why():
    rows = QueryResult("t", ["period", "value", "note"], [("2019", None, "suppressed (fewer than 5)"),
                                                          ("2020", None, "suppressed (fewer than 5)")])
    html = str(trend_chart_html(PageState(), rows, note="note", title="T", csv=False))
    assert "no figures to show, because every figure is suppressed (fewer than 5)" in html


def test_units_are_plain_words():
    assert format_value(17620.53, "per 100000") == "17,620.5 per 100,000 people"
    g = line_chart_svg(_rows(["2019", "2020"], [60.0, 61.0]), "period", "value", unit="per 100000")
    assert ">per 100,000 people</text>" in g["body"] and g["cut"] and g["time_axis"]



def test_a_trend_chart_of_positive_floats_is_printed_as_any_other(monkeypatch):
    """Columns whose figures are all positive floats take a faster path (one str.format each for
    a line, the band and the table's cells of them): it prints what the general path prints."""
    from dagster_project.sitegen import trend

    periods = ["2015", "2016/17", "2018", "2019"]
    charts = [(_rows(periods, [30.04, 25.0, 1234.56, 0.05], [28.0, 23.0, 1200.0, 0.01]), "%"),
              (_rows(periods, [0.9035, 0.906, 0.91, 0.95]), "ratio"),  # no interval: no band
              (_rows(periods[:2], [17620.53, 17000.0]), "per 100000"),
              (_rows(periods, [30.0, None, 20.0, 25.0], [28.0, None, 18.0, 23.0]), "%")]  # only the benchmark plain

    def draw():
        return [str(trend_chart_html(PageState(), rows, lower="lower", upper="upper", benchmark="bench", title="T",
                                     unit=unit, csv=False)) for rows, unit in charts]

    tables, table = [], trend._table_template
    monkeypatch.setattr(trend, "_table_template", lambda *args: tables.append(args) or table(*args))
    fast = draw()
    # the table's columns of positive floats (value, interval, benchmark) are printed by its template
    assert [args[2:] for args in tables] == [(True, 2, True), (True, 0, True), (True, 0, True), (False, 1, True)]
    monkeypatch.setattr(trend, "_plain", lambda column: False)
    assert draw() == fast
    assert "1,234.6%" in fast[0] and "<polygon" in fast[0] and "<polygon" not in fast[1]


_COMPONENT_CALLS = """\
{{ line_chart(trend, x='period', y='value', lower='lower', upper='upper', series='area', segment='segment', title='Rate <over> time', description='A & B', unit='%', y_title='Rate') }}|
{{ line_chart(trend|where('area', 'A & B'), x='period', y='value', title='One area', unit='per 1000', table_columns=[{'id': 'period', 'title': 'Period'}, {'id': 'value', 'title': 'Rate', 'unit': 'per 1000', 'missing': 'note'}], csv_label='Every period') }}|
{{ line_chart(single, x='period', y='value', title='Single', series='area') }}|
{{ line_chart(empty, x='period', y='value', title='Nothing') }}|
{{ line_chart(empty, x='period', y='value', title='Nothing', missing_reason='its file was not supplied') }}|
{{ line_chart(noted, x='period', y='value', title='Suppressed') }}|
{{ bar_chart(wards, label='ward_name', value='value', lower='lower', upper='upper', note='note', compare='compared', benchmark=21.5, benchmark_label='Wigan & co', title='By ward', description='Ranked', unit='%', value_title='Rate', link='page', caption='Wards, 2023') }}|
{{ bar_chart(wards, label='ward_name', value='value', title='Unsorted', sort=false, csv_data=trend, csv_label='Trend CSV') }}|
{{ bar_chart(missing, label='ward_name', value='value', note='note', title='All missing') }}|
{{ bar_chart(empty, label='ward_name', value='value', title='Empty') }}|
{{ ward_map(wards, code='ward_code', value='value', suppressed='suppressed', unit='%', polarity='low_is_good', title='Map <1>', description='Shaded', table_columns=[{'id': 'ward_name', 'title': 'Ward', 'link': 'page'}, {'id': 'value', 'title': 'Rate', 'unit': '%', 'missing': 'note'}]) }}|
{{ ward_map(wards, code='ward_code', value='value') }}|
{{ big_value(borough, value='value', title='Wigan, 2023', comparison='england', comparison_title='England:', comparison_text='words', sparkline='period', sparkline_data=trend|where('area', 'A & B')) }}|
{{ big_value(ranged, value='value', title='A range') }}|
{{ big_value(empty, value='value', title='Nothing') }}|
"""


def test_chart_components_are_byte_for_byte_what_their_macros_wrote():
    """line_chart, bar_chart, ward_map and big_value are drawn in Python (charts.py, maps.py); the
    expected file holds what their Jinja macros wrote for the same calls (and the CSV files they
    named), on main 2e709ea: no data, one period, ranges, hexes, links, legends, a sparkline."""
    shapes = {"E1": ("M0 0h10v10h-10z", 5.0, 5.0), "E2": ("M10 0h10v10h-10z", 15.0, 5.0),
              "E3": ("M20 0h10v10h-10z", 25.0, 5.0), "E4": ("M30 0h10v10h-10z", 35.0, 5.0)}
    geography = WardGeography(kind="hex", width=640.0, height=120.0, note="Hexes & more.",
                              names={"E1": "Abram & <Co>", "E2": "Bryn", "E3": "Douglas", "E4": "Hindley"}, shapes=shapes)
    state = PageState()
    state.for_council("", (), geography)
    state.begin("indicators/x")
    env, _ = make_environment(SITE_ROOT, state, {}, geography)
    trend = QueryResult("trend", ["area", "period", "value", "lower", "upper", "segment", "note"], [
        ("A & B", "2019/20", 12.5, 11.0, 14.0, 1, None), ("A & B", "2020/21", None, None, None, 1, "suppressed"),
        ("A & B", "2021/22", 13.25, 12.0, 14.5, 2, None), ("England", "2019/20", 10.0, 9.5, 10.5, 1, None),
        ("England", "2020/21", 10.5, 10.0, 11.0, 1, None), ("England", "2021/22", 11.0, 10.5, 11.5, 2, None)])
    wards = QueryResult("ranking", ["ward_name", "ward_code", "value", "lower", "upper", "note", "compared", "suppressed", "page"], [
        ("Abram & <Co>", "E1", 24.0, 20.0, 28.0, None, "Worse than Wigan (95% confidence)", False, "wards/E1"),
        ("Bryn", "E2", 18.5, 15.0, 22.0, None, "Better than Wigan (95% confidence)", False, "wards/E2"),
        ("Douglas", "E3", None, None, None, "suppressed (fewer than 5)", None, True, "wards/E3"),
        ("A ward with a very long name that goes on and on", "E5", 21.0, 19.0, 23.0, None, "Similar to Wigan", False, "wards/E5")])
    data = {
        "trend": trend, "wards": wards,
        "single": QueryResult("single", ["area", "period", "value"], [("A", "2020", 5.0), ("B", "2020", 6.0)]),
        "empty": QueryResult("empty", ["ward_name", "period", "value"], []),
        "noted": QueryResult("noted", ["period", "value", "value_note"], [("2020", None, "suppressed (fewer than 5)")]),
        "missing": QueryResult("missing", ["ward_name", "value", "note"], [("Bryn", None, "not published"), ("Ince", None, None)]),
        "borough": QueryResult("borough", ["value", "england", "words", "unit"], [(20.25, 18.0, "Worse than England", "%")]),
        "ranged": QueryResult("ranged", ["value", "value_lower_bound", "value_upper_bound"], [(None, 17.0, 17.5)]),
    }
    html = env.from_string(_COMPONENT_CALLS).render(**data)
    html += "".join(f"\n== {name}\n{content.decode()}" for name, content in sorted(state.csv.items()))
    assert html == (Path(__file__).parent / "expected" / "chart_components.html").read_text(encoding="utf-8")


def test_a_broken_series_of_positive_floats_is_printed_as_any_other(monkeypatch):
    """Where the comparable series changes (segment), each run's line and band are printed by
    templates of that run's periods: as the general path prints them, dots for runs of one."""
    from dagster_project.sitegen import trend

    rows = QueryResult("trend", ["period", "value", "lower", "upper", "bench", "seg", "why"], [
        ("2015", 30.0, 28.0, 32.0, 31.0, "a", None), ("2016", 29.5, 27.5, 31.5, 30.0, "a", None),
        ("2017", 25.0, 23.0, 27.0, 29.0, "b", "new method"), ("2018", 24.0, 22.0, 26.0, 28.5, "c", None),
        ("2019", 23.0, 21.0, 25.0, 28.0, "c", None), ("2020", 22.5, 20.5, 24.5, 27.0, "c", None)])

    def draw():
        return str(trend_chart_html(PageState(), rows, lower="lower", upper="upper", benchmark="bench", title="T",
                                    unit="%", csv=False, segment="seg", break_reason="why"))

    fast = draw()
    monkeypatch.setattr(trend, "_plain", lambda column: False)
    assert draw() == fast
    assert fast.count("<polygon") == 2 and fast.count("<polyline") == 4  # runs 2015-16 and 2018-20; 2017 a dot
    assert "between 2016 and 2017 (new method); between 2017 and 2018" in fast


def test_trend_list_draws_what_a_loop_of_details_and_trend_charts_drew():
    """trend_list: for each item with two or more periods, a collapsed details holding its chart,
    as the ward page's Jinja loop drew them (ids numbered in the same order); nothing for an item
    with one period; `empty` when there are no items."""
    from dagster_project.sitegen.render import make_environment
    from site_fixture import SITE_ROOT

    items = QueryResult("latest", ["indicator_id", "title", "unit", "period"], [
        ("a", "Obesity <y6>", "%", "2021"), ("b", "Single", "%", "2021"), ("c", "Rate", "per 1000", "2019-03")])
    series = QueryResult("trends", ["indicator_id", "period", "value", "lo", "hi", "bench", "seg"], [
        ("a", "2019", 20.0, 18.0, 22.0, 21.0, 1), ("a", "2020", None, None, None, 21.5, 1),
        ("a", "2021", 23.0, 21.0, 25.0, 22.0, 2), ("b", "2021", 5.0, None, None, 6.0, 1),
        ("c", "2019-02", 3.0, 2.0, 4.0, 3.5, 1), ("c", "2019-03", 3.5, 2.5, 4.5, 3.5, 1)])
    state = PageState()
    env, _ = make_environment(SITE_ROOT, state, {})
    looped = env.from_string(
        "{% set by = trends|groups('indicator_id') %}{% for r in latest %}{% set rows = by[r.indicator_id] %}"
        "{% if rows|length > 1 %}{% call details(r.title ~ ': ' ~ rows|length ~ ' periods, to ' ~ (r.period|when)) %}\n"
        "{{ trend_chart(data=rows, x='period', y='value', lower='lo', upper='hi', benchmark='bench', "
        "area_label=w, benchmark_label=la, title=r.title ~ ': ' ~ w ~ ' and ' ~ la ~ ' over time', unit=r.unit, "
        "csv=false, segment='seg') }}\n{% endcall %}{% endif %}{% endfor %}")
    listed = env.from_string("{{ trend_list(latest, trends, area_label=w, benchmark_label=la, x='period', y='value', "
                             "lower='lo', upper='hi', benchmark='bench', segment='seg', empty='None <yet>.') }}")
    args = dict(latest=items, trends=series, w="St <Mary>'s", la="Wigan")
    pages = []
    for template in (listed, looped):
        state.begin("wards/E05")
        pages.append(template.render(args))
    assert pages[0] == pages[1] and pages[0].count('<details class="notes">') == 2
    assert listed.render({**args, "latest": items.subset("latest", [])}) == "<p>None &lt;yet&gt;.</p>\n"
