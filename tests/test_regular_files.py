"""One rule for every file the build reads: a regular file itself (dagster_project.regular_files).
It was written five ways (is_symlink, lstat, is_file...), and one reader of expectation suites
followed links the fingerprint did not; these pin the rule and where it lives."""

import os
import re
from pathlib import Path

import pytest

from dagster_project import inputs
from dagster_project.defs.quality.suites import load_suite_file, mart_suites
from dagster_project.regular_files import NotRegularFile, kind, not_regular, open_regular

PACKAGE = Path(__file__).resolve().parents[1] / "dagster_project"
SUITE = "name: s\nasset: marts.fct_x\nexpectations:\n  - expect_column_to_exist: {column: a}\n"


def test_kinds_and_reasons(tmp_path):
    (tmp_path / "file").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "file")
    os.mkfifo(tmp_path / "pipe")
    assert [kind(tmp_path / n) for n in ("file", "link", "pipe", "absent")] == ["file", "link", "special", "absent"]
    assert kind(tmp_path) == "folder"
    assert not_regular(tmp_path / "file") is None
    assert not_regular(tmp_path / "link") == (
        f"is a symbolic link (to {tmp_path / 'file'}); links are never followed: put the file itself there")
    with open_regular(tmp_path / "file") as handle:
        assert handle.read() == b"x"
    for name in ("link", "pipe"):  # the pipe is refused at once, never waited on
        with pytest.raises(NotRegularFile, match=rf"{re.escape(str(tmp_path / name))}: is (a symbolic link|not a regular file)"):
            open_regular(tmp_path / name)


def test_a_suite_file_that_is_a_link_is_refused_naming_it(tmp_path):
    """The checks' fingerprint counts a link as a link: a suite read through one could change
    (its target edited) with no rerun ever checking it. A linked suite is refused, by name."""
    outside = tmp_path / "outside.yml"
    outside.write_text(SUITE, encoding="utf-8")
    suites = tmp_path / "marts"
    suites.mkdir()
    (suites / "plain.yml").write_text(SUITE, encoding="utf-8")
    assert [s.name for s in mart_suites(suites)] == ["s"]
    (suites / "linked.yml").symlink_to(outside)
    with pytest.raises(ValueError, match=r"expectation suite .*linked\.yml: is a symbolic link \(to .*outside\.yml\)"):
        mart_suites(suites)
    with pytest.raises(ValueError, match="symbolic link"):
        load_suite_file(suites / "linked.yml")


def test_the_suites_read_are_the_suites_fingerprinted(tmp_path):
    """mart_suites reads exactly the files the checks' fingerprint lists (one walk: a hidden
    `.draft.yml` is neither read nor counted, a sub-folder's suite is not read)."""
    suites = tmp_path / "marts"
    (suites / "old").mkdir(parents=True)
    for name in ("a.yml", ".draft.yml", "old/b.yml"):
        (suites / name).write_text(SUITE.replace("name: s", f"name: {Path(name).stem.strip('.')}"), encoding="utf-8")
    assert [s.name for s in mart_suites(suites)] == ["a"]
    assert [p.relative_to(suites).as_posix() for p in inputs.files_under(suites, "*.yml")] == ["a.yml", "old/b.yml"]


def test_a_linked_input_is_digested_as_a_link_never_read(tmp_path):
    (tmp_path / "zero.yml").symlink_to("/dev/zero")
    assert inputs.digest([tmp_path / "zero.yml"])  # returns: /dev/zero was never read


def test_the_rule_lives_in_one_module():
    """No other module tests for links or special files itself (the published site's own link,
    which each publish switches, is the warehouse's and retention's concern, not a read)."""
    own = {"regular_files.py", "warehouse.py", "retention.py"}
    pattern = re.compile(r"is_symlink\(|\.lstat\(|os\.lstat|O_NOFOLLOW|S_ISLNK|S_ISREG")
    found = [f"{p.relative_to(PACKAGE)}:{n}" for p in sorted(PACKAGE.rglob("*.py")) if p.name not in own
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert found == []
