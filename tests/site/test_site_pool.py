"""The site's render pool: workers with default signal handling, shut down with close()/join()
and terminated only when they do not exit."""

import multiprocessing
import multiprocessing.util
import os
import signal
import time

import pytest

from dagster_project.sitegen.build import SHUTDOWN_SECONDS, pool_close, pool_open


def pool_map(function, tasks: list, workers: int, shutdown_seconds: float = SHUTDOWN_SECONDS) -> list:
    """The site's render pool used as the build uses it: `function` over `tasks`, closed and
    joined under the timeout; an error terminates the pool (the builder's `stop`)."""
    pool = pool_open(workers)
    try:
        results = pool.map_async(function, tasks).get()
    except BaseException:
        pool.terminate()
        raise
    pool_close(pool, shutdown_seconds)
    return results


def _handlers(_):
    return os.getpid(), signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)


def _stuck_at_exit(task):
    # The worker's exit waits two minutes (a finalizer), like a worker blocked on a lock.
    multiprocessing.util.Finalize(None, time.sleep, args=(120,), exitpriority=10)
    return task * 2


def _divide(n):
    return 1 / n


@pytest.fixture
def caught_sigterm():
    """The parent catches SIGTERM, as Dagster does."""
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    yield
    signal.signal(signal.SIGTERM, previous)


def test_workers_do_not_inherit_the_parents_signal_handlers(caught_sigterm):
    results = pool_map(_handlers, list(range(4)), 2)
    assert {pid for pid, _, _ in results} and os.getpid() not in {pid for pid, _, _ in results}
    assert all(term == signal.SIG_DFL and interrupt == signal.SIG_DFL for _, term, interrupt in results)
    assert multiprocessing.active_children() == []


def test_a_worker_that_does_not_exit_is_terminated_not_waited_for(caught_sigterm):
    with pytest.warns(RuntimeWarning, match="terminated"):
        assert pool_map(_stuck_at_exit, [1, 2, 3], 2, shutdown_seconds=1) == [2, 4, 6]
    assert multiprocessing.active_children() == []


def test_an_error_in_a_worker_stops_the_pool_and_is_raised(caught_sigterm):
    with pytest.raises(ZeroDivisionError):
        pool_map(_divide, [1, 0], 2)
    assert multiprocessing.active_children() == []
