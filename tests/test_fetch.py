"""`make fetch` against a local HTTP server on 127.0.0.1 (no other network is reachable).

The registry pins each file download (a fixed commit's bytes: `bytes` and `sha256`); the server
answers with the byte-identical copy in ../shared/real-gm where there is one (the pinned release
itself), else with the Wigan extract in ../shared/real (not the pinned bytes, so refused)."""

import hashlib
import http.server
import threading

import pytest

from dagster_project import fetch as fetching
from pipeline_support import REPO, SHARED_REAL

SHARED_REAL_GM = REPO.parent / "shared" / "real-gm"
# registry file name -> the byte-identical copy of the pinned release in ../shared/real-gm (its README)
PINNED_COPIES = {
    "lookup_lsoa21_to_ward2022_bestfit_wigan.csv": "lookup_lsoa21_to_ward2022_bestfit_gm.csv",
    "lsoa2021_wigan_generalised.geojson": "lsoa2021_gm_generalised.geojson",
    "wards2023_wigan_generalised.geojson": "wards2023_gm_generalised.geojson",
    "census2011_no_qualifications_16_64_lsoa_ward_wigan.csv": "census2011_no_qualifications_16_64_lsoa_ward_gm.csv",
    "claimant_rate_ward_monthly_2015_2018_wigan.csv": "nomis_claimant_rate_ward_monthly_2015_2018_gm.csv",
    "working_age_population_16_64_mid2017_ward_wigan.csv": "working_age_population_16_64_mid2017_ward_gm.csv",
}


def served(name: str):
    """The file the test server answers with for a registry file name."""
    return SHARED_REAL_GM / PINNED_COPIES[name] if name in PINNED_COPIES else SHARED_REAL / name


class _Handler(http.server.BaseHTTPRequestHandler):
    truncate: set[str] = set()

    def log_message(self, *args):
        pass

    def do_GET(self):
        name = self.path.lstrip("/")
        path = served(name)
        if not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if name in self.truncate else body)  # truncated: the connection drops half way


@pytest.fixture
def server():
    for folder in (SHARED_REAL, SHARED_REAL_GM):
        if not folder.is_dir():
            pytest.skip(f"real extracts not found at {folder}; the fetch test serves them locally")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    _Handler.truncate = set()
    httpd.shutdown()


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_file_download_is_pinned_and_the_pins_match_the_stored_releases(server):
    pins = {d.file: (d.bytes, d.sha256) for d in fetching.downloads(fetching.load_registry())}
    assert pins and all(size and digest for size, digest in pins.values()), pins
    for name, copy in PINNED_COPIES.items():
        path = SHARED_REAL_GM / copy
        assert pins[name] == (path.stat().st_size, _sha(path)), name


def test_fetch_downloads_every_pinned_release_and_refuses_other_bytes(server, tmp_path):
    results = fetching.fetch_files(tmp_path, mirror=server, timeout=10)
    assert len(results) == 7
    for r in results:
        if r.download.file in PINNED_COPIES:
            assert r.status == "downloaded", r.status
            assert _sha(tmp_path / r.download.file) == _sha(served(r.download.file)) == r.sha256 == r.download.sha256
        else:  # the Wigan extract is not the pinned release: refused, nothing written
            size = served(r.download.file).stat().st_size
            assert f"expected {r.download.bytes} bytes, received {size}" in r.status, r.status
            assert not (tmp_path / r.download.file).exists()
    again = fetching.fetch_files(tmp_path, mirror=server, timeout=10)
    assert {r.status for r in again if r.download.file in PINNED_COPIES} == {"unchanged"}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(PINNED_COPIES)


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
        size = served(second.file).stat().st_size
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
