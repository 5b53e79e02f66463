"""Page budgets on a 390 x 844 phone, on the bundled demonstration build (tests/page_budgets.py;
the multi-council build is checked in tests/test_councils.py). Skips where chromium is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from page_budgets import BUDGETS, CHROMIUM, pages_to_measure, page_budget_problems

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed at /usr/bin/chromium")


def test_every_page_kind_is_measured(built):
    kinds = set(pages_to_measure(built.site_dir).values())
    assert kinds == set(BUDGETS)


def test_pages_fit_their_budgets_and_no_table_is_wider_than_the_phone(built):
    pytest.importorskip("playwright.sync_api")
    assert page_budget_problems(built.site_dir) == []
