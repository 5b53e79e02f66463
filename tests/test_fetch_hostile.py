"""`make fetch` against a hostile server on 127.0.0.1 (issue 22, hole 3): an HTML error page
with status 200, a body cut off without Content-Length, a valid-looking tenth of the rows, a
5 GB Content-Length, a server dripping a byte at a time, a 100 MB answer to a one-row Nomis
probe, and a fetch killed mid-download. None of them replaces a good file, leaves a file
behind, or runs past its limits. Each runs twice: with the registry's pin (`bytes`, `sha256`: the
server's good answer is the pinned release, ../shared/real-gm's byte-identical copy), and with
the pin removed, so the layout and row checks alone must refuse it. A pinned file whose bytes
differ in one digit (same size, same layout) is refused by its checksum."""

import http.server
import os
import signal
import subprocess
import sys
import threading
import time
from functools import partial

import pytest

from dagster_project import fetch as fetching
from pipeline_support import REPO, SHARED_REAL

NAME = "claimant_rate_ward_monthly_2015_2018_wigan.csv"
PINNED = REPO.parent / "shared" / "real-gm" / "nomis_claimant_rate_ward_monthly_2015_2018_gm.csv"  # the pinned bytes


class _Hostile(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _head(self, kind="text/csv", length=None):
        self.send_response(200)
        self.send_header("Content-Type", kind)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def do_GET(self):
        mode, _, name = self.path.lstrip("/").partition("/")
        pinned, mode = mode.startswith("pinned-"), mode.removeprefix("pinned-")
        source = PINNED if pinned else SHARED_REAL / name
        good = source.read_bytes() if source.is_file() else b""
        try:
            if mode == "good":
                self._head(length=len(good))
                self.wfile.write(good)
            elif mode == "digit":  # same size and layout, one count changed
                at = good.rindex(b",") + 1
                body = good[:at] + (b"1" if good[at:at + 1] != b"1" else b"2") + good[at + 1:]
                self._head(length=len(body))
                self.wfile.write(body)
            elif mode == "html":
                self._head("text/html")
                self.wfile.write(b"<!DOCTYPE html><html><body>Service unavailable</body></html>")
            elif mode == "html-as-csv":
                self._head("text/csv")
                self.wfile.write(b"<html><body>Error 503</body></html>")
            elif mode == "cut":  # no Content-Length: the end of the body is the connection's close
                self._head()
                self.wfile.write(good[: len(good) * 3 // 5])
            elif mode in ("tenth", "half", "all-but-one"):  # valid to the last row, with a true length
                lines = good.splitlines(keepends=True)
                keep = {"tenth": 1 + (len(lines) - 1) // 10, "half": 1 + (len(lines) - 1) // 2, "all-but-one": len(lines) - 1}
                body = b"".join(lines[: keep[mode]])
                self._head(length=len(body))
                self.wfile.write(body)
            elif mode == "huge":
                self._head(length=5 << 30)
                for _ in range(100):
                    self.wfile.write(b"x" * (1 << 20))
            elif mode == "drip":
                self._head()
                for byte in good:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)
            elif mode == "nomis":  # any query: an endless CSV answer
                self._head()
                self.wfile.write(b"DATE,GEOGRAPHY,GEOGRAPHY_CODE,RECORD_COUNT\n")
                row = b"2024-01,1811939329,E08000010,1\n" * 10_000
                for _ in range(400):  # ~120 MB
                    self.wfile.write(row)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def hostile():
    if not SHARED_REAL.is_dir():
        pytest.skip(f"real extracts not found at {SHARED_REAL}; the hostile server serves them")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _only(monkeypatch, name=NAME, pinned=False):
    """The registry's download of `name` alone; without its pin unless `pinned`."""
    real = fetching.downloads

    def chosen(sources):
        found = [d for d in real(sources) if d.file == name]
        assert found and all(d.bytes and d.sha256 for d in found), "the registry should pin this release"
        return found if pinned else [fetching.Download(d.source_id, d.url, d.file) for d in found]

    monkeypatch.setattr(fetching, "downloads", chosen)


def _good(raw, hostile, monkeypatch, pinned=False):
    if pinned and not PINNED.is_file():
        pytest.skip(f"the pinned release's copy is not at {PINNED}")
    _only(monkeypatch, pinned=pinned)
    (result,) = fetching.fetch_files(raw, mirror=f"{hostile}/{'pinned-' if pinned else ''}good", timeout=5)
    assert result.status == "downloaded", result.status
    return (raw / NAME).read_bytes()


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("html", "answered with 'text/html', not data"),
        ("html-as-csv", "an HTML page, not data"),
        ("cut", "rows would be rejected"),
        ("tenth", "rows where the file it would replace has"),
        ("half", "rows where the file it would replace has"),  # held-out variants of "tenth"
        ("all-but-one", "rows where the file it would replace has"),
        ("huge", "announces 5,368,709,120 bytes"),
    ],
)
def test_a_hostile_answer_never_replaces_a_good_file(hostile, tmp_path, monkeypatch, mode, message):
    good = _good(tmp_path, hostile, monkeypatch)
    (result,) = fetching.fetch_files(tmp_path, mirror=f"{hostile}/{mode}", timeout=5)
    assert result.status.startswith("failed") and message in result.status, result.status
    assert (tmp_path / NAME).read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == [NAME]  # nothing left behind


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("html", "answered with 'text/html', not data"),
        ("html-as-csv", "an HTML page, not data"),
        ("cut", "expected 315817 bytes, received 189490"),
        ("tenth", "expected 315817 bytes, received"),
        ("huge", "announces 5,368,709,120 bytes, more than the 315,817 allowed"),
        ("digit", "is not the expected 0c4644640968273bf6dc585cda394682f41380e1e55870f9c76b26eb31598496"),
    ],
)
def test_a_pinned_release_is_replaced_only_by_its_own_bytes(hostile, tmp_path, monkeypatch, mode, message):
    good = _good(tmp_path, hostile, monkeypatch, pinned=True)
    assert fetching.hashlib.sha256(good).hexdigest() == fetching.downloads(fetching.load_registry())[0].sha256
    (result,) = fetching.fetch_files(tmp_path, mirror=f"{hostile}/pinned-{mode}", timeout=5)
    assert result.status.startswith("failed") and message in result.status, result.status
    assert (tmp_path / NAME).read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == [NAME]  # nothing left behind


def test_a_dripping_server_is_cut_off_at_the_deadline(hostile, tmp_path, monkeypatch):
    good = _good(tmp_path, hostile, monkeypatch)
    monkeypatch.setattr(fetching, "DEADLINE", 2.0)
    started = time.monotonic()
    (result,) = fetching.fetch_files(tmp_path, mirror=f"{hostile}/drip", timeout=5)
    elapsed = time.monotonic() - started
    print(f"dripping server refused after {elapsed:.1f} s (deadline 2 s)")
    assert "not complete within the time allowed" in result.status
    assert (tmp_path / NAME).read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == [NAME]


def test_a_huge_answer_to_a_one_row_probe_is_refused_early(hostile, tmp_path):
    results = fetching.fetch_queries(tmp_path, nomis=f"{hostile}/nomis", timeout=5, councils=("E08000010",))
    assert results and all(r.status.startswith("failed") for r in results)
    assert all(f"more than the {fetching.PROBE_MAX_BYTES:,} bytes allowed" in r.status for r in results), results[0].status
    assert list(tmp_path.iterdir()) == []


def test_a_fetch_killed_mid_download_leaves_nothing_behind(hostile, tmp_path):
    (tmp_path / NAME).write_bytes(b"old")
    script = (
        "import sys; from pathlib import Path; from dagster_project import fetch as f\n"
        f"f.downloads = lambda s, real=f.downloads: [d for d in real(s) if d.file == {NAME!r}]\n"
        "f.fetch_files(Path(sys.argv[1]), mirror=sys.argv[2], timeout=30)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script, str(tmp_path), f"{hostile}/drip"], cwd=REPO)
    time.sleep(4)
    assert process.poll() is None, "the fetch should still be receiving the dripped bytes"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert sorted(p.name for p in tmp_path.iterdir()) == [NAME]
    assert (tmp_path / NAME).read_bytes() == b"old"


def test_a_pipe_or_a_link_in_the_way_is_never_read(hostile, tmp_path):
    """A held-out variant of the fetch holes: the file to replace is a named pipe and the fetch
    manifest a link to /dev/zero (reading either never ends): the pipe is replaced by the checked
    download and the link by a new manifest, neither read; a data file that is a link is refused,
    and left as it is. Run in a subprocess, with a timeout only so that a regression fails
    instead of hanging."""
    os.mkfifo(tmp_path / NAME)
    (tmp_path / fetching.FETCH_MANIFEST).symlink_to("/dev/zero")
    other = "working_age_population_16_64_mid2017_ward_wigan.csv"
    (tmp_path / other).symlink_to("/dev/zero")
    script = (
        "import sys; from pathlib import Path; from dagster_project import fetch as f\n"
        f"f.downloads = lambda s, real=f.downloads: [f.Download(d.source_id, d.url, d.file) for d in real(s) if d.file in {(NAME, other)!r}]\n"
        "results = f.fetch(Path(sys.argv[1]), mirror=sys.argv[2], timeout=10, nomis='http://127.0.0.1:9', councils=('E08000010',))\n"
        "print([r.status for r in results[:2]])\n"
    )
    try:
        done = subprocess.run([sys.executable, "-c", script, str(tmp_path), f"{hostile}/good"], cwd=REPO,
                              capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        pytest.fail("the fetch read a named pipe or a link to /dev/zero (it never finished)")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "'downloaded'" in done.stdout and "is a symbolic link (to" in done.stdout and "never replaced" in done.stdout, done.stdout
    assert (tmp_path / NAME).is_file() and (tmp_path / NAME).read_bytes() == (SHARED_REAL / NAME).read_bytes()
    manifest = tmp_path / fetching.FETCH_MANIFEST
    assert not manifest.is_symlink() and NAME in manifest.read_text(encoding="utf-8")
    assert os.readlink(tmp_path / other) == "/dev/zero"
