import numpy as np
import pytest

from dagster_project.methods import TREND_THRESHOLD, recent_trend

PREFIX = "dhscfork_testdata_trend_markers__"
YEARS = [2019, 2020, 2021, 2022, 2023]
Z95 = 1.959963984540054


def _ci(values, se):
    """95% limits giving standard error ``se`` (SE = (upper - lower) / (2 * 1.959964))."""
    return [v - Z95 * se for v in values], [v + Z95 * se for v in values]


# --- hand-checked cases ------------------------------------------------------------------


def test_threshold_is_chi_squared_998():
    assert TREND_THRESHOLD == pytest.approx(9.5495, abs=1e-4)


def test_weighted_regression_hand_case():
    # y = t with SE 1: beta = 1, Var = S1/(S1*S5 - S3^2) = 5/(5*55 - 15^2) = 0.1, chi2 = 10 > 9.5495.
    lower, upper = _ci([1, 2, 3, 4, 5], 1.0)
    result = recent_trend(YEARS, method="regression", value=[1, 2, 3, 4, 5], lower95=lower, upper95=upper)
    assert (result.chi_squared, result.gradient) == pytest.approx((10, 1))
    assert result.marker == "Increasing" and result.reason == "No outliers and significant trend"


def test_weighted_regression_not_significant():
    # SE 1.1: chi2 = 10 / 1.21 = 8.26
    lower, upper = _ci([1, 2, 3, 4, 5], 1.1)
    result = recent_trend(YEARS, method="regression", value=[1, 2, 3, 4, 5], lower95=lower, upper95=upper)
    assert result.chi_squared == pytest.approx(10 / 1.21)
    assert result.marker == "No significant change" and result.reason == "No significant trend"


def test_chi_squared_for_trend_in_proportions_hand_case():
    # D = 500, C = 150, sum(x t) = 550, sum(n t) = 1500, sum(n t^2) = 5500:
    # chi2 = 500 (500*550 - 150*1500)^2 / (150 * 350 * (500*5500 - 1500^2)) = 47.619
    result = recent_trend(YEARS, method="proportion", count=[10, 20, 30, 40, 50], denominator=[100] * 5,
                          polarity="high_is_good")
    assert result.chi_squared == pytest.approx(1.25e12 / 2.625e10)
    assert result.marker == "Increasing and getting better" and result.gradient > 0


@pytest.mark.parametrize(
    ("polarity", "rising", "falling"),
    [
        ("high_is_good", "Increasing and getting better", "Decreasing and getting worse"),
        ("low_is_good", "Increasing and getting worse", "Decreasing and getting better"),
        ("no_judgement", "Increasing", "Decreasing"),
    ],
)
def test_labels_follow_polarity(polarity, rising, falling):
    up = [10, 20, 30, 40, 50]
    assert recent_trend(YEARS, method="proportion", count=up, denominator=[100] * 5, polarity=polarity).marker == rising
    down = up[::-1]
    assert recent_trend(YEARS, method="proportion", count=down, denominator=[100] * 5, polarity=polarity).marker == falling


def test_only_the_last_five_points_count():
    values = [50, 40, 30, 20, 10, 1, 2, 3, 4, 5]
    lower, upper = _ci(values, 1.0)
    result = recent_trend(range(2014, 2024), method="regression", value=values, lower95=lower, upper95=upper)
    assert result.gradient == pytest.approx(1) and result.marker == "Increasing"


def test_outlier_downgrades_to_no_significant_change():
    # Flat then a jump in the last year: significant, but the slope vanishes without that point.
    values = [10, 10, 10, 10, 20]
    lower, upper = _ci(values, 0.1)
    result = recent_trend(YEARS, method="regression", value=values, lower95=lower, upper95=upper)
    assert result.chi_squared > TREND_THRESHOLD
    assert (result.marker, result.reason) == ("No significant change", "Outlier found")


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"periods": YEARS[:4], "count": [1, 2, 3, 4], "denominator": [10] * 4}, "Not enough data points"),
        ({"periods": [2019, 2020, 2020, 2022, 2023]}, "Duplicate years in group"),
        ({"periods": [2017, 2019, 2020, 2021, 2022]}, "Years are not consecutive"),
        ({"count": [1, 2, None, 4, 5]}, "Missing values"),
        ({"count": [0, 2, 3, 4, 5]}, "Count equal to 0 or to the denominator"),
        ({"count": [1, 2, 3, 4, 10]}, "Count equal to 0 or to the denominator"),
    ],
)
def test_cannot_be_calculated(kwargs, reason):
    args = {"periods": YEARS, "count": [1, 2, 3, 4, 5], "denominator": [10] * 5, **kwargs}
    result = recent_trend(args.pop("periods"), method="proportion", **args)
    assert (result.marker, result.reason) == ("Cannot be calculated", reason)


def test_zero_width_interval_cannot_be_calculated():
    result = recent_trend(YEARS, method="regression", value=[1] * 5, lower95=[1] * 5, upper95=[1] * 5)
    assert result.marker == "Cannot be calculated"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "proportion", "count": [1, 2, 3, 4, 11], "denominator": [10] * 5}, "must not exceed"),
        ({"method": "proportion", "count": [1, 2, 3, 4, -5], "denominator": [10] * 5}, "must be >= 0"),
        ({"method": "proportion", "count": [1, 2, 3, 4, 5], "denominator": [10, 10, 10, 10, 0]}, "denominator must be > 0"),
        ({"method": "proportion", "count": [1] * 4, "denominator": [10] * 5}, "one value per period"),
        ({"method": "proportion", "count": [1] * 5}, "needs count and denominator"),
        ({"method": "regression", "value": [1] * 5}, "needs value, lower95 and upper95"),
        ({"method": "median"}, "method must be"),
        ({"method": "proportion", "polarity": "up"}, "polarity must be"),
    ],
)
def test_invalid_inputs_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        recent_trend(YEARS, **kwargs)


# --- dhsc-govuk/PHEindicatormethods (add_trend_markers) fixtures -------------------------


def _groups(rows, key):
    groups = {}
    for row in rows:
        groups.setdefault(row.get(key, ""), []).append(row)
    return groups


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("testdata_other_6", "regression"),
        ("testdata_other_trends", "regression"),
        ("testdata_other_grouped", "regression"),
        ("testdata_prop_trends", "proportion"),
        ("testdata_prop_grouped", "proportion"),
    ],
)
def test_trend_marker_fixture(name, method, shared):
    fixture = f"{PREFIX}{name}.csv"
    for group, rows in _groups(shared.rows(fixture), "Ethnicity").items():
        expected = rows[-1]
        num = shared.num
        if method == "proportion":
            series = {"count": [num(r["Count"]) for r in rows], "denominator": [num(r["denominator"]) for r in rows]}
        else:
            series = {"value": [num(r["Value"]) for r in rows], "lower95": [num(r["LL"]) for r in rows],
                      "upper95": [num(r["UL"]) for r in rows]}
        # "Other ethnic group" has a gap (2014 -> 2016); the fork does not test for breaks and its
        # expected statistics use t = 1..5, so the consecutive-years rule is switched off here.
        result = recent_trend([num(r["Year"]) for r in rows], method=method, require_consecutive=False, **series)
        assert result.marker == expected["recent_trend"], group
        assert result.reason == expected["recent_trend_reason"], group
        shared.close(result.chi_squared, expected["Significance"], abs=5e-5)
        shared.close(result.gradient, expected["Gradient"], abs=5e-5)
        shared.record("recent trend (Fingertips)", fixture, group or "all")


@pytest.mark.parametrize("method", ["proportion", "regression"])
@pytest.mark.parametrize("points", [5, 12])
def test_the_array_version_agrees_with_recent_trend_series_by_series(method, points):
    from dagster_project.methods import recent_trends

    rng = np.random.default_rng(points)
    series = 400
    t = np.tile(np.arange(1.0, points + 1), (series, 1))
    slope = rng.normal(0, 0.04, (series, 1))
    polarity = rng.choice(["high_is_good", "low_is_good", "no_judgement"], series)
    if method == "proportion":
        n = rng.integers(50, 5000, (series, points)).astype(float)
        x = rng.binomial(n.astype(int), np.clip(0.1 + slope * t, 0.001, 0.999)).astype(float)
        x[0, 0] = 0  # a row the test cannot use
        kwargs = {"count": x, "denominator": n}
    else:
        y = 50 + slope * 40 * t + rng.normal(0, 0.5, (series, points))
        half = rng.uniform(0.2, 2, (series, points))
        half[1, 2] = 0  # an interval of zero width
        kwargs = {"value": y, "lower95": y - half, "upper95": y + half}
    markers, reasons, chi = recent_trends(t, method=method, polarity=polarity, **kwargs)
    for row in range(series):
        one = recent_trend(t[row], method=method, polarity=polarity[row], points=points,
                           **{key: array[row] for key, array in kwargs.items()})
        assert (markers[row], reasons[row]) == (one.marker, one.reason), row
        if one.chi_squared is not None:
            assert chi[row] == pytest.approx(one.chi_squared, rel=1e-9)
    assert len(set(markers)) >= 3  # the random series cover several outcomes
