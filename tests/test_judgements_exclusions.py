"""The rules that leave a period out of a trend or gap test live in one place (seed
exclusion_rules, model int_excluded_periods); a series holding an excluded period gives that
rule's reason, not another's."""

import csv
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def _trends_model():
    spec = importlib.util.spec_from_file_location("int_indicator_trends", REPO / "dbt/models/intermediate/int_indicator_trends.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rules() -> dict[str, dict]:
    with (REPO / "dbt/seeds/exclusion_rules.csv").open(encoding="utf-8", newline="") as handle:
        return {r["rule_id"]: r for r in csv.DictReader(handle)}


def _series(excluded: dict[int, str] | None = None) -> pd.DataFrame:
    """Six yearly council figures (counts) of one series; `excluded` maps a position to a rule."""
    rules = _rules()
    years = range(2015, 2021)
    frame = pd.DataFrame({
        "indicator_id": "x", "area_code": "E08000010", "segment_id": "x:1", "epoch": 0, "since_break": None,
        "period": [str(y) for y in years], "period_start": pd.to_datetime([f"{y}-04-01" for y in years]),
        "frequency": "yearly", "numerator": [100.0, 110, 120, 130, 140, 150], "denominator": 1000.0,
        "value": np.nan, "lower_ci_95": np.nan, "upper_ci_95": np.nan, "precedence": np.nan,
    })
    for position, rule in (excluded or {}).items():
        frame.loc[position, "precedence"] = float(rules[rule]["precedence"])
        if rule == "incomplete":  # an incomplete figure has no count (int_area_indicator_values)
            frame.loc[position, "numerator"] = np.nan
    return frame


def _assess(frame: pd.DataFrame) -> pd.Series:
    rules = _rules()
    reasons = {float(r["precedence"]): r["series_reason"] for r in rules.values()}
    return _trends_model().assess(frame, {"x": "low_is_good"}, reasons).iloc[0]


def test_a_complete_series_is_tested():
    result = _assess(_series())
    assert result["trend"] != "Cannot be assessed" and result["trend_method"]


def test_an_incomplete_period_gives_the_incomplete_reason():
    """The old reason was 'these figures have no count or confidence interval' (an incomplete
    figure has no count), which is not why: the source lacks some of the council's neighbourhoods."""
    result = _assess(_series({3: "incomplete"}))
    assert result["trend"] == "Cannot be assessed"
    assert result["trend_reason"] == _rules()["incomplete"]["series_reason"]
    assert "incomplete" in result["trend_reason"] and "no count or confidence interval" not in result["trend_reason"]
    assert result["change_reason"] == result["trend_reason"]


def test_the_first_rule_by_precedence_gives_the_reason():
    rules = _rules()
    result = _assess(_series({1: "suppressed", 4: "incomplete"}))
    first = min(("suppressed", "incomplete"), key=lambda r: int(rules[r]["precedence"]))
    assert result["trend_reason"] == rules[first]["series_reason"]


def test_every_rule_has_a_reason_and_the_models_name_no_rule_of_their_own():
    """Each rule the model applies is a seed row with a reason; the consumers read
    int_excluded_periods instead of testing suppression, incompleteness or withheld counts themselves."""
    rules = _rules()
    model = (REPO / "dbt/models/intermediate/int_excluded_periods.sql").read_text(encoding="utf-8")
    for rule_id, rule in rules.items():
        assert f"'{rule_id}'" in model and rule["reason"], rule_id
    for consumer in ("intermediate/int_indicator_trends.py", "intermediate/int_inequality_sii.py", "marts/fct_inequality.sql"):
        text = (REPO / "dbt/models" / consumer).read_text(encoding="utf-8")
        assert "int_excluded_periods" in text, consumer
        for own_rule in ("n_suppressed", "incomplete_reason", "int_withheld_counts", '"affected"'):
            assert own_rule not in text, (consumer, own_rule)
