import math

import numpy as np
import pytest

from dagster_project.methods import sii, sii_matrix, wilson_limits

SII = "testdata_SII__testdata_SII.csv"
QUINTILES = [1, 2, 3, 4, 5]


# --- hand-checked cases ------------------------------------------------------------------


def _linear(population, intercept=10.0, slope=5.0):
    """Values exactly on a line in the midpoint cumulative-population rank."""
    share = np.asarray(population, float) / np.sum(population)
    rank = np.cumsum(share) - share / 2
    return intercept + slope * rank


@pytest.mark.parametrize("population", [[1000] * 5, [500, 1500, 1000, 3000, 250]])
def test_exact_slope_on_a_line(population):
    # Equal shares give ranks 0.1, 0.3, ..., 0.9; any weights recover an exact line.
    result = sii(QUINTILES, population, _linear(population), se=[0.01] * 5)
    assert result["sii"] == pytest.approx(5) and result["intercept"] == pytest.approx(10)
    assert result["rii"] == pytest.approx(1.5)
    assert result["sii_lower95"] < 5 < result["sii_upper95"]
    assert result["sii_lower998"] < result["sii_lower95"] and result["sii_upper998"] > result["sii_upper95"]
    assert result["sii_upper95"] - result["sii_lower95"] < 0.2


def test_ranks_are_population_midpoints():
    # Quintile 1 holds half the population: ranks 0.25, 0.5625, 0.6875, 0.8125, 0.9375.
    population = [4, 1, 1, 1, 1]
    values = [0.25, 0.5625, 0.6875, 0.8125, 0.9375]
    result = sii(QUINTILES, population, values, se=[0.1] * 5)
    assert (result["sii"], result["intercept"]) == pytest.approx((1, 0), abs=1e-12)


def test_negative_multiplier_flips_sii_and_inverts_rii():
    values = _linear([1000] * 5)
    plus = sii(QUINTILES, [1000] * 5, values, se=[0.1] * 5)
    minus = sii(QUINTILES, [1000] * 5, values, se=[0.1] * 5, multiplier=-1)
    assert minus["sii"] == pytest.approx(-plus["sii"]) and minus["rii"] == pytest.approx(1 / plus["rii"])
    assert minus["sii_lower95"] == pytest.approx(-plus["sii_upper95"], rel=1e-3)  # order statistics


def test_quantiles_are_sorted_and_seed_makes_it_reproducible():
    values = _linear([1000] * 5)
    a = sii([5, 4, 3, 2, 1], [1000] * 5, values[::-1], se=[0.5] * 5, seed=1)
    b = sii(QUINTILES, [1000] * 5, values, se=[0.5] * 5, seed=1)
    c = sii(QUINTILES, [1000] * 5, values, se=[0.5] * 5, seed=2)
    assert a == b and a["sii_lower95"] != c["sii_lower95"]
    assert a["sii_lower95"] == pytest.approx(c["sii_lower95"], rel=0.05)


def test_proportion_from_counts_and_transform():
    population = [1000] * 5
    x = [300, 250, 200, 150, 100]
    lower, upper = [0.27, 0.22, 0.17, 0.13, 0.08], [0.33, 0.28, 0.23, 0.18, 0.12]
    plain = sii(QUINTILES, population, x=x, lower95=lower, upper95=upper, value_type="proportion")
    assert plain["sii"] == pytest.approx(-0.25)  # values 0.3 - 0.25 * rank exactly
    logit = sii(QUINTILES, population, x=x, lower95=lower, upper95=upper, value_type=2, transform=True)
    assert -0.3 < logit["sii"] < -0.2 and logit["sii_lower95"] < logit["sii"] < logit["sii_upper95"]


# --- edge cases --------------------------------------------------------------------------


def test_any_missing_quantile_gives_none():
    values = list(_linear([1000] * 5))
    values[2] = math.nan
    assert sii(QUINTILES, [1000] * 5, values, se=[0.1] * 5) is None
    assert sii(QUINTILES, [1000, 0, 1000, 1000, 1000], _linear([1000] * 5), se=[0.1] * 5) is None
    assert sii(QUINTILES, [1000] * 5, _linear([1000] * 5), se=[0.1, None, 0.1, 0.1, 0.1]) is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"quantile": [1, 2, 3, 4]}, "between 5 and 100"),
        ({"quantile": [1, 1, 2, 3, 4]}, "distinct"),
        ({"population": [1000, -1, 1000, 1000, 1000]}, "population must be >= 0"),
        ({"se": [0.1, -0.1, 0.1, 0.1, 0.1]}, "standard error must be >= 0"),
        ({"se": None}, "either se or both"),
        ({"value": None}, "value is required"),
        ({"value_type": "median"}, "value_type must be"),
        ({"transform": True}, "needs value_type 'rate' or 'proportion'"),
        ({"transform": True, "value_type": 1}, "needs lower95 and upper95"),
        ({"value_type": 2}, "proportions must be between 0 and 1"),
        ({"value_type": 1, "value": [0, 1, 2, 3, 4]}, "rates must be > 0"),
        ({"value_type": 1, "se": None, "lower95": [0] * 5, "upper95": [1] * 5}, "limits must be > 0"),
        ({"value_type": 2, "value": [0, 0.1, 0.2, 0.3, 0.4], "se": None, "lower95": [0] * 5,
          "upper95": [0.5] * 5, "transform": True}, "strictly between 0 and 1"),
        ({"repetitions": 999}, "1000 or more"),
    ],
)
def test_invalid_inputs_raise(kwargs, message):
    args = {"quantile": QUINTILES, "population": [1000] * 5, "value": _linear([1000] * 5), "se": [0.1] * 5}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        sii(args.pop("quantile"), args.pop("population"), args.pop("value"), **args)


def test_more_than_ten_quantiles_warns():
    q = list(range(1, 12))
    with pytest.warns(UserWarning, match="more than 10 quantiles"):
        assert sii(q, [100] * 11, _linear([100] * 11), se=[0.1] * 11)["sii"] == pytest.approx(5)


# --- PHEindicatormethods fixtures --------------------------------------------------------

# Result blocks: first RecordNo -> parameters of the package test (tests/testthat/testSII.R).
# Each area's expected results sit on its first row; _1 = first confidence level, _2 = second.
BLOCKS = {
    1: {"value_type": 0},
    21: {"value_type": 0, "confidence": (0.99,)},
    41: {"value_type": 0},
    61: {"value_type": 0},
    71: {"value_type": 1},
    91: {"value_type": 2},
    111: {"value_type": 2, "multiplier": 100},
    131: {"value_type": 2, "multiplier": -100},
    226: {"value_type": 0, "confidence": (0.95, 0.99)},
    246: {"value_type": 0},
    266: {"value_type": 1},
    # The package test runs block 286 with value_type = 1 although it is a proportion; the
    # expected limits equal block 91's (value_type 2), which is what is used here.
    286: {"value_type": 2},
    306: {"value_type": 1, "transform": True},
    326: {"value_type": 2, "transform": True},
    346: {"value_type": 2, "transform": True, "multiplier": -1},
    366: {"value_type": 1, "transform": True, "confidence": (0.95, 0.98)},
    386: {"value_type": 1, "transform": True, "multiplier": -1},
    406: {"value_type": 1, "transform": True, "confidence": (0.98,)},
    426: {"value_type": 1, "transform": True},
    446: {"value_type": 2, "transform": True},
    466: {"value_type": 2, "transform": True, "confidence": (0.98,)},
    486: {"value_type": 2, "transform": True, "confidence": (0.95, 0.98)},
}


def _cases():
    for start, params in BLOCKS.items():
        size = 5 if start == 61 else 10
        # As in the package test: SE and CL inputs both for the default, 99%, rate and
        # proportion blocks (and counts for proportions); limits elsewhere.
        inputs = ["cl", "se"] if start in (1, 21, 71, 91) else ["cl"]
        inputs += ["x"] if start == 91 else []
        for first in (start, start + size):
            for how in inputs:
                yield pytest.param(first, size, params, how, id=f"{first}-{how}")


def _block(shared, first: int, size: int):
    rows = shared.rows(SII)[first - 1 : first - 1 + size]
    assert [int(r["RecordNo"]) for r in rows] == list(range(first, first + size))
    numeric = ["Quantile", "Population", "Count", "Value", "LowerCL", "UpperCL", "StandardError"]
    column = {c: [shared.num(r[c]) for r in rows] for c in numeric}
    return rows, column


def _analytic_cases():
    for case in _cases():
        if not case.values[2].get("transform"):
            yield pytest.param(*case.values, id=f"{case.id}-analytic")


@pytest.mark.parametrize(("first", "size", "params", "how", "limits"),
                         [pytest.param(*c.values, "simulation", id=c.id) for c in _cases()]
                         + [pytest.param(*c.values, "analytic", id=c.id) for c in _analytic_cases()])
def test_sii_fixture(first, size, params, how, limits, shared):
    rows, col = _block(shared, first, size)
    expected = rows[0]
    levels = params.get("confidence", (0.95,))
    kwargs = {k: v for k, v in params.items() if k != "confidence"}
    value = None if how == "x" else col["Value"]
    spread = {"se": col["StandardError"]} if how == "se" else {"lower95": col["LowerCL"], "upper95": col["UpperCL"]}
    result = sii(col["Quantile"], col["Population"], value, x=col["Count"] if how == "x" else None,
                 confidence=levels, repetitions=int(expected["Repetitions"]), limits=limits, **spread, **kwargs)

    for key, column in [("sii", "sii"), ("rii", "rii"), ("intercept", "Intercept")]:
        if expected[column]:  # rii and intercept only where the block requested them
            shared.close(result[key], expected[column], rel=1e-9)
    for i, level in enumerate(levels, start=1):
        tag = f"{level * 100:g}".replace(".", "")
        for stat in ("sii", "rii"):
            low, high = expected[f"{stat}_lowercl_{i}"], expected[f"{stat}_uppercl_{i}"]
            if not low:  # rii not requested in this block
                continue
            # Simulated limits: 5% relative (the package's own test) or 3% of the interval width.
            tolerance = {"rel": 0.05, "abs": 0.03 * (float(high) - float(low))}
            shared.close(result[f"{stat}_lower{tag}"], low, **tolerance)
            shared.close(result[f"{stat}_upper{tag}"], high, **tolerance)
    shared.record("SII/RII (expected-result rows)", SII, first)


ERROR_CASES = [
    # (first RecordNo, rows, keyword arguments, expected error message)
    (151, 10, {"se": "StandardError"}, "population must be >= 0"),
    (161, 5, {"se": "StandardError"}, "standard error must be >= 0"),
    (166, 5, {"x": "Count", "value": None, "value_type": 2, "se": "StandardError"}, "count x must be > 0"),
    (171, 5, {"value_type": 2, "lower95": "LowerCL", "upper95": "UpperCL"}, "confidence limits must be between 0 and 1"),
    (176, 5, {"value_type": 2, "lower95": "LowerCL", "upper95": "UpperCL"}, "confidence limits must be between 0 and 1"),
    (1, 10, {"value_type": 2, "se": "StandardError"}, "proportions must be between 0 and 1"),
    (181, 10, {"value": None, "lower95": "LowerCL", "upper95": "UpperCL"}, "value is required"),
]


@pytest.mark.parametrize(("first", "size", "kwargs", "message"), ERROR_CASES, ids=[str(c[0]) for c in ERROR_CASES])
def test_sii_error_fixture(first, size, kwargs, message, shared):
    rows, col = _block(shared, first, size)
    args = {k: (col[v] if isinstance(v, str) else v) for k, v in kwargs.items()}
    value = args.pop("value", col["Value"])
    with pytest.raises(ValueError, match=message):
        sii(col["Quantile"], col["Population"], value, **args)
    for r in rows:
        shared.record("SII error/warning cases (input rows)", SII, r["RecordNo"])


def test_analytic_limits_agree_with_the_simulation_within_its_noise():
    # 300 random five-quintile proportions (the model's case): the closed-form limits differ from
    # 10,000 seeded draws by a median of about 0.4% (SII) and 0.6% (RII) of the interval width;
    # two simulations with different seeds differ by about 0.7%.
    rng = np.random.default_rng(1)
    gaps = {"sii": [], "rii": []}
    for _ in range(300):
        population = rng.integers(200, 5000, 5).astype(float)
        rate = np.clip(np.sort(rng.uniform(0.02, 0.5, 5))[::-1] + rng.normal(0, 0.03, 5), 0.01, 0.9)
        count = np.round(rate * population)
        lower, upper = wilson_limits(count, population, 0.95)
        args = (QUINTILES, population, count / population)
        kwargs = {"lower95": lower, "upper95": upper, "value_type": 2, "multiplier": 100}
        simulated, analytic = sii(*args, **kwargs), sii(*args, **kwargs, limits="analytic")
        for stat, gap in gaps.items():
            width = simulated[f"{stat}_upper95"] - simulated[f"{stat}_lower95"]
            gap += [abs(simulated[f"{stat}_{end}95"] - analytic[f"{stat}_{end}95"]) / width for end in ("lower", "upper")]
    for stat, gap in gaps.items():
        assert np.median(gap) < 0.01 and np.max(gap) < 0.05, stat


def test_sii_matrix_matches_one_area_at_a_time_and_marks_incomplete_areas():
    population = np.array([[1000, 1200, 900, 800, 1100], [500, 1500, 1000, 3000, 250], [1000, 0, 1000, 1000, 1000]], float)
    value = np.array([_linear(p) for p in population[:2]] + [_linear([1000] * 5)])
    se = np.full((3, 5), 0.2)
    matrix = sii_matrix(population, value, se, multiplier=[1, -1, 1], confidence=(0.95, 0.998))
    for row in range(2):
        one = sii(QUINTILES, population[row], value[row], se=se[row], multiplier=[1, -1][row], limits="analytic")
        assert {k: matrix[k][row] for k in one if k != "repetitions"} == pytest.approx({k: v for k, v in one.items() if k != "repetitions"})
        assert matrix["sii_lower95"][row] < matrix["sii"][row] < matrix["sii_upper95"][row]
        assert matrix["rii_lower998"][row] < matrix["rii_lower95"][row] < matrix["rii"][row] < matrix["rii_upper95"][row]
    assert all(np.isnan(column[2]) for key, column in matrix.items() if key != "simulated")
    assert not matrix["simulated"].any()  # normal values: the closed form is exact


def test_areas_where_the_closed_form_is_rough_are_simulated_exactly():
    # A quintile with 2 events in 1,000: SE on the logit scale about 0.7; the limits are the simulation's.
    population, count = np.full(5, 1000.0), np.array([30.0, 20, 12, 6, 2])
    lower, upper = wilson_limits(count, population, 0.95)
    args = (QUINTILES, population, count / population)
    kwargs = {"lower95": lower, "upper95": upper, "value_type": 2, "multiplier": 100}
    analytic = sii(*args, **kwargs, limits="analytic")
    assert analytic == sii(*args, **kwargs) and analytic["repetitions"] == 10_000
    with pytest.raises(ValueError, match="no analytic limits"):
        sii(QUINTILES, [1000] * 5, [0.1, 0.2, 0.3, 0.4, 0.5], lower95=[0.05] * 5, upper95=[0.6] * 5, value_type=2,
            transform=True, limits="analytic")


@pytest.mark.parametrize("first", [191, 201])
def test_sii_missing_inputs_fixture(first, shared):
    # 191-200: no CLs or SE for quantiles 1-5 (the package errors); 201-210: missing population,
    # count or value (the package drops the area with a warning). Here: None, the area is not computed.
    rows, col = _block(shared, first, 10)
    assert sii(col["Quantile"], col["Population"], col["Value"], lower95=col["LowerCL"], upper95=col["UpperCL"]) is None
    for r in rows:
        shared.record("SII error/warning cases (input rows)", SII, r["RecordNo"])


def test_sii_many_quantiles_fixture(shared):
    rows, col = _block(shared, 211, 15)
    with pytest.warns(UserWarning, match="more than 10 quantiles"):
        result = sii(col["Quantile"], col["Population"], col["Value"], lower95=col["LowerCL"], upper95=col["UpperCL"])
    assert math.isfinite(result["sii"])
    for r in rows:
        shared.record("SII error/warning cases (input rows)", SII, r["RecordNo"])


def test_absent_quantile_rows_give_none_when_the_count_is_known():
    population, values = [1000] * 4, _linear([1000] * 5)[:4]
    assert sii([1, 2, 3, 4], population, values, se=[0.1] * 4, n_quantiles=5) is None
    with pytest.raises(ValueError, match="quantiles must be 1 to 5"):
        sii([1, 2, 3, 4, 6], [1000] * 5, _linear([1000] * 5), se=[0.1] * 5, n_quantiles=5)


@pytest.mark.parametrize(
    ("name", "group", "kwargs"),
    [
        ("LE_testdata.csv", ("Sex", "GeoCode"), {"value_type": 0}),
        ("NCMP_testdata.csv", ("Period", "SchoolYear", "AreaCode"), {"value_type": 2, "transform": True}),
        ("DSR_testdata.csv", ("Period",), {"value_type": 1, "transform": True}),
    ],
)
def test_sii_vignette_inputs_run(name, group, kwargs, shared):
    # The package's vignette inputs: no published SII values, so every area is only checked to
    # compute, with its point estimate inside its limits. LE_testdata's E06000053 (Isles of
    # Scilly) has decile 1 only and is not computed (None).
    rows = shared.rows(name)
    areas = {}
    for r in rows:
        areas.setdefault(tuple(r[c] for c in group), []).append(r)
    computed = 0
    for key, area in areas.items():
        num = shared.num
        if name == "LE_testdata.csv":
            columns = ("Decile", "Pop", "LifeExp")
            spread = {"se": [num(r["SE"]) for r in area]}
        elif name == "NCMP_testdata.csv":
            columns = ("Decile", "Measured", None)
            spread = {"x": [num(r["Count"]) for r in area], "lower95": [num(r["LCL"]) / 100 for r in area],
                      "upper95": [num(r["UCL"]) / 100 for r in area], "multiplier": 100}
        else:
            columns = ("Quintile", "total_pop", "value")
            spread = {"lower95": [num(r["lowercl"]) for r in area], "upper95": [num(r["uppercl"]) for r in area]}
        quantile, population = ([num(r[c]) for r in area] for c in columns[:2])
        value = [num(r[columns[2]]) for r in area] if columns[2] else None
        result = sii(quantile, population, value, n_quantiles=5 if name == "DSR_testdata.csv" else 10,
                     repetitions=1000, **spread, **kwargs)
        if result is None:
            assert key[1] == "E06000053", key
            continue
        assert result["sii_lower95"] <= result["sii"] <= result["sii_upper95"], key
        assert result["rii_lower998"] <= result["rii"] <= result["rii_upper998"], key
        computed += 1
    assert computed == len(areas) - (2 if name == "LE_testdata.csv" else 0)
