"""Every built site says only what it draws: captions describe only what is drawn (and everything
that is), no empty-chart block appears without its reason, and every figure in a ward profile
carries its unit (page_audit.audit). Runs on the fixture site; test_pipeline and test_real_data run
it on the demo and real Wigan builds; here it runs on the sites listed in SITE_AUDIT_DIRS (paths
separated by ':') or else on the session's ten-council real build (pipeline_support.real_gm_once,
shared with test_real_gm: about five minutes when this module runs alone)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from page_audit import audit
from pipeline_support import SHARED_REAL_GM, real_gm_once


def test_fixture_site_says_only_what_it_draws(built_site, hex_site):
    for out in (built_site[0], hex_site[0]):
        assert audit(out) == []
    ward = (built_site[0] / "wards" / "E05000841" / "index.html").read_text(encoding="utf-8")
    assert "Shaded band: 95% confidence interval." in ward  # the audit above did look at banded charts


def test_audit_catches_a_caption_that_claims_a_band(tmp_path):
    page = tmp_path / "x" / "index.html"
    page.parent.mkdir()
    page.write_text('<figure class="chart"><svg><polyline points="0,0 1,1"/></svg>'
                    '<figcaption>T. Shaded band: 95% confidence interval.</figcaption></figure>'
                    '<p class="no-data">T: no data to show.</p>', encoding="utf-8")
    assert len(audit(tmp_path)) == 3


REAL_GM = "the ten-council real build"


@pytest.mark.parametrize("site", [p for p in os.environ.get("SITE_AUDIT_DIRS", "").split(":") if p] or [REAL_GM])
def test_other_built_sites_say_only_what_they_draw(site, tmp_path_factory):
    if site == REAL_GM:
        if not SHARED_REAL_GM.is_dir():
            pytest.skip(f"real Greater Manchester extracts not found at {SHARED_REAL_GM} (and no SITE_AUDIT_DIRS)")
        out = real_gm_once(tmp_path_factory.mktemp("honesty")).site_dir
        assert len(list(out.glob("*/wards/*/index.html"))) == 215  # every council's ward pages are audited
    else:
        out = Path(site)
        if not (out / "index.html").is_file():
            pytest.skip(f"no built site at {out}")
    assert audit(out) == []
