"""dbt-duckdb plugin: registers the statistics of dagster_project.methods as DuckDB scalar
functions on dbt's connection, so the marts' numbers come from the one tested module.

These functions exist only inside dbt's connection: models that call them must be tables.
"""

from duckdb import DuckDBPyConnection
from duckdb.sqltypes import DOUBLE
from dbt.adapters.duckdb.plugins import BasePlugin

from dagster_project import methods
from dagster_project.methods._common import level_tag



def _difference_limit(bound: str):
    """Scalar form of methods.proportion_difference returning one limit."""

    def limit(x1, n1, x2, n2, confidence):
        if None in (x1, n1, x2, n2) or min(n1, n2) <= 0:
            return None
        result = methods.proportion_difference(x1, n1, x2, n2, confidence=confidence)
        return float(result[f"{bound}{level_tag(confidence)}"])

    limit.__name__ = f"proportion_difference_{bound}"
    return limit


# name -> (python function, number of DOUBLE arguments)
FUNCTIONS = {
    "wilson_lower": (methods.wilson_lower, 3),
    "wilson_upper": (methods.wilson_upper, 3),
    "proportion_difference_lower": (_difference_limit("lower"), 5),
    "proportion_difference_upper": (_difference_limit("upper"), 5),
}


def register(conn: DuckDBPyConnection) -> None:
    """Register every function in FUNCTIONS on a DuckDB connection."""
    for name, (function, arity) in FUNCTIONS.items():
        conn.create_function(name, function, [DOUBLE] * arity, DOUBLE, null_handling="special", side_effects=False)


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register(conn)
