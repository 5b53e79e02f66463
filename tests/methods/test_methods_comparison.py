import math

import pytest

from dagster_project.methods import COMPARISON_COLOURS, compare_two_levels, compare_with_benchmark


@pytest.mark.parametrize(
    ("lower", "upper", "polarity", "expected"),
    [
        (12, 15, "high_is_good", "Better"),
        (5, 8, "high_is_good", "Worse"),
        (12, 15, "low_is_good", "Worse"),
        (5, 8, "low_is_good", "Better"),
        (12, 15, "no_judgement", "Higher"),
        (5, 8, "no_judgement", "Lower"),
        (8, 12, "high_is_good", "Similar"),
        (10, 12, "high_is_good", "Similar"),  # touching the benchmark counts as similar
        (8, 10, "low_is_good", "Similar"),
        (12, 15, "not_applicable", "Not compared"),
    ],
)
def test_single_level(lower, upper, polarity, expected):
    assert compare_with_benchmark(lower, upper, 10, polarity) == expected


@pytest.mark.parametrize("missing", [None, math.nan])
def test_missing_inputs_are_not_compared(missing):
    assert compare_with_benchmark(missing, 12, 10, "high_is_good") == "Not compared"
    assert compare_with_benchmark(8, 12, missing, "high_is_good") == "Not compared"
    assert compare_two_levels(11, 12, missing, 13, 10, "high_is_good") == "Not compared"


@pytest.mark.parametrize(
    ("limits", "polarity", "expected"),
    [
        ((11, 12, 10.5, 13), "high_is_good", "Best"),
        ((11, 12, 9, 13), "high_is_good", "Better"),
        ((11, 12, 10.5, 13), "low_is_good", "Worst"),
        ((8, 9, 7, 9.5), "low_is_good", "Best"),
        ((8, 9, 7, 11), "low_is_good", "Better"),
        ((8, 9, 7, 9.5), "high_is_good", "Worst"),
        ((11, 12, 10.5, 13), "no_judgement", "Highest"),
        ((8, 9, 7, 11), "no_judgement", "Lower"),
        ((9, 11, 8, 12), "high_is_good", "Similar"),
    ],
)
def test_two_levels(limits, polarity, expected):
    assert compare_two_levels(*limits, 10, polarity) == expected
    assert expected in COMPARISON_COLOURS


def test_invalid_inputs_raise():
    with pytest.raises(ValueError, match="polarity must be one of"):
        compare_with_benchmark(1, 2, 3, "up")
    with pytest.raises(ValueError, match="lower limit 5 exceeds upper limit 2"):
        compare_with_benchmark(5, 2, 3, "high_is_good")
