"""Dagster's SQLite event log, kept open: the instance's event storage (dagster_instance.yaml).

Dagster's SqliteEventLogStorage opens a new SQLite connection for every event and closes it
again; closing the last connection to a WAL database checkpoints and syncs it to disk, so each
of a run's ~1,800 events (planned, started, output, materialized, check evaluated) cost 30-90 ms
on the 2-core machine, about a minute of a run. This subclass keeps one connection per shard
(the run's file, the index) per thread, for the few shards last used, and commits with
`synchronous=NORMAL` (WAL: durable when the process dies; the last commits may be lost only if
the machine itself stops). Same files, tables and layout as Dagster's own, so an existing
DAGSTER_HOME reads the same in the UI either way.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from contextlib import contextmanager

import sqlalchemy as db
from dagster import Field, StringSource
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy.pool import SingletonThreadPool

KEEP_OPEN = 8  # shards with an open engine: the index and the runs last written or read


def _default_base_dir() -> str:
    """Where Dagster's default storage keeps event logs: DAGSTER_HOME/history/runs."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        raise RuntimeError("KeptOpenSqliteEventLogStorage needs DAGSTER_HOME (or base_dir in its config)")
    return os.path.join(home, "history", "runs")


class KeptOpenSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with a kept-open connection per shard (see the module)."""

    def __init__(self, base_dir: str | None = None, inst_data=None):
        self._engines: OrderedDict[str, db.engine.Engine] = OrderedDict()
        super().__init__(base_dir or _default_base_dir(), inst_data)

    @classmethod
    def config_type(cls):
        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> db.engine.Engine:
        engine = self._engines.get(shard)
        if engine is None:
            engine = db.create_engine(
                self.conn_string_for_shard(shard), poolclass=SingletonThreadPool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            db.event.listen(engine, "connect", lambda connection, _: connection.execute("PRAGMA synchronous=NORMAL"))
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            self._engines[shard] = engine
            while len(self._engines) > KEEP_OPEN:
                self._engines.popitem(last=False)[1].dispose()
        self._engines.move_to_end(shard)
        return engine

    @contextmanager
    def _connect(self, shard: str):
        with self._db_lock:
            with self._engine(shard).connect() as conn, conn.begin():
                yield conn

    def _close(self, shard: str | None = None) -> None:
        with self._db_lock:
            for name in [shard] if shard else list(self._engines):
                engine = self._engines.pop(name, None)
                if engine is not None:
                    engine.dispose()

    def delete_events(self, run_id: str) -> None:
        super().delete_events(run_id)
        self._close(run_id)  # its file may be deleted next (retention.prune_runs)

    def wipe(self) -> None:
        self._close()
        super().wipe()

    def dispose(self) -> None:
        self._close()
        super().dispose()
