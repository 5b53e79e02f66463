"""A rebuild restores what the code and data produce: a published file edited by hand (issue 11,
case 5: `echo x >> $SITE_DIR/index.html`) or a tampered cache blob is never republished."""

from __future__ import annotations

from site_fixture import PAGES, SITE_ROOT, make_warehouse
from dagster_project.sitegen import build_site

MARKER = "TAMPERED-MARKER-7f3a"


def build(warehouse, out, cache):
    return build_site(warehouse=warehouse, out_dir=out, pages_dir=PAGES, site_root=SITE_ROOT, cache_dir=cache)


def _tamper(path) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(MARKER)


def _marked(out) -> list[str]:
    return [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and MARKER.encode() in p.read_bytes()]


def test_an_edited_published_file_is_not_republished(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(warehouse, out, cache)
    clean = (out / "index.html").read_bytes()
    _tamper(out / "index.html")
    _tamper(next((out / "downloads" / "marts").glob("*.csv")))
    build(warehouse, tmp_path / "fresh", cache)  # a brand-new output folder
    assert _marked(tmp_path / "fresh") == []
    assert (tmp_path / "fresh" / "index.html").read_bytes() == clean
    build(warehouse, out, cache)  # and the same folder again
    assert _marked(out) == []
    assert (out / "index.html").read_bytes() == clean


def test_a_tampered_cache_blob_is_rendered_again(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(warehouse, out, cache)
    for blob in (cache / "blobs").rglob("*"):
        if blob.is_file():
            _tamper(blob)
    again = build(warehouse, tmp_path / "fresh", cache)
    assert _marked(tmp_path / "fresh") == []
    assert again.pages_rendered == again.pages_written > 0
