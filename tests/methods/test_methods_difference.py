import numpy as np
import pytest

from dagster_project.methods import proportion_difference


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "lower", "upper"),
    [
        # Newcombe (1998) Stat Med 17:873, Table II, method 10 (hybrid score)
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (5, 56, 0, 29, -0.0381, 0.1926),
    ],
)
def test_newcombe_published_examples(x1, n1, x2, n2, lower, upper):
    result = proportion_difference(x1, n1, x2, n2, confidence=0.95)
    assert result["value"] == pytest.approx(x1 / n1 - x2 / n2)
    assert (result["lower95"], result["upper95"]) == pytest.approx((lower, upper), abs=5e-5)


def test_both_levels_vectorised_with_multiplier_and_nan():
    result = proportion_difference([56, np.nan], [70, 80], [48, 48], [80, 80], multiplier=100)
    assert result["value"][0] == pytest.approx(20)
    assert result["lower998"][0] < result["lower95"][0] == pytest.approx(5.24, abs=5e-3)
    assert np.isnan(result["upper998"][1])


def test_zero_events_in_both_groups():
    result = proportion_difference(0, 10, 0, 20, confidence=0.95)
    assert result["value"] == 0 and result["lower95"] < 0 < result["upper95"]


@pytest.mark.parametrize(
    ("args", "message"),
    [((11, 10, 1, 10), "must not exceed"), ((1, 10, -1, 10), "x must be >= 0"), ((1, 0, 1, 10), "n must be > 0")],
)
def test_invalid_inputs_raise(args, message):
    with pytest.raises(ValueError, match=message):
        proportion_difference(*args)


def test_change_from_limits_is_a_z_test_from_the_interval_widths():
    from dagster_project.methods import change_from_limits

    # 10 (8 to 12) then 14 (12 to 16): SE of each 4 / 3.92, combined 1.4431; z = 2.772, p = 0.00557
    result = change_from_limits([10.0, 5.0], [8.0, 5.0], [12.0, 5.0], [14.0, 6.0], [12.0, 6.0], [16.0, 6.0])
    assert result["difference"][0] == 4.0
    assert result["se"][0] == pytest.approx(1.4431, abs=1e-4)
    assert result["p_value"][0] == pytest.approx(0.00557, abs=2e-5)
    assert np.isnan(result["p_value"][1])  # intervals of zero width: no test
