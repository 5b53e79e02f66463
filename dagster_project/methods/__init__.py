"""Public-health statistical methods as used by OHID Fingertips and PHEindicatormethods.

Implemented from the published formulas (not the GPL-3 packages' code). Every statistic
gives 95% and 99.8% limits by default, under the keys ``lower95``/``upper95`` and
``lower998``/``upper998``.
"""

from ._common import DEFAULT_CONFIDENCE, z_value
from .comparison import COMPARISON_COLOURS, compare_two_levels, compare_with_benchmark
from .difference import change_from_limits, proportion_difference
from .inequality import sii, sii_matrix
from .life_expectancy import LE_START_AGES, life_expectancy
from .means import mean, mean_limits
from .proportions import proportion, wilson_limits, wilson_lower, wilson_upper
from .rates import (
    byars_lower,
    byars_upper,
    exact_lower,
    exact_upper,
    poisson_limits,
    rate,
    rate_lower,
    rate_upper,
)
from .standardised import (
    ESP2013,
    ESP2013_20,
    ESP2013_20_AGE_BANDS,
    ESP2013_AGE_BANDS,
    dsr,
    dsr_non_independent,
    israte,
    isratio,
)
from .trends import TREND_THRESHOLD, TrendResult, recent_trend, recent_trends

__all__ = [
    "COMPARISON_COLOURS",
    "DEFAULT_CONFIDENCE",
    "ESP2013",
    "ESP2013_20",
    "ESP2013_20_AGE_BANDS",
    "ESP2013_AGE_BANDS",
    "LE_START_AGES",
    "TREND_THRESHOLD",
    "TrendResult",
    "byars_lower",
    "byars_upper",
    "compare_two_levels",
    "compare_with_benchmark",
    "dsr",
    "dsr_non_independent",
    "exact_lower",
    "exact_upper",
    "israte",
    "isratio",
    "life_expectancy",
    "mean",
    "mean_limits",
    "poisson_limits",
    "proportion",
    "proportion_difference",
    "rate",
    "rate_lower",
    "rate_upper",
    "recent_trend",
    "recent_trends",
    "sii",
    "sii_matrix",
    "wilson_limits",
    "wilson_lower",
    "wilson_upper",
    "z_value",
]
