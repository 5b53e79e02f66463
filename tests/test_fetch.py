"""`make fetch` against a local HTTP server on 127.0.0.1 (no other network is reachable)."""

import hashlib
import http.server
import threading
from functools import partial

import pytest

from dagster_project import fetch as fetching
from pipeline_support import SHARED_REAL


class _Handler(http.server.SimpleHTTPRequestHandler):
    truncate: set[str] = set()

    def log_message(self, *args):
        pass

    def do_GET(self):
        name = self.path.lstrip("/")
        if name in self.truncate:
            body = (SHARED_REAL / name).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])  # the connection drops half way
            return
        super().do_GET()


@pytest.fixture
def server():
    if not SHARED_REAL.is_dir():
        pytest.skip(f"real extracts not found at {SHARED_REAL}; the fetch test serves them locally")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(SHARED_REAL)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    _Handler.truncate = set()
    httpd.shutdown()


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fetch_downloads_every_declared_file(server, tmp_path):
    results = fetching.fetch_files(tmp_path, mirror=server, timeout=10)
    assert len(results) == 7 and {r.status for r in results} == {"downloaded"}
    for r in results:
        assert _sha(tmp_path / r.download.file) == _sha(SHARED_REAL / r.download.file) == r.sha256
    again = fetching.fetch_files(tmp_path, mirror=server, timeout=10)
    assert {r.status for r in again} == {"unchanged"}


def test_a_partial_download_never_replaces_a_good_file(server, tmp_path):
    fetching.fetch_files(tmp_path, mirror=server, timeout=10)
    name = "claimant_rate_ward_monthly_2015_2018_wigan.csv"
    good = _sha(tmp_path / name)
    _Handler.truncate = {name}
    results = {r.download.file: r for r in fetching.fetch_files(tmp_path, mirror=server, timeout=10)}
    assert results[name].status.startswith("failed") and name in results[name].status
    assert _sha(tmp_path / name) == good
    assert not list(tmp_path.glob(".*.partial"))


def test_a_wrong_checksum_or_size_is_refused(server, tmp_path, monkeypatch):
    real = fetching.downloads

    def with_expectations(sources):
        first, second = real(sources)[:2]
        size = (SHARED_REAL / second.file).stat().st_size
        return [fetching.Download(first.source_id, first.url, first.file, bytes=1, sha256="0" * 64),
                fetching.Download(second.source_id, second.url, second.file, bytes=size, sha256="0" * 64)]

    monkeypatch.setattr(fetching, "downloads", with_expectations)
    small, checksum = fetching.fetch_files(tmp_path, mirror=server, timeout=10)
    assert "more than the 1 allowed" in small.status  # refused before a byte is read
    assert "is not the expected" in checksum.status
    assert not (tmp_path / small.download.file).exists() and not (tmp_path / checksum.download.file).exists()
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_server_fails_cleanly(tmp_path):
    results = fetching.fetch(tmp_path, mirror="http://127.0.0.1:9", timeout=2, nomis="http://127.0.0.1:9")
    assert results and all(r.status.startswith("failed") for r in results)
    assert list(tmp_path.iterdir()) == []
