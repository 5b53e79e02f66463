"""`make fetch` runs the registry's Nomis API queries against a local server on 127.0.0.1 that
answers as the Nomis API does (https://www.nomisweb.co.uk/api/v01/help): `.data.csv` queries
filtered by geography (GSS codes, Nomis ids and `<parent>TYPE<n>`), date (`latest` or a list)
and dimension codes, with `select`, RecordLimit/RecordOffset paging and RECORD_COUNT. Its tables
are tests/fixtures/fetch/nm_*.csv: invented values in the layout of Nomis's CSV responses."""

import csv
import hashlib
import http.server
import io
import json
import threading
import urllib.parse
from pathlib import Path

import duckdb
import pytest

from dagster_project import fetch as fetching
from dagster_project.defs.ingest.loader import FETCH_MANIFEST, inventory
from dagster_project.defs.ingest.reader import read_file
from dagster_project.defs.ingest.registry import load_registry
from dagster_project.warehouse import AUDIT_DDL

FIXTURES = Path(__file__).parent / "fixtures" / "fetch"
SOURCES = load_registry()
WIGAN, OTHER = "E08000010", "E08000009"
PAGE_ROWS = 20  # small pages, so that the fixtures need several calls


def _table(dataset: str) -> list[dict[str, str]]:
    with (FIXTURES / f"{dataset.lower()}.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


PARENTS = {(r["GEOGRAPHY"], r["PARENT"], r["GEOGRAPHY_TYPECODE"]) for r in _table("geography_parents")}


def _in_geography(row: dict[str, str], items: list[str]) -> bool:
    for item in items:
        if "TYPE" in item:
            parent, typecode = item.split("TYPE")
            if (row["GEOGRAPHY"], parent, typecode) in PARENTS:
                return True
        elif item in (row["GEOGRAPHY"], row["GEOGRAPHY_CODE"]):
            return True
    return False


def _nomis_csv(header: list[str], rows: list[list[str]]) -> bytes:
    """Nomis quotes text and leaves numbers bare."""
    def cell(value: str) -> str:
        try:
            float(value)
            return value
        except ValueError:
            return '"' + value.replace('"', '""') + '"'
    lines = [",".join(f'"{h}"' for h in header)] + [",".join(cell(v) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


class _Nomis(http.server.BaseHTTPRequestHandler):
    requests: list[dict[str, str]] = []
    truncate: set[str] = set()  # datasets whose data responses are cut off half way
    drop_last_page: set[str] = set()  # datasets whose last page comes back empty
    corrupt: set[str] = set()  # datasets whose OBS_VALUEs come back as text

    def log_message(self, *args):
        pass

    def _send(self, status: int, body: bytes, cut: bool = False):
        self.send_response(status)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if cut else body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        dataset = url.path.removeprefix("/dataset/").removesuffix(".data.csv")
        if not url.path.startswith("/dataset/") or not (FIXTURES / f"{dataset.lower()}.csv").is_file():
            return self._send(404, b"not found")
        params = {k.lower(): v for k, v in urllib.parse.parse_qsl(url.query)}
        self.requests.append({"dataset": dataset, **params})
        table = _table(dataset)
        geography = params.pop("geography").split(",")
        rows = [r for r in table if _in_geography(r, geography)]
        date = params.pop("date", "latest")
        dates = [max(r["DATE"] for r in table)] if date == "latest" else date.split(",")
        rows = [r for r in rows if r["DATE"] in dates]
        select = [c.upper() for c in params.pop("select").split(",")]
        limit, offset = int(params.pop("recordlimit", 25000)), int(params.pop("recordoffset", 0))
        for dimension, codes in params.items():
            if dimension.upper() not in table[0]:
                return self._send(400, f"unknown dimension {dimension}".encode())
            rows = [r for r in rows if r[dimension.upper()] in codes.split(",")]
        total = len(rows)
        page = rows[offset : offset + min(limit, 25000)]
        probe = select == ["DATE", "GEOGRAPHY", "GEOGRAPHY_CODE"]  # fetch's first call: the council's Nomis id
        if dataset in self.drop_last_page and not probe and offset + limit >= total:
            page = []
        out = []
        for n, row in enumerate(page):
            values = {**row, "RECORD_OFFSET": str(offset + n), "RECORD_COUNT": str(total)}
            if dataset in self.corrupt and not probe:
                values["OBS_VALUE"] = "n/a"
            out.append([values[c] for c in select])
        self._send(200, _nomis_csv(select, out), cut=dataset in self.truncate and not probe)


@pytest.fixture
def nomis():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Nomis)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Nomis.requests = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    _Nomis.truncate, _Nomis.drop_last_page, _Nomis.corrupt = set(), set(), set()
    httpd.shutdown()


def _fetch(raw_dir, nomis, councils=(WIGAN,)):
    return {r.download.file: r for r in fetching.fetch_queries(raw_dir, nomis, 10, councils, PAGE_ROWS)}


def _expected(dataset: str, **where: str) -> dict[tuple[str, str], str]:
    """OBS_VALUE by (DATE, GEOGRAPHY_CODE) for the fixture's LSOAs inside the council."""
    lsoas = {g for g, parent, _ in PARENTS if parent == "1946157081"}
    return {
        (r["DATE"], r["GEOGRAPHY_CODE"]): r["OBS_VALUE"]
        for r in _table(dataset)
        if r["GEOGRAPHY"] in lsoas and all(r[k] == v for k, v in where.items())
    }


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_query_writes_its_registered_layout_and_loads_with_nothing_rejected(nomis, tmp_path):
    results = _fetch(tmp_path, nomis)
    assert len(results) == len(fetching.nomis_queries(SOURCES)) == 6
    assert {r.status for r in results.values()} == {"downloaded"}, {f: r.status for f, r in results.items()}
    for name, result in results.items():
        source = SOURCES[result.download.source_id]
        assert source.matches(name), name
        load = read_file(source, tmp_path / name)
        assert load.rows_rejected == 0 and load.rows_loaded == result.rows > 0
        assert load.sha256 == result.sha256 == hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()


def test_claimant_count_every_month_since_2013_in_the_registered_layout(nomis, tmp_path):
    _fetch(tmp_path, nomis)
    rows = _rows(tmp_path / f"nomis_claimant_count_lsoa_monthly_{WIGAN}.csv")
    expected = _expected("NM_162_1", MEASURE="1")  # the count, not the rate
    assert list(rows[0]) == list(SOURCES["claimant_count_lsoa_monthly"].columns)
    assert {(r["Date"], r["Geography"]): r["Value"] for r in rows} == expected
    assert len(rows) == len(expected) == 14 * 3  # 2013-01 to the latest month (2014-02), 3 LSOAs
    assert {(r["Measure Type"], r["Unit"]) for r in rows} == {("count", "persons")}
    assert "E01006100" not in {r["Geography"] for r in rows}  # an LSOA of another council


def test_paging_across_calls_and_chunks_of_twelve_months(nomis, tmp_path):
    result = _fetch(tmp_path, nomis)[f"nomis_claimant_count_lsoa_monthly_{WIGAN}.csv"]
    calls = [r for r in _Nomis.requests if r["dataset"] == "NM_162_1"]
    probe, *data = calls
    assert probe["geography"] == WIGAN and probe["date"] == "latest"
    within = {c["geography"] for c in data}
    assert within == {"1946157081TYPE298"}  # the council's Nomis id, from the probe
    chunks = [(c["date"].split(","), c["recordoffset"]) for c in data]
    assert chunks == [
        ([f"2013-{m:02d}" for m in range(1, 13)], "0"),  # 36 rows: two pages of 20
        ([f"2013-{m:02d}" for m in range(1, 13)], "20"),
        (["2014-01", "2014-02"], "0"),  # 6 rows: one page
    ]
    assert result.calls == 4 and result.rows == 42


def test_census_categories_become_columns(nomis, tmp_path):
    _fetch(tmp_path, nomis)
    health = {r["lsoa21cd"]: r for r in _rows(tmp_path / f"census2021_ts037_general_health_lsoa_{WIGAN}.csv")}
    for code, column in (("0", "all_usual_residents"), ("4", "bad_health"), ("5", "very_bad_health")):
        assert {lsoa: r[column] for lsoa, r in health.items()} == {
            lsoa: v for (_, lsoa), v in _expected("NM_2055_1", C2021_HEALTH_6=code).items()
        }
    disability = _rows(tmp_path / f"census2011_qs303ew_disability_lsoa_{WIGAN}.csv")
    assert [r["lsoa11cd"] for r in disability] == ["E01006212", "E01006213", "E01006214"]
    population = _rows(tmp_path / f"population_lsoa11_mid_year_nomis_{WIGAN}.csv")
    assert sorted({r["year"] for r in population}) == ["2011", "2012", "2013"]
    assert all(int(r["all_ages"]) == int(r["aged_0_15"]) + int(r["aged_16_64"]) + int(r["aged_65_plus"]) for r in population)


def test_one_file_per_configured_council(nomis, tmp_path, monkeypatch):
    config = tmp_path / "councils.yml"
    config.write_text(f"site_title: T\ncouncils:\n  - la_code: {WIGAN}\n  - la_code: {OTHER}\n")  # read by the run's own schema
    monkeypatch.delenv("FETCH_COUNCILS", raising=False)
    monkeypatch.setenv("COUNCILS_CONFIG", str(config))
    assert fetching.council_codes() == (WIGAN, OTHER)
    raw = tmp_path / "raw"
    results = _fetch(raw, nomis, councils=None)
    other = _rows(raw / f"nomis_claimant_count_lsoa_monthly_{OTHER}.csv")
    assert {r["Geography"] for r in other} == {"E01006100"} and results[f"nomis_claimant_count_lsoa_monthly_{OTHER}.csv"].rows == 14
    monkeypatch.setenv("FETCH_COUNCILS", "E08000010,Wigan")
    with pytest.raises(ValueError, match="FETCH_COUNCILS: Wigan: expected local authority codes"):
        fetching.fetch(tmp_path / "nothing", mirror=nomis, nomis=nomis)
    assert not (tmp_path / "nothing").exists()  # refused before anything was fetched


def test_checksum_manifest_beside_the_data_and_known_to_the_inventory(nomis, tmp_path):
    results = fetching.fetch(tmp_path, mirror=f"{nomis}/no-such-mirror", timeout=10, nomis=nomis,
                             councils=(WIGAN,), page_rows=PAGE_ROWS)
    fetched = {r.download.file for r in results if not r.status.startswith("failed")}
    assert len(fetched) == 6 and len(results) == 13  # the 7 static files are not on this server
    manifest = json.loads((tmp_path / FETCH_MANIFEST).read_text())["files"]
    assert set(manifest) == fetched
    for name, entry in manifest.items():
        assert entry["sha256"] == hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
        assert entry["bytes"] == (tmp_path / name).stat().st_size and entry["rows"] > 0
    claimant = manifest[f"nomis_claimant_count_lsoa_monthly_{WIGAN}.csv"]
    assert claimant["periods"] == "2013-01 to 2014-02" and "geography=1946157081TYPE298" in claimant["url"]
    assert "6 of 13 files fetched" in fetching.summary(results, tmp_path)
    con = duckdb.connect()
    con.execute(AUDIT_DDL)
    assert inventory(con, SOURCES, tmp_path) == []  # no unknown file: the manifest is documentation
    statuses = dict(con.execute("select file_name, status from audit.file_inventory").fetchall())
    assert statuses[FETCH_MANIFEST] == "documentation"


@pytest.mark.parametrize(
    "fault, message",
    [("truncate", "received 302 of 605 bytes"), ("drop_last_page", "an empty page after 20 of 36 rows"),
     ("corrupt", "rows would be rejected by source 'claimant_count_lsoa_monthly', first row 2, column 'Value'")],
)
def test_a_bad_response_never_replaces_a_good_file(nomis, tmp_path, fault, message):
    name = f"nomis_claimant_count_lsoa_monthly_{WIGAN}.csv"
    fetching.fetch(tmp_path, nomis=nomis, mirror=nomis, timeout=10, councils=(WIGAN,), page_rows=PAGE_ROWS)
    good = (tmp_path / name).read_bytes()
    manifest = (tmp_path / FETCH_MANIFEST).read_text()
    setattr(_Nomis, fault, {"NM_162_1"})
    results = {r.download.file: r for r in fetching.fetch(tmp_path, nomis=nomis, mirror=nomis, timeout=10,
                                                          councils=(WIGAN,), page_rows=PAGE_ROWS)}
    assert results[name].status.startswith(f"failed: {name}: ") and message in results[name].status
    assert (tmp_path / name).read_bytes() == good
    assert json.loads((tmp_path / FETCH_MANIFEST).read_text())["files"][name] == json.loads(manifest)["files"][name]
    assert not list(tmp_path.glob(".*.partial"))
    assert {r.status for f, r in results.items() if f != name and r.rows is not None} == {"unchanged"}
