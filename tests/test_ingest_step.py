"""The ingest step (the `ingest` multi-asset) on a few bundled sources: how it reads and loads
them, beside what it loads (tested in test_ingest.py and test_ingest_engine.py)."""

from collections import Counter
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project.defs.ingest import assets, engine, loader, reader
from dagster_project.warehouse import close_held

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
SOURCES = ["iod2019_file6", "iod2019_file8", "iod2025_scores"]


def test_each_file_is_read_once_for_its_digest_and_duckdb_runs_on_the_staging_threads(tmp_path, monkeypatch):
    """The inventory, the fingerprints and DuckDB's byte scans share one sha256 reading of each
    file; each source's queries run on its staging thread (DuckDB's threads set to
    DUCKDB_THREADS), and the setting is put back after the step."""
    monkeypatch.setenv("RAW_DIR", str(RAW))
    monkeypatch.setenv("WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("SITE_DIR", str(tmp_path / "site"))
    monkeypatch.setattr(loader, "ENGINE_MIN_BYTES", 0)  # the bundled files are small: DuckDB reads them all the same
    hashed, scanned, threads = Counter(), [], []
    sha256_of, scan, stage_source = reader.sha256_of, engine._scan, assets.stage_source

    def counted(path):
        hashed[path.name] += 1
        return sha256_of(path)

    def scanning(path, sha256=None, width=0):
        scanned.append(sha256)
        return scan(path, sha256, width)

    def staging(con, *args, **kwargs):
        threads.append(con.execute("select current_setting('threads')").fetchone()[0])
        return stage_source(con, *args, **kwargs)

    monkeypatch.setattr(reader, "sha256_of", counted)
    monkeypatch.setattr(engine, "_scan", scanning)
    monkeypatch.setattr(assets, "stage_source", staging)
    selection = [assets.REGISTRY_KEY, *(dg.AssetKey(["raw", s]) for s in SOURCES)]
    try:
        result = dg.materialize([assets.ingest], selection=selection, instance=dg.DagsterInstance.ephemeral())
        assert result.success
        with assets.connect(assets.get_settings(), result.run_id) as con:
            after = con.execute("select current_setting('threads')").fetchone()[0]
    finally:
        close_held()
    assert hashed and set(hashed.values()) == {1}  # every file in RAW_DIR, once
    assert len(scanned) == len(SOURCES) and None not in scanned  # each scan took the digest read for the fingerprint
    assert threads == [assets.DUCKDB_THREADS] * len(SOURCES)
    assert after == duckdb.connect().execute("select current_setting('threads')").fetchone()[0]
