"""`wigan-dbt`: dbt's command line, as `dbt`, ending without the interpreter's teardown.

After its last line a dbt process spends 0.5-1.5 s (2 cores, 169 councils) freeing the objects of
its run one by one (manifest, results, caches) before it exits, and the Dagster step waits for
that exit. Here dbt's command runs as the `dbt` script runs it, then the exit handlers run
(dbt-duckdb's closes DuckDB, writing its checkpoint; logging flushes dbt.log) and the process
exits at once with dbt's exit code.
"""

import atexit
import os
import sys

from dbt.cli.main import cli


def main() -> None:
    try:
        cli()
        code = 0
    except SystemExit as stop:  # how click ends every command
        code = stop.code
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
