"""A published build switched between the demonstration data and the real Wigan extracts in
../shared/real shows the data-quality page of a fresh build of the same data.

A module of its own (not in test_real_data.py) so that a second test worker runs its two
switches while the first builds the session's fresh real build that it compares with."""

import difflib
import re
import shutil

import pytest

from pipeline_support import BUNDLED_RAW, SHARED_REAL, published_once, real_wigan_once, run_pipeline, session_build

pytestmark = pytest.mark.skipif(
    not SHARED_REAL.is_dir(), reason=f"real extracts not found at {SHARED_REAL}; these acceptance tests need ../shared/real"
)


def _quality_page(site) -> dict[str, str]:
    """The data-quality page and its downloads, the build's date aside."""
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted((site / "data-quality").iterdir())}
    files["index.html"] = re.sub(r"built on [0-9]+ [A-Z][a-z]+ [0-9]{4}", "built on <date>", files["index.html"])
    return files


def _same_quality_page(switched, fresh) -> None:
    ours, theirs = _quality_page(switched), _quality_page(fresh)
    assert sorted(ours) == sorted(theirs)
    for name in ours:
        if ours[name] != theirs[name]:
            lines = difflib.unified_diff(theirs[name].splitlines(), ours[name].splitlines(), "fresh", "switched", lineterm="", n=0)
            pytest.fail(f"data-quality/{name} differs from a fresh build's:\n" + "\n".join(list(lines)[:20]))


def _switch(paths, raw_source) -> None:
    shutil.rmtree(paths.raw_dir)
    shutil.copytree(raw_source, paths.raw_dir)
    result, failures = run_pipeline(paths)
    assert result.success, "\n".join(failures)


def test_a_switched_build_shows_the_quality_page_of_a_fresh_one(tmp_path_factory, dbt_manifest):
    """After a demo-to-real switch the data-quality page once showed 6 failed checks that a fresh
    build shows as passed: a published demonstration build switched to the real data, then back,
    shows each time exactly the page of a fresh build of the same data (the session's fresh
    builds, asked for only after each switch, so that another worker can build them meanwhile)."""
    near = tmp_path_factory.mktemp("switch")
    paths = published_once(near)
    _switch(paths, SHARED_REAL)
    _same_quality_page(paths.site_dir, real_wigan_once(near).site_dir)
    _switch(paths, BUNDLED_RAW)
    _same_quality_page(paths.site_dir, session_build(near).site_dir)
