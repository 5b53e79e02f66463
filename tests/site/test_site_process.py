"""The site build's memory and process policy: Python's garbage collector during the build, the
render workers' freed memory, and when the search index's parts are indexed."""

from __future__ import annotations

import gc
import fcntl
import json
import os
import shutil

import duckdb

from site_fixture import PAGES, SITE_ROOT
from dagster_project.sitegen import build as build_module
from dagster_project.sitegen import build_site, search
from dagster_project.warehouse import held_elsewhere


def test_no_collection_runs_during_the_build_and_the_collector_is_restored(warehouse, tmp_path):
    """The build pauses the collector (its rows are alive when one would run: pure cost) and
    leaves it as it found it: on or off, nothing frozen, the same thresholds."""
    collections = []

    def count(phase, info):
        if phase == "start":
            collections.append(info["generation"])

    threshold = gc.get_threshold()
    gc.callbacks.append(count)
    try:
        build_site(warehouse=warehouse, out_dir=tmp_path / "on", pages_dir=PAGES, site_root=SITE_ROOT,
                   search_index=False, workers=1)
        assert collections == []
        assert gc.isenabled() and gc.get_freeze_count() == 0 and gc.get_threshold() == threshold
        gc.disable()
        build_site(warehouse=warehouse, out_dir=tmp_path / "off", pages_dir=PAGES, site_root=SITE_ROOT,
                   search_index=False, workers=1)
        assert not gc.isenabled() and gc.get_freeze_count() == 0
    finally:
        gc.enable()
        gc.callbacks.remove(count)


def test_render_workers_give_freed_memory_back_after_each_share(warehouse, tmp_path, monkeypatch):
    marks = tmp_path / "released"

    def release():  # runs in the forked workers
        with marks.open("a") as handle:
            handle.write("share\n")

    monkeypatch.setattr(build_module, "_release_free_memory", release)
    build_site(warehouse=warehouse, out_dir=tmp_path / "out", pages_dir=PAGES, site_root=SITE_ROOT,
               search_index=False, workers=2)
    assert len(marks.read_text().split()) >= 2  # one per worker's share of each batch


def test_pages_run_with_the_lower_duckdb_limit_on_one_thread(warehouse, tmp_path):
    """The shared temp tables are made with DUCKDB_MEMORY_LIMIT; the pages' queries (and the
    downloads' export beside them) run with PAGES_MEMORY_LIMIT on PAGES_THREADS."""
    pages = tmp_path / "pages"
    shutil.copytree(PAGES, pages)
    (pages / "settings.md").write_text(
        "```sql settings\nselect current_setting('memory_limit') as memory, current_setting('threads') as threads\n```\n\n"
        "{% for s in settings %}memory={{ s.memory }} threads={{ s.threads }}{% endfor %}\n", encoding="utf-8")
    build_site(warehouse=warehouse, out_dir=tmp_path / "out", pages_dir=pages, site_root=SITE_ROOT,
               search_index=False, workers=1)
    con = duckdb.connect()
    con.execute(f"set memory_limit = '{build_module.PAGES_MEMORY_LIMIT}'")
    expected = con.execute("select current_setting('memory_limit')").fetchone()[0]
    con.execute(f"set memory_limit = '{build_module.DUCKDB_MEMORY_LIMIT}'")
    assert expected != con.execute("select current_setting('memory_limit')").fetchone()[0]
    html = (tmp_path / "out" / "settings" / "index.html").read_text(encoding="utf-8")
    assert f"memory={expected} threads={build_module.PAGES_THREADS}" in html


def _rendered(out, n: int, index: search.SearchIndex) -> str:
    """Page n written under `out` as a build would, its light copy given to the index; its path."""
    rel = f"p{n}/index.html"
    html = f"<html><head><title>Page {n}</title></head><body><main><p>word{n}</p></main></body></html>"
    (out / rel).parent.mkdir(parents=True)
    (out / rel).write_text(html, encoding="utf-8")
    index.add([(rel, search.light_copy(html))])
    return rel


def test_search_parts_wait_while_the_build_is_busy_then_each_page_is_indexed_once(tmp_path, monkeypatch):
    runs, start = [], search._pagefind

    def pagefind(exe, site, bundle):
        runs.append(site.name)
        return start(exe, site, bundle)

    monkeypatch.setattr(search, "_pagefind", pagefind)
    index = search.SearchIndex(tmp_path / "scratch", part_bytes=1, held=2)  # every page a part
    busy = [True]
    index.busy = lambda: busy[0]
    out, pages = tmp_path / "out", []
    for n in range(5):
        rel = _rendered(out, n, index)
        index.cut()
        pages.append(rel)
        if n < 2:
            assert runs == []  # busy: up to two parts wait
        elif n == 2:
            assert runs == ["0"]  # a third: the oldest is indexed anyway
            busy[0] = False
    files = index.finish(out, pages)
    assert runs == ["0", "1", "2", "3", "4"]  # each part once, in order (the last ones at the end)
    assert json.loads((out / "pagefind" / "parts.json").read_text()) == ["part-1", "part-2", "part-3", "part-4"]
    assert any(f.endswith("pagefind.js") for f in files)
    # indexed parts' copies are left for the scratch folder's removal at the end: nothing is
    # deleted while pages are being written (freed inodes make later files dearer to create)
    assert (tmp_path / "scratch" / "0" / "p0" / "index.html").is_file()


def test_indexed_copies_in_memory_are_removed_at_once_and_bundles_written_beside(tmp_path, monkeypatch):
    """Copies kept in memory (`drop_indexed`) go as soon as Pagefind has read their part; its
    bundles are written in `bundles` and moved into the site from there."""
    sites, bundles, start = [], [], search._pagefind

    def pagefind(exe, site, bundle):
        sites.append(site)
        bundles.append(bundle)
        return start(exe, site, bundle)

    monkeypatch.setattr(search, "_pagefind", pagefind)
    index = search.SearchIndex(tmp_path / "memory", part_bytes=1, held=0, bundles=tmp_path / "beside",
                               drop_indexed=True)
    out, pages = tmp_path / "out", []
    for n in range(3):
        rel = _rendered(out, n, index)
        if index.running is not None:
            index.running.wait()  # the part before is indexed: this cut removes its copies
        index.cut()
        pages.append(rel)
    assert len(sites) == 3 and not sites[0].exists() and not sites[1].exists() and sites[2].exists()
    files = index.finish(out, pages)
    assert [b.parent for b in bundles] == [tmp_path / "beside"] * 3
    assert not any(site.exists() for site in sites) and any(f.endswith("pagefind.js") for f in files)
    assert json.loads((out / "pagefind" / "parts.json").read_text()) == ["part-1", "part-2"]


def _recorded_roots(monkeypatch) -> list:
    roots = []

    class Recording(search.SearchIndex):
        def __init__(self, root, *args, **kwargs):
            roots.append((root, kwargs.get("bundles")))
            super().__init__(root, *args, **kwargs)

    monkeypatch.setattr(search, "SearchIndex", Recording)
    return roots


def test_the_search_index_scratch_folder_given_is_used_and_removed(warehouse, tmp_path, monkeypatch):
    """The pipeline gives the build a scratch folder beside its candidate site (so that a run killed
    meanwhile leaves it where the next run's clean-up of candidates removes it): without a memory
    folder the light copies go there, and it is gone when the build ends."""
    roots = _recorded_roots(monkeypatch)
    monkeypatch.setattr(build_module, "MEMORY_FOLDER", tmp_path / "no-such-folder")
    scratch = tmp_path / "site.candidate-abcd1234.search"
    (scratch / "left-over").mkdir(parents=True)  # a killed build's: emptied first
    build_site(warehouse=warehouse, out_dir=tmp_path / "out", pages_dir=PAGES, site_root=SITE_ROOT, scratch_dir=scratch)
    assert roots == [(scratch, None)] and not scratch.exists()
    assert (tmp_path / "out" / "pagefind" / "pagefind.js").is_file()


def test_light_copies_go_in_memory_and_killed_builds_copies_there_are_removed(warehouse, tmp_path, monkeypatch):
    """With a memory folder (a tmpfs: /dev/shm) the light copies go there, in a folder of this
    process's, and the bundles in the scratch folder; both are gone when the build ends, and so
    are folders there of builds that are gone (killed: their lock file held by no one), not those
    of live ones (its lock held, as a build holds its own)."""
    roots = _recorded_roots(monkeypatch)
    memory = tmp_path / "memory"
    monkeypatch.setattr(build_module, "MEMORY_FOLDER", memory)
    killed = memory / "sitegen-light-1-x1"
    live = memory / "sitegen-light-2-x2"
    for folder in (killed, live):
        (folder / "0").mkdir(parents=True)
        (folder / build_module._LIGHT_LOCK).touch()
    holder = (live / build_module._LIGHT_LOCK).open("a+")
    fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another build, still going
    scratch = tmp_path / "site.candidate-abcd1234.search"
    build_site(warehouse=warehouse, out_dir=tmp_path / "out", pages_dir=PAGES, site_root=SITE_ROOT, scratch_dir=scratch)
    holder.close()
    [(root, bundles)] = roots
    assert root.parent == memory and root.name.startswith(f"sitegen-light-{os.getpid()}-") and bundles == scratch
    assert not root.exists() and not scratch.exists() and not killed.exists() and live.exists()
    assert (tmp_path / "out" / "pagefind" / "pagefind.js").is_file()


def test_a_memory_folder_is_locked_before_it_takes_its_name(tmp_path, monkeypatch):
    """Another build cleaning MEMORY_FOLDER removes folders named sitegen-light-* whose lock nobody
    holds: a new folder gets that name only once its lock is held, never in between."""
    memory = tmp_path / "memory"
    memory.mkdir()
    monkeypatch.setattr(build_module, "MEMORY_FOLDER", memory)
    seen = []
    flock = build_module.fcntl.flock

    def locking(handle, operation):  # what another build cleaning up would find at this moment
        seen.extend(p.name for p in memory.glob(build_module._LIGHT_PREFIX + "*"))
        return flock(handle, operation)

    monkeypatch.setattr(build_module.fcntl, "flock", locking)
    folder, lock = build_module._light_folder()
    monkeypatch.undo()
    assert seen == [] and folder.name.startswith(build_module._LIGHT_PREFIX) and folder.is_dir()
    assert held_elsewhere(folder / build_module._LIGHT_LOCK)  # as another build would see it: in use
    lock.close()
