import numpy as np
import pytest

from dagster_project.methods import proportion, wilson_limits, wilson_lower, wilson_upper, z_value

FULL = {"rel": 1e-9, "abs": 1e-15}
BW = "testdata_Byars_Wilson__testdata_B_W.csv"
PROP = "testdata_Proportion__testdata_Prop.csv"
PROP_G = "testdata_Proportion__testdata_Prop_g.csv"


# --- hand-checked cases ------------------------------------------------------------------


def test_z_values_come_from_scipy():
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_value(99.8) == pytest.approx(3.090232, abs=1e-6)


def test_wilson_10_of_100():
    # Newcombe (1998): 10/100 -> 0.0552 to 0.1744
    lower, upper = wilson_limits(10, 100, 0.95)
    assert lower == pytest.approx(0.0552291, abs=1e-7)
    assert upper == pytest.approx(0.1743657, abs=1e-7)


def test_wilson_zero_events_and_all_events():
    # Newcombe (1998): 0/10 -> 0 to 0.2775; symmetric for 10/10
    assert wilson_limits(0, 10, 0.95) == pytest.approx((0.0, 0.2775328), abs=1e-7)
    assert wilson_limits(10, 10, 0.95) == pytest.approx((0.7224672, 1.0), abs=1e-7)


def test_proportion_has_both_levels_and_multiplier():
    result = proportion(65, 100, multiplier=100)
    assert set(result) == {"value", "lower95", "upper95", "lower998", "upper998"}
    assert result["value"] == pytest.approx(65)
    assert result["lower998"] < result["lower95"] < 65 < result["upper95"] < result["upper998"]


def test_full_confidence_gives_zero_and_one():
    assert wilson_limits(3, 10, 1.0, multiplier=100) == (0.0, 100.0)


def test_vectorised_with_nan():
    lower, upper = wilson_limits([10, np.nan, 5], [100, 100, np.nan])
    assert lower[0] == pytest.approx(0.0552291, abs=1e-7)
    assert np.isnan(lower[1:]).all() and np.isnan(upper[1:]).all()


# --- edge cases --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "n", "message"),
    [
        (-1, 10, "x must be >= 0"),
        (5, 0, "n must be > 0"),
        (5, -3, "n must be > 0"),
        (11, 10, "must not exceed denominator"),
    ],
)
def test_invalid_inputs_raise(x, n, message):
    with pytest.raises(ValueError, match=message):
        proportion(x, n)


def test_invalid_confidence_raises():
    with pytest.raises(ValueError, match="confidence must be between"):
        wilson_limits(1, 10, 0.5)


def test_scalar_helpers_are_udf_safe():
    assert wilson_lower(10, 100) == pytest.approx(0.0552291, abs=1e-7)
    assert isinstance(wilson_upper(10, 100, 0.998), float)
    assert wilson_lower(None, 100) is None
    assert wilson_upper(5, 0) is None
    assert wilson_upper(5, -1) is None
    assert wilson_lower(float("nan"), 10) is None
    with pytest.raises(ValueError, match="must not exceed"):
        wilson_lower(11, 10)


def test_scalar_helpers_register_as_duckdb_udfs():
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    for fn in (wilson_lower, wilson_upper):
        con.create_function(
            fn.__name__, fn, ["DOUBLE", "DOUBLE", "DOUBLE"], "DOUBLE", null_handling="special"
        )
    got = con.execute(
        "select wilson_lower(x, n, 95), wilson_upper(x, n, 0.95) "
        "from (values (10.0, 100.0), (null, 100.0), (3.0, 0.0)) t(x, n)"
    ).fetchall()
    assert got[0] == pytest.approx((0.0552291, 0.1743657), abs=1e-7)
    assert got[1:] == [(None, None), (None, None)]


# --- PHEindicatormethods fixtures --------------------------------------------------------


@pytest.mark.shared_csv(BW, keep=lambda r: r["method"] == "Wilson")
def test_wilson_fixture(row, shared):
    level = 0.95 if row["confidence"] == "95%" else 0.998
    x, n = shared.num(row["x"]), shared.num(row["n"])
    shared.close(wilson_lower(x, n, level), row["lowercl"], **FULL)
    shared.close(wilson_upper(x, n, level), row["uppercl"], **FULL)
    shared.record("Wilson score limits", BW, (row["x"], row["n"], row["confidence"]))


@pytest.mark.shared_csv(PROP, id=lambda r: f"{r['Area']}-x{r['multiplier']}")
def test_proportion_fixture(row, shared):
    result = proportion(shared.num(row["Numerator"]), shared.num(row["Denominator"]), multiplier=shared.num(row["multiplier"]))
    for key, column in [
        ("value", "value"),
        ("lower95", "lower95_0cl"),
        ("upper95", "upper95_0cl"),
        ("lower998", "lower99_8cl"),
        ("upper998", "upper99_8cl"),
    ]:
        shared.close(float(result[key]), row[column], **FULL)
    shared.record("proportion (Wilson)", PROP, (row["Area"], row["multiplier"]))


@pytest.mark.shared_csv(PROP_G, id=lambda r: r["Area"])
def test_proportion_grouped_fixture(row, shared):
    # The fixture's Numerator/Denominator are already the group sums (inputs x2).
    result = proportion(shared.num(row["Numerator"]), shared.num(row["Denominator"]), confidence=0.95)
    shared.close(float(result["value"]), row["value"], **FULL)
    shared.close(float(result["lower95"]), row["lowercl"], **FULL)
    shared.close(float(result["upper95"]), row["uppercl"], **FULL)
    shared.record("proportion (Wilson)", PROP_G, row["Area"])
