import numpy as np
import pytest

from dagster_project.methods import (
    byars_lower,
    byars_upper,
    exact_lower,
    exact_upper,
    poisson_limits,
    rate,
    rate_lower,
    rate_upper,
)

FULL = {"rel": 1e-9, "abs": 1e-12}
BW = "testdata_Byars_Wilson__testdata_B_W.csv"
RATE = "testdata_Rate__testdata_Rate.csv"
RATE_G = "testdata_Rate__testdata_Rate_g.csv"


# --- hand-checked cases ------------------------------------------------------------------


def test_byars_for_20_events():
    # 20(1 - 1/180 - 1.959964/(3*sqrt(20)))^3 and 21(1 - 1/189 + 1.959964/(3*sqrt(21)))^3
    assert byars_lower(20) == pytest.approx(12.21143, abs=1e-5)
    assert byars_upper(20) == pytest.approx(30.88988, abs=1e-5)


def test_exact_limits_for_small_counts():
    # Poisson exact limits (chi-squared): 0 -> (0, 3.689), 5 -> (1.623, 11.668)
    assert exact_lower(0) == 0 and exact_upper(0) == pytest.approx(3.688879, abs=1e-6)
    assert (exact_lower(5), exact_upper(5)) == pytest.approx((1.623486, 11.668332), abs=1e-6)


def test_method_switches_at_ten_events():
    lower, upper, method = poisson_limits([9, 10])
    assert list(method) == ["Exact", "Byars"]
    assert lower[0] == pytest.approx(exact_lower(9)) and lower[1] == pytest.approx(byars_lower(10))


def test_rate_per_100_and_both_levels():
    result = rate(20, 100, multiplier=100)
    assert result["value"] == 20
    assert result["lower95"] == pytest.approx(12.21143, abs=1e-5)
    assert result["lower998"] < result["lower95"] and result["upper998"] > result["upper95"]
    assert result["method"] == "Byars"


def test_zero_events_rate():
    result = rate(0, 1000, confidence=0.95)
    assert result["value"] == 0 and result["lower95"] == 0
    assert result["upper95"] == pytest.approx(368.8879, abs=1e-4)


def test_byars_lower_negative_is_missing():
    assert np.isnan(byars_lower(1, 0.998))


def test_count_may_exceed_denominator():
    assert rate(250, 220)["value"] == pytest.approx(113636.3636, abs=1e-4)


@pytest.mark.parametrize(("x", "n", "message"), [(-1, 10, "x must be >= 0"), (5, 0, "n must be > 0")])
def test_invalid_inputs_raise(x, n, message):
    with pytest.raises(ValueError, match=message):
        rate(x, n)


def test_missing_inputs_give_nan():
    result = rate([np.nan, 10], [100, np.nan])
    assert np.isnan(result["value"]).all() and np.isnan(result["upper998"]).all()
    assert list(result["method"]) == [None, "Byars"]


def test_scalar_helpers_are_udf_safe():
    assert rate_lower(20, 100, 0.95, 100) == pytest.approx(12.21143, abs=1e-5)
    assert isinstance(rate_upper(5, 100), float)
    assert rate_lower(None, 100) is None
    assert rate_upper(5, 0) is None
    assert rate_lower(1, 100, 0.998) == pytest.approx(1.0005003, abs=1e-6)  # exact, per 100,000


# --- PHEindicatormethods fixtures --------------------------------------------------------


@pytest.mark.shared_csv(BW, keep=lambda r: r["method"] == "Byars")
def test_byars_fixture(row, shared):
    level = 0.95 if row["confidence"] == "95%" else 0.998
    x = shared.num(row["x"])
    shared.close(float(byars_lower(x, level)), row["lowercl"], **FULL)
    shared.close(float(byars_upper(x, level)), row["uppercl"], **FULL)
    shared.record("Byar's limits", BW, (row["x"], row["confidence"]))


@pytest.mark.shared_csv(RATE, id=lambda r: f"{r['Area']}-x{r['multiplier']}")
def test_rate_fixture(row, shared):
    result = rate(shared.num(row["Numerator"]), shared.num(row["Denominator"]), multiplier=shared.num(row["multiplier"]))
    for key, column in [
        ("value", "value"),
        ("lower95", "lower95_0cl"),
        ("upper95", "upper95_0cl"),
        ("lower998", "lower99_8cl"),
        ("upper998", "upper99_8cl"),
    ]:
        shared.close(float(result[key]), row[column], **FULL)
    assert (result["method"] or "") == row["method"]
    shared.record("crude rate (exact/Byar)", RATE, (row["Area"], row["multiplier"]))


@pytest.mark.shared_csv(RATE_G, id=lambda r: r["Area"])
def test_rate_grouped_fixture(row, shared):
    # The fixture's Numerator/Denominator are already the group sums (inputs x2).
    result = rate(shared.num(row["Numerator"]), shared.num(row["Denominator"]), confidence=0.95)
    shared.close(float(result["value"]), row["value"], **FULL)
    shared.close(float(result["lower95"]), row["lowercl"], **FULL)
    shared.close(float(result["upper95"]), row["uppercl"], **FULL)
    assert (result["method"] or "") == row["method"]
    shared.record("crude rate (exact/Byar)", RATE_G, row["Area"])


def test_scalar_helpers_register_as_duckdb_udfs():
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    for fn in (rate_lower, rate_upper):
        con.create_function(fn.__name__, fn, ["DOUBLE"] * 4, "DOUBLE", null_handling="special")
    got = con.execute("select rate_lower(20, 100, 0.95, 100), rate_upper(x, 100, 0.95, 100) from (values (null)) t(x)")
    assert got.fetchall() == [(pytest.approx(12.21143, abs=1e-5), None)]
