"""dbt-duckdb plugin: registers the statistics of dagster_project.methods as DuckDB scalar
functions on dbt's connection, so the marts' numbers come from the one tested module.

These functions exist only inside dbt's connection: models that call them must be tables.
The statistics module (and scipy, 1.3-2 s of imports) is imported at a function's first call,
not when dbt opens its connection, which every node of a build waits for.
"""

import importlib
from functools import lru_cache

from duckdb import DuckDBPyConnection
from duckdb.sqltypes import DOUBLE, VARCHAR
from dbt.adapters.duckdb.plugins import BasePlugin


@lru_cache(maxsize=1)
def _methods():
    """dagster_project.methods, imported on first use."""
    return importlib.import_module("dagster_project.methods")


def _wilson_limit(bound: str):
    """Scalar methods.wilson_lower or wilson_upper."""
    name = f"wilson_{bound}"

    def limit(x, n, confidence):
        return getattr(_methods(), name)(x, n, confidence)

    limit.__name__ = name
    return limit


@lru_cache(maxsize=4096)
def _difference(x1, n1, x2, n2, confidence) -> tuple[float, float]:
    """Both limits of methods.proportion_difference, kept for the other limit's call: DuckDB runs
    one function over a chunk of up to 2,048 rows, then the other over the same rows."""
    from dagster_project.methods._common import level_tag

    result = _methods().proportion_difference(x1, n1, x2, n2, confidence=confidence)
    tag = level_tag(confidence)
    return float(result[f"lower{tag}"]), float(result[f"upper{tag}"])


def _difference_limit(bound: str):
    """Scalar form of methods.proportion_difference returning one limit."""
    index = ("lower", "upper").index(bound)

    def limit(x1, n1, x2, n2, confidence):
        if None in (x1, n1, x2, n2) or min(n1, n2) <= 0:
            return None
        return _difference(x1, n1, x2, n2, confidence)[index]

    limit.__name__ = f"proportion_difference_{bound}"
    return limit


def _compare(lower95, upper95, lower998, upper998, benchmark, polarity):
    """Fingertips comparison of an area's intervals with a benchmark value."""
    return _methods().compare_two_levels(lower95, upper95, lower998, upper998, benchmark, polarity or "no_judgement")


# name -> (python function, argument types, return type)
FUNCTIONS = {
    "wilson_lower": (_wilson_limit("lower"), [DOUBLE] * 3, DOUBLE),
    "wilson_upper": (_wilson_limit("upper"), [DOUBLE] * 3, DOUBLE),
    "proportion_difference_lower": (_difference_limit("lower"), [DOUBLE] * 5, DOUBLE),
    "proportion_difference_upper": (_difference_limit("upper"), [DOUBLE] * 5, DOUBLE),
    "compare_with_benchmark": (_compare, [DOUBLE] * 5 + [VARCHAR], VARCHAR),
}


def register(conn: DuckDBPyConnection) -> None:
    """Register every function in FUNCTIONS on a DuckDB connection."""
    for name, (function, arguments, returns) in FUNCTIONS.items():
        conn.create_function(name, function, arguments, returns, null_handling="special", side_effects=False)


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register(conn)
