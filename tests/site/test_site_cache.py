"""Content-hash caching: an unchanged rebuild renders nothing; a change renders only what it touches."""

from __future__ import annotations

import hashlib
import os
import shutil
import tracemalloc
from pathlib import Path

import duckdb

from site_fixture import PAGES, SITE_ROOT, make_warehouse
from dagster_project.sitegen import build_site
from dagster_project.sitegen.cache import OutputCache


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and p.name != "build-info.json"}


def build(warehouse, out, cache, **kwargs):
    return build_site(warehouse=warehouse, out_dir=out, pages_dir=PAGES, site_root=SITE_ROOT, cache_dir=cache,
                      **kwargs)


def test_unchanged_rebuild_renders_nothing_and_changes_nothing(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = build(warehouse, out, cache)
    assert first.pages_rendered == first.pages_written > 0
    before = snapshot(out)
    again = build(warehouse, out, cache)
    assert again.pages_rendered == 0 and again.pages_cached == again.pages_written == first.pages_written
    assert again.files_written == first.files_written
    assert snapshot(out) == before


def test_a_fresh_output_folder_is_filled_from_the_cache(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    cache = tmp_path / "cache"
    build(warehouse, tmp_path / "one", cache)
    fresh = build(warehouse, tmp_path / "two", cache)
    assert fresh.pages_rendered == 0
    assert snapshot(tmp_path / "two") == snapshot(tmp_path / "one")


def test_a_data_change_renders_only_the_pages_it_touches(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = build(warehouse, out, cache)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.fct_indicator_values set value = 99.5 "
                    "where indicator_id = 'hle_male' and area_type = 'england' and period = '2016-18'")
    again = build(warehouse, out, cache)
    assert 0 < again.pages_rendered < first.pages_written
    assert "99.5" in (out / "indicators" / "hle_male" / "index.html").read_text(encoding="utf-8")
    fresh = build_site(warehouse=warehouse, out_dir=tmp_path / "fresh", pages_dir=PAGES, site_root=SITE_ROOT)
    assert snapshot(tmp_path / "fresh").keys() == snapshot(out).keys()
    for rel, data in snapshot(tmp_path / "fresh").items():
        if not rel.startswith("pagefind/"):
            assert snapshot(out)[rel] == data, rel


def test_a_page_source_change_renders_that_template_again(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    pages = tmp_path / "pages"
    shutil.copytree(PAGES, pages)
    out, cache = tmp_path / "out", tmp_path / "cache"
    build_site(warehouse=warehouse, out_dir=out, pages_dir=pages, site_root=SITE_ROOT, cache_dir=cache)
    licence = pages / "licence.md"
    licence.write_text(licence.read_text(encoding="utf-8") + "\nA new closing line.\n", encoding="utf-8")
    again = build_site(warehouse=warehouse, out_dir=out, pages_dir=pages, site_root=SITE_ROOT, cache_dir=cache)
    assert again.pages_rendered == 1
    assert "A new closing line." in (out / "licence" / "index.html").read_text(encoding="utf-8")


def test_pages_that_no_longer_exist_are_removed(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(warehouse, out, cache)
    assert (out / "wards" / "E05000845" / "index.html").is_file()
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from marts.dim_ward where ward_code = 'E05000845'")
    build(warehouse, out, cache)
    assert not (out / "wards" / "E05000845").exists() or not any((out / "wards" / "E05000845").iterdir())


def test_a_large_file_written_by_someone_else_is_recorded_without_reading_it_whole(tmp_path, monkeypatch):
    """A download's CSV (1.2 GB at 169 councils) is hashed a block at a time, and copied into the
    cache by the file system where it cannot be linked."""
    out = tmp_path / "out"
    out.mkdir()
    data = bytes(range(256)) * (32 << 10)  # 8 MiB
    (out / "big.csv").write_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    for linked in (True, False):
        if not linked:
            monkeypatch.setattr(os, "link", lambda *_: (_ for _ in ()).throw(OSError("no hard links here")))
        cache = OutputCache(tmp_path / f"cache-{linked}", out)
        tracemalloc.start()
        cache.record("big", "d1", {"big.csv": None})
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 4 << 20
        assert cache.new["big"]["files"] == {"big.csv": [sha, len(data)]}
        assert cache._blob(sha).read_bytes() == data
