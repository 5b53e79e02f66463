"""The ward profile: the summary sentence and spine chart render the marts' statuses, never their own."""

from __future__ import annotations

from markupsafe import Markup

from dagster_project.sitegen.data import QueryResult
from dagster_project.sitegen.render import PageState
from dagster_project.sitegen.spine import COLUMNS, spine_chart_html, ward_summary

from site_fixture import XSS
from test_site_content import main_text, parse


def _rows(statuses, values=None):
    values = values or [10.0 + i for i in range(len(statuses))]
    rows = []
    for i, (status, value) in enumerate(zip(statuses, values)):
        row = {c: None for c in COLUMNS}
        row.update(title=f"Indicator {i}", indicator_page=f"indicators/i{i}", unit="%", unit_label="%",
                   period="2023", value=value, la_value=12.0, ward_min=5.0, ward_q1=8.0, ward_q3=15.0,
                   ward_max=20.0, comparison_status=status, rank_in_la=3, n_wards_in_la=25,
                   comparison_reason="this figure has no confidence interval" if status == "Cannot be assessed" else None)
        rows.append(tuple(row[c] for c in COLUMNS))
    return QueryResult("latest", list(COLUMNS), rows)


def test_summary_counts_the_statuses_it_is_given():
    data = _rows(["Worse"] * 9 + ["Better", "Similar", "Cannot be assessed", "Higher"])
    text = ward_summary(data, "Ince", "Wigan")
    assert text.startswith("Ince is worse than Wigan on 9 of the 11 indicators that can be judged against Wigan; "
                           "better on 1; similar on 1.")
    assert "it is higher on 1" in text and "1 more cannot be assessed" in text
    flipped = ward_summary(_rows(["Better"] * 3 + ["Worse"]), "Ince", "Wigan")
    assert flipped.startswith("Ince is better than Wigan on 3 of the 4 indicators") and "; worse on 1." in flipped
    assert ward_summary(_rows(["Similar"]), "Ince", "Wigan").startswith("Ince is similar to Wigan on the one indicator")
    assert ward_summary(_rows(["Worse"] * 7), "Ince", "Wigan").startswith("Ince is worse than Wigan on all 7 indicators")
    assert "None of Ince's figures can be judged" in ward_summary(_rows(["Cannot be assessed"]), "Ince", "Wigan")
    assert ward_summary(_rows(["Worse"], values=[None]), "Ince", "Wigan") == "There are no figures for Ince yet."


def test_spine_marks_status_by_shape_and_words_and_ranks_the_unassessed():
    html = str(spine_chart_html(PageState(), _rows(["Worse", "Better", "Cannot be assessed"]), "Ince", "Wigan",
                                title="Ince profile"))
    body = html[html.index("<tbody>"):]
    assert body.count("<tr>") == 3
    assert "Worse than Wigan" in body and "Better than Wigan" in body
    assert "Cannot be assessed: this figure has no confidence interval." in body
    assert "Ranked 3rd highest of 25 wards." in body
    assert body.count('points="') >= 1 and '<circle' in body  # diamond (worse) and circle (better) shapes
    # each row's chart names its figures for screen readers, and draws no text of its own
    assert 'aria-label="Ince: 10.0%. Wigan&#39;s wards range from 5.0% to 20.0%, the middle half from 8.0% to 15.0%. Wigan: 12.0%."' in body
    assert "<text" not in html
    # the key lists only the statuses present
    assert "Ince: worse than Wigan" in html and "Ince: higher than Wigan" not in html


def test_spine_scale_holds_the_ward_borough_and_range():
    html = str(spine_chart_html(PageState(), _rows(["Worse"], values=[30.0]), "Ince", "Wigan"))
    xs = [float(x) for x in __import__("re").findall(r'(?:x|x1|cx)="([0-9.]+)"', html.split("spine-svg")[1])]
    assert xs and min(xs) >= 0 and max(xs) <= 240  # the ward above the highest ward value still fits


def _one_row(**values):
    """One spine row (as _rows makes them) with some figures changed or added."""
    row = {c: None for c in COLUMNS}
    row.update(title="Indicator", indicator_page="indicators/i", unit="%", period="2019", value=27.9,
               ward_min=12.6, ward_max=32.8, comparison_status="Cannot be assessed", comparison_reason="no interval")
    row.update(values)
    return QueryResult("latest", list(row), [tuple(row.values())])


def test_spine_prints_a_council_range_as_a_range_and_digits_that_tell_figures_apart():
    bounded = str(spine_chart_html(PageState(), _one_row(la_value=None, la_lower_bound=17.04, la_upper_bound=17.46,
                                                         comparison_status="Worse"), "Ince", "Wigan"))
    assert "17.0% to 17.5%" in bounded and "not available" not in bounded
    close = str(spine_chart_html(PageState(), _one_row(unit="score", polarity="low_is_good", value=0.9348, la_value=0.9102, ward_min=0.8671,
                                                       ward_q1=0.9, ward_q3=0.92, ward_max=0.938), "Ince", "Wigan"))
    assert "0.935 score" in close and "0.910 score" in close and "worse: 0.938" in close
    count = str(spine_chart_html(PageState(), _one_row(unit="people", value=2438.0, la_value=37666.0, ward_min=810.0,
                                                       ward_q1=1200.0, ward_q3=1800.0, ward_max=2581.0), "Ince", "Wigan"))
    assert "2,438 people" in count and "2,581" in count and "2,581.0" not in count


def test_spine_says_where_each_england_figure_comes_from_once_per_source():
    source = "MHCLG, IoD 2025 File 7 (released 30 October 2025); the figure is worked out from the copy in humaniverse/IMD x @ abc"
    html = str(spine_chart_html(PageState(), _one_row(england_value=10.0, england_source=source), "Ince", "Wigan"))
    assert '<td class="num" data-label="England">10.0%</td>' in html
    assert html.count("the copy in humaniverse/IMD") == 1 and "England (Indicator): MHCLG, IoD 2025" in html
    none = str(spine_chart_html(PageState(), _one_row(england_value=None, england_source=source), "Ince", "Wigan"))
    assert "humaniverse" not in none


def test_ward_page_opens_with_summary_and_spine(built_site):
    out, _ = built_site
    page = out / "wards" / "E05000841" / "index.html"
    text = main_text(page)
    assert text.index("Abram is better than Wigan on the one indicator") < text.index("Neighbouring wards")
    rows = {" ".join("".join(tr[0].itertext()).split()): " ".join("".join(tr[-2].itertext()).split())
            for table in parse(page).iter("table") if "spine-table" in table.get("class", "")
            for tr in table.find("tbody")}
    assert rows["Obesity in year 6 children%, latest data: 2022/23"] == "Better than Wigan"  # 'Better' in the marts
    income = next(v for k, v in rows.items() if k.startswith("Income deprivation score"))
    assert income.startswith("Cannot be assessed1")  # the reason once, in a note under the table
    assert "Cannot be assessed: no confidence interval exists for this figure" in text
    assert "highest of 5 wards" in income
    # the XSS ward is 'Worse' in the marts, and its name stays text
    xss = main_text(out / "wards" / "E05000844" / "index.html")
    assert f"{XSS} is worse than Wigan on the one indicator" in xss
    # the suppressed ward says why it cannot be compared
    suppressed = main_text(out / "wards" / "E05000842" / "index.html")
    assert "Cannot be assessed: the figure is withheld." in suppressed
    assert isinstance(spine_chart_html(PageState(), _rows([]), "x", "y"), Markup)


def test_home_page_puts_find_your_ward_and_statuses_first(built_site):
    out, _ = built_site
    page = out / "index.html"
    text = main_text(page)
    assert text.index("Find your ward") < text.index("Missions at a glance") < text.index("Deprivation across Wigan")
    links = {"".join(a.itertext()): a.get("href") for a in parse(page).iter("a")}
    assert links["Abram"] == "wards/E05000841/index.html" and links[XSS] == "wards/E05000844/index.html"
    form = next(f for f in parse(page).iter("form") if "finder-search" in f.get("class", ""))
    assert form.get("action") == "search/index.html" and form.find(".//label").get("for")
    # the status table renders the marts' statuses, not the values' direction
    from test_site_content import table_rows
    rows = {r[0]: r for r in table_rows(page, "Create fair opportunities")}
    assert rows["Income deprivation score"][1] == "worsening"  # 'improving' direction, 'worsening' status in the marts
    assert rows["Healthy life expectancy at birth (males)"][1:] == ["on track", "61.1 years", "2016-18"]


def test_every_page_says_when_the_data_were_updated_and_links_the_glossary(built_site):
    out, _ = built_site
    for rel in ("index.html", "wards/E05000841/index.html", "glossary/index.html"):
        raw = (out / rel).read_text(encoding="utf-8")
        assert "This site was built on 1 January 2024." in raw, rel  # max(audit.load_log.loaded_at)
    glossary = main_text(out / "glossary" / "index.html")
    for term in ("LSOA", "Best fit", "Index of Multiple Deprivation", "Confidence interval",
                 "Slope index of inequality", "Its sign says which way the gap runs", "Cannot be assessed"):
        assert term in glossary


def test_years_print_as_years():
    from dagster_project.sitegen.formatting import format_value
    from dagster_project.sitegen.tables import table_body, table_columns

    assert format_value(2011, "year") == "2011" and format_value(2011) == "2,011"
    data = QueryResult("lookups", ["method", "lsoa_vintage", "lsoas"], [("best fit", 2011, 2011)])
    body = str(table_body(data, table_columns(data), lambda x: x))
    assert ">2011</td>" in body and ">2,011</td>" in body  # the vintage as a year, the count as a number


def test_wards_of_one_council_share_its_marks_but_keep_their_own():
    """The council's part of a spine (ranges, its and England's marks, the axis) is drawn once and
    reused; each ward keeps its own figure, marker and label."""
    from dagster_project.sitegen import spine

    spine._scale.cache_clear()
    one = str(spine_chart_html(PageState(), _rows(["Worse"], values=[6.0]), "Ince", "Wigan"))
    two = str(spine_chart_html(PageState(), _rows(["Better"], values=[19.0]), "Abram", "Wigan"))
    assert spine._scale.cache_info().hits == 1
    assert 'aria-label="Ince: 6.0%. Wigan&#39;s wards range from 5.0% to 20.0%' in one
    assert 'aria-label="Abram: 19.0%. Wigan&#39;s wards range from 5.0% to 20.0%' in two
    spines = [html.split('<svg class="spine-svg"')[1].split("</svg>")[0] for html in (one, two)]
    assert "<polygon" in spines[0] and 'fill="#d4351c"' in spines[0] and "<circle" not in spines[0]
    assert "<circle" in spines[1] and 'fill="#00703c"' in spines[1] and "<polygon" not in spines[1]
    assert spines[0].split("<rect", 1)[1].split("<polygon")[0] == spines[1].split("<rect", 1)[1].split("<circle")[0]


def test_a_rows_decimals_test_only_the_wards_figure_against_the_councils():
    """_decimals_with gives decimals_for's answer (or 1) from the council's figures worked out once."""
    import random

    from dagster_project.sitegen import spine
    from dagster_project.sitegen.formatting import decimals_for

    rng = random.Random(13)
    pick = lambda: rng.choice([None, float("nan"), 3, 12.0, rng.random(), rng.uniform(10, 10.01),
                               round(rng.uniform(0, 100), rng.choice([0, 1, 2, 3])), rng.uniform(-5, 5) * 1e-4])
    for _ in range(5000):
        council = tuple(pick() for _ in range(6))
        value = rng.choice([pick(), *council])
        assert spine._decimals_with(value, council) == (decimals_for([value, *council]) or 1), (value, council)


def test_gap_line_names_each_verdict_and_the_periods_it_covers():
    from dagster_project.sitegen.spine import gap_line_html

    gaps = QueryResult("gaps", ["title", "gap_trend", "tested_from", "period", "indicator_page"], [
        ("Obesity <y6>", "Gap narrowing", "2015/16", "2022/23", "indicators/obesity"),
        ("Income", None, None, "2019-03", "indicators/income")])
    state = PageState()
    state.begin("wards/E05")
    assert str(gap_line_html(state, gaps, "Wigan & Leigh")) == (
        '<p class="gap-line"><strong>Is the gap closing in Wigan &amp; Leigh?</strong> '
        '<a href="../../indicators/obesity/index.html">Obesity &lt;y6&gt;</a>: Gap narrowing (tested from 2015/16 to '
        '2022/23); <a href="../../indicators/income/index.html">Income</a>:  (tested from  to March 2019).</p>\n')
    assert str(gap_line_html(state, [], "Wigan")) == ""
