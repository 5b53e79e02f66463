"""DuckDB's CSV path (defs/ingest/engine.py) loads exactly what the Python reader loads: the same
rows and values, the same rejections (row, column, value, reason), the same counts, and leaves
every file it does not read plainly to the Python reader."""

import dataclasses
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from dagster_project.defs.ingest import engine, loader
from dagster_project.defs.ingest.registry import load_registry
from dagster_project.warehouse import AUDIT_DDL

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
SOURCES = load_registry()


def _load(raw: Path, source_id: str, by_engine: bool, monkeypatch) -> tuple:
    """Everything a load leaves: the raw table, the audit rows and each file's accounting; and
    how many files DuckDB read."""
    used = []

    def counted(*args, **kwargs):
        load = engine.stage_csv(*args, **kwargs)
        used.append(load is not None)
        return load

    monkeypatch.setattr(loader, "ENGINE_MIN_BYTES", 0 if by_engine else 1 << 62)
    monkeypatch.setattr(loader, "stage_csv", counted)
    source = SOURCES[source_id]
    with duckdb.connect() as con:
        con.execute(AUDIT_DDL)
        try:
            loads = loader.load_source(con, source, raw, datetime(2026, 1, 1))
        except loader.IngestError as error:
            return ("refused", str(error)), sum(used)
        table = con.execute(f"select * exclude (_loaded_at) from {source.table} order by _source_file, _row_number").fetchall()
        rejected = con.execute(
            "select * from audit.rejected_rows where source_id = ? order by file_name, row_number, column_name", [source_id]
        ).fetchall()
        log = con.execute("select * exclude (loaded_at) from audit.load_log where source_id = ?", [source_id]).fetchall()
    accounting = [
        (l.file_name, l.sha256, l.rows_read, l.rows_loaded, l.rows_rejected, l.suppressed_cells, l.blank_rows,
         sorted((r.row_number, r.column_name or "", r.value, r.reason) for r in l.rejections))
        for l in loads
    ]
    return (table, rejected, log, accounting), sum(used)


@pytest.mark.parametrize("source_id", [
    "iod2019_file6",                 # quoted cells with thousands separators
    "iod2019_file8",                 # decimals, whole numbers written 145.0
    "population_lsoa11_mid2020",     # 90 columns
    "mortality_ward23",              # periods, text, a ward-level key of several columns
    "uc_households_msoa11",          # every line ends in a comma (its last column is empty)
])
def test_bundled_files_load_the_same(source_id, monkeypatch):
    python, _ = _load(RAW, source_id, False, monkeypatch)
    duck, used = _load(RAW, source_id, True, monkeypatch)
    assert used, f"{source_id}: DuckDB's path declined the bundled file"
    assert duck == python


def _file6(tmp_path: Path, rows: list[str]) -> Path:
    header = (RAW / "iod2019_file6_population_denominators_wigan.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "iod2019_file6_population_denominators_wigan.csv").write_text(header + "\n" + "\n".join(rows) + "\n")
    return raw


ODD_CELLS = [
    "E01006212,Wigan 015A,E08000010,Wigan,2576,395,1294,887,1285",
    "E01006213,Wigan 015B,E08000010,Wigan,-5,395,1294,887,1285",            # negative count
    "E01006214,Wigan 015C,E08000010,Wigan,1.5,*,c,..,x",                   # not whole; suppression markers
    "E01006215,Wigan 015D,E08000010,Wigan,4e3,12.000,1_000,+7,NA",          # scientific, padded, underscore, plus
    "E01006216,Wigan 015E,E08000010,Wigan,=1+2,nan,inf,१२,99999999999999999999",  # formula, not finite, Devanagari digits, too large
    "E0100621,Wigan 015F,E08000010,Wigan,1,2,3,4,5",                         # not an LSOA code
    ",Wigan 015G,E08000010,Wigan,1,2,3,4,5",                                 # missing area code
    "E01006218,Wigan\u00a0015H\u00a0,E08000010,Wigan,1,2,3,4,5",             # text padded with a no-break space
    "E01006212,Wigan 015A,E08000010,Wigan,2576,395,1294,887,1285",           # an identical repeat
    "E01006219,Wigan 015I,E08000010,Wigan,\"1,234\",\"12,34\",3,4,5",        # thousands right and wrong
]


def test_odd_cells_are_judged_by_the_python_rules(tmp_path, monkeypatch):
    raw = _file6(tmp_path, ODD_CELLS)
    python, _ = _load(raw, "iod2019_file6", False, monkeypatch)
    duck, used = _load(raw, "iod2019_file6", True, monkeypatch)
    assert used == 1
    assert duck == python
    table, rejected, log, accounting = duck
    assert len(table) == 2 and accounting[0][2:6] == (10, 2, 8, 0)


@pytest.mark.parametrize("rows", [
    ["E01006212,Wigan 015A,E08000010,Wigan,1,2,3,4,5", "", "E01006213,Wigan 015B,E08000010,Wigan,1,2,3,4,5"],  # blank row
    ["E01006212,Wigan 015A,E08000010,Wigan,1,2,3,4,5", ",,,,,,,,", "E01006213,Wigan 015B,E08000010,Wigan,1,2,3,4,5"],  # empty cells
    ["E01006212,Wigan 015A,E08000010,Wigan,1,2,3,4,5", " ,\u00a0, ,\t,,,, , ", "E01006213,Wigan 015B,E08000010,Wigan,1,2,3,4,5"],  # spaces
    ["E01006212,\"Wigan\n015A\",E08000010,Wigan,1,2,3,4,5"],                  # a cell over two lines
    ["E01006212,\"Wigan\r015A\",E08000010,Wigan,1,2,3,4,5"],                  # a carriage return in a cell
    ["E01006212,\"Wigan 015A\" ,E08000010,Wigan,1,2,3,4,5"],                  # a space after a closing quote
    ["E01006212,Wigan 015A,E08000010,Wigan,1,2,3,4"],                         # a short row
    ["E01006212,Wigan 015A,E08000010,Wigan,1,2,3,4,5,6"],                     # a long row
    ["E01006212,Wigan \"015A\",E08000010,Wigan,1,2,3,4,5"],                   # a quote inside a cell
])
def test_files_duckdb_reads_differently_go_to_the_python_reader(rows, tmp_path, monkeypatch):
    raw = _file6(tmp_path, rows)
    python, _ = _load(raw, "iod2019_file6", False, monkeypatch)
    duck, used = _load(raw, "iod2019_file6", True, monkeypatch)
    assert used == 0 and duck == python


@pytest.mark.parametrize("edit", [
    lambda line: line + ",",                     # a row one empty cell too long: DuckDB would drop its comma
    lambda line: '"' + line.replace(",", '",', 1),  # a quoted cell: commas are then not cells
])
def test_lines_ending_in_a_comma_are_read_by_duckdb_only_when_every_line_has_its_cells(edit, tmp_path, monkeypatch):
    name = "dwp_uc_households_msoa11_monthly_2015_2023_wigan.csv"
    lines = (RAW / name).read_text(encoding="utf-8").splitlines()
    lines[5] = edit(lines[5])
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    python, _ = _load(raw, "uc_households_msoa11", False, monkeypatch)
    duck, used = _load(raw, "uc_households_msoa11", True, monkeypatch)
    assert used == 0 and duck == python


def test_counting_commas_per_line_holds_at_the_file_edges(tmp_path):
    """Each line's commas: a last line with or without its line feed, and an empty file (no line
    has the cells asked for, unless none are)."""
    path = tmp_path / "f.csv"
    for text, commas, expected in [("a,b,\nc,d,\n", 2, True), ("a,b,\nc,d,", 2, True), ("a,b,\nc,d\n", 2, False),
                                   ("a,b,\n\n", 2, False), ("", 2, False), ("", 0, True)]:
        path.write_bytes(text.encode())
        assert engine._commas_per_line(path, commas) is expected, text


def test_header_problems_go_to_the_python_reader(tmp_path, monkeypatch):
    raw = _file6(tmp_path, ["E01006212,Wigan 015A,E08000010,Wigan,1,2,3,4,5"])
    path = next(raw.iterdir())
    path.write_text(path.read_text().replace("LSOA name (2011)", "LSOA name"))
    duck, used = _load(raw, "iod2019_file6", True, monkeypatch)
    assert used == 0 and duck[0] == "refused" and "'LSOA name (2011)' is missing from the header" in duck[1]
    shutil.rmtree(raw)


def test_the_spaces_sql_checks_are_those_python_strips():
    import sys

    assert set(engine.SPACES) == {c for c in range(sys.maxunicode + 1) if chr(c).isspace()}


def test_row_numbers_and_counts_hold_over_row_groups(tmp_path, monkeypatch):
    """Row numbers are the order DuckDB keeps the rows in: over 130,000 rows (more than a row group)
    each loaded row, rejection and suppressed cell is where the file has it."""
    raw = tmp_path / "raw"
    raw.mkdir()
    bad = {2 + 7, 2 + 122_880, 2 + 125_001}  # row numbers (the header is row 1)
    suppressed = {2 + 1_000, 2 + 129_000}
    lines = ["Date,Geography,Measure Type,Unit,Value"] + [
        f"2020-01,E01{row:06d},count,persons,{'-3' if row in bad else '*' if row in suppressed else row % 97}"
        for row in range(2, 130_002)
    ]
    (raw / "nomis_claimant_count_lsoa_monthly_test.csv").write_text("\n".join(lines) + "\n")
    duck, used = _load(raw, "claimant_count_lsoa_monthly", True, monkeypatch)
    assert used == 1
    table, rejected, log, accounting = duck
    assert [(r[2], r[3], r[4], r[5]) for r in rejected] == [(row, "Value", "-3", "negative count") for row in sorted(bad)]
    assert accounting[0][2:6] == (130_000, 130_000 - len(bad), len(bad), len(suppressed))
    names = list(SOURCES["claimant_count_lsoa_monthly"].columns)
    position = len(names) + 2  # _source_file, _source_sha256, then _row_number
    assert all(row[position] == int(row[1][3:]) for row in table)
    assert {row[position] for row in table if row[4] is None} == suppressed


def test_many_rejected_texts_and_texts_sql_types_otherwise(tmp_path, monkeypatch):
    """A column with more rejected texts than an IN list holds is joined to the rule's decisions,
    and so is one whose accepted odd texts SQL would type otherwise (padded, grouped); suppressed
    cells in rejected rows are not counted."""
    rows = [f"E01{6300 + n:06d},Wigan {n},E08000010,Wigan,-{n},*,3,4,5" for n in range(1, 151)]  # 150 distinct rejections
    rows += [f"E01{6500 + n:06d},Wigan {n},E08000010,Wigan,{n}, {n} ,\"1,2{n:02d}\",*,x" for n in range(1, 40)]
    rows += [f"E01{6600 + n:06d}, Wigan {n} ,E08000010,Wigan ,{n},{n},{n},{n},{n}.0" for n in range(1, 5)]
    raw = _file6(tmp_path, rows)
    python, _ = _load(raw, "iod2019_file6", False, monkeypatch)
    duck, used = _load(raw, "iod2019_file6", True, monkeypatch)
    assert used == 1 and duck == python
    table, rejected, log, accounting = duck
    assert accounting[0][2:6] == (193, 43, 150, 78)


def test_null_markers_that_look_like_numbers_load_as_null(tmp_path, monkeypatch):
    """A source whose null markers SQL would read as numbers (0, -1): NULL and suppressed, as the
    Python rule has them."""
    source = dataclasses.replace(SOURCES["iod2019_file6"], null_markers=("", "0", "-1", "*"))
    monkeypatch.setitem(SOURCES, "iod2019_file6", source)
    raw = _file6(tmp_path, [
        "E01006212,Wigan 015A,E08000010,Wigan,0,-1,12,7,0",
        "E01006213,Wigan 015B,E08000010,Wigan,5,-2,*,7,10",
        "E01006214,Wigan 015C,E08000010,Wigan,5,6,7,8,9",
    ])
    python, _ = _load(raw, "iod2019_file6", False, monkeypatch)
    duck, used = _load(raw, "iod2019_file6", True, monkeypatch)
    assert used == 1 and duck == python
    table, rejected, log, accounting = duck
    assert accounting[0][2:6] == (3, 2, 1, 3)
    assert [row[4:9] for row in table][0] == (None, None, 12, 7, None)


def test_sources_staged_at_once_on_cursors_of_one_connection_commit_what_one_at_a_time_loads(tmp_path, monkeypatch):
    """The ingest step stages sources on threads, each on a cursor of one connection (DuckDB's
    path's temporary tables are each cursor's own), and commits them in order: nothing published
    changes before a source's commit, and the tables and audit rows (in their order) are those of
    loading one source after the other."""
    monkeypatch.setattr(loader, "ENGINE_MIN_BYTES", 0)
    sources = [SOURCES[i] for i in ("iod2019_file8", "population_lsoa11_mid2020", "mortality_ward23", "iod2019_file6")]
    at = datetime(2026, 1, 1)

    def loaded(at_once: bool) -> list:
        with duckdb.connect(str(tmp_path / f"{at_once}.duckdb")) as con:
            con.execute(AUDIT_DDL)
            if at_once:
                cursors = [con.cursor() for _ in sources]
                with ThreadPoolExecutor(2) as pool:
                    staged = list(pool.map(lambda c, s: loader.stage_source(c, s, RAW, at), cursors, sources))
                assert con.execute("select count(*), bool_and(starts_with(table_name, '_ingest_')) from duckdb_tables() "
                                   "where schema_name = 'raw'").fetchone() == (len(sources), True)
                assert con.execute("select count(*) from audit.load_log").fetchone() == (0,)
                for cursor, source, loads in zip(cursors, sources, staged):
                    loader.commit_source(cursor, source, RAW, loads, at)
                    cursor.close()
            else:
                for source in sources:
                    loader.load_source(con, source, RAW, at)
            assert con.execute("select count(*) from duckdb_tables() where starts_with(table_name, '_ingest')").fetchone() == (0,)
            return [con.execute(f"select * from {s.table} order by rowid").fetchall() for s in sources] + [
                con.execute(f"select * from audit.{t} order by rowid").fetchall() for t in ("load_log", "rejected_rows")]

    assert loaded(True) == loaded(False)
