"""The source registry and the typed reader, on small hand-made files."""

from pathlib import Path

import pytest
import yaml

from dagster_project.defs.ingest.reader import IngestError, read_file
from dagster_project.defs.ingest.registry import load_registry, snake_case

REPO = Path(__file__).resolve().parents[1]
SOURCES = load_registry()
FILE6 = SOURCES["iod2019_file6"]
HEADER = ",".join(FILE6.columns)


def _write(tmp_path, text: str, name="iod2019_file6_population_denominators_test.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_every_registry_source_is_a_dbt_source():
    document = yaml.safe_load((REPO / "dbt" / "models" / "staging" / "__sources.yml").read_text())
    tables = {t["name"] for t in document["sources"][0]["tables"]}
    assert tables == {"source_registry", *SOURCES}


def test_every_bundled_file_belongs_to_exactly_one_source():
    for path in (REPO / "data" / "raw").glob("*.csv"):
        owners = [s.id for s in SOURCES.values() if s.matches(path.name)]
        assert len(owners) == 1, (path.name, owners)


def test_snake_case_of_real_headers():
    assert snake_case("Total population: mid 2015 (excluding prisoners)") == "total_population_mid_2015_excluding_prisoners"
    assert snake_case("geography code") == "geography_code"


def test_thousands_separators_bom_and_null_markers(tmp_path):
    text = "\ufeff" + HEADER + '\nE01006212,Wigan 026A,E08000010,Wigan,"1,438",246,770,422,*\n'
    load = read_file(FILE6, _write(tmp_path, text))
    assert load.rows == [("E01006212", "Wigan 026A", "E08000010", "Wigan", 1438, 246, 770, 422, None)]
    assert (load.rows_read, load.rows_loaded, load.rows_rejected) == (1, 1, 0)


def test_whole_numbers_in_exact_scientific_notation_are_read(tmp_path):
    """R writes some whole numbers as 4e3 (real Greater Manchester claimant and population files)."""
    load = read_file(FILE6, _write(tmp_path, f"{HEADER}\nE01006212,n,E08000010,Wigan,4e3,2E3,1.5e1,1,1\n"))
    assert load.rows_rejected == 0 and load.rows[0][4:7] == (4000, 2000, 15)


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("E05000840,n,E08000010,Wigan,1,1,1,1,1", "LSOA code (2011)", "not a LSOA code of the declared geography (lsoa 2011)"),
        ("E01006212,n,E08000010,Wigan,many,1,1,1,1", "Total population: mid 2015 (excluding prisoners)", "not a whole number"),
        ("E01006212,n,E08000010,Wigan,1.5,1,1,1,1", "Total population: mid 2015 (excluding prisoners)", "not a whole number"),
        (",n,E08000010,Wigan,1,1,1,1,1", "LSOA code (2011)", "missing area code"),
        ("E01006212,n,E08000010,Wigan,1.25e1,1,1,1,1", "Total population: mid 2015 (excluding prisoners)",
         "not a whole number (12.5 in scientific notation)"),
    ],
)
def test_bad_cells_are_rejected_with_row_and_column(tmp_path, row, column, reason):
    load = read_file(FILE6, _write(tmp_path, f"{HEADER}\nE01006213,n,E08000010,Wigan,1,1,1,1,1\n{row}\n"))
    assert load.rows_read == 2 and load.rows_loaded == 1 and load.rows_rejected == 1
    (rejection,) = load.rejections
    assert (rejection.row_number, rejection.column_name, rejection.reason) == (3, column, reason)


def test_duplicate_keys_and_ragged_rows_are_rejected(tmp_path):
    row = "E01006212,n,E08000010,Wigan,1,1,1,1,1"
    load = read_file(FILE6, _write(tmp_path, f"{HEADER}\n{row}\n{row}\nE01006213,n\n"))
    assert [(r.row_number, r.reason) for r in load.rejections] == [
        (3, "duplicate key: first seen on row 2"),
        (4, "expected 9 fields, found 2"),
    ]
    assert load.rows_read == load.rows_loaded + load.rows_rejected == 3


def test_file_level_errors_name_file_row_and_column(tmp_path):
    with pytest.raises(IngestError, match=r"test\.csv: row 1: the file is empty"):
        read_file(FILE6, _write(tmp_path, ""))
    missing = HEADER.replace(",Wigan", "").replace("Local Authority District name (2019),", "")
    with pytest.raises(IngestError, match=r"row 1: column 'Local Authority District name \(2019\)' is missing"):
        read_file(FILE6, _write(tmp_path, missing + "\n"))
    with pytest.raises(IngestError, match=r"row 1: column 'extra' is not in the declared layout"):
        read_file(FILE6, _write(tmp_path, HEADER + ",extra\n"))
    with pytest.raises(IngestError, match=r"row 2: .* not valid utf-8-sig"):
        read_file(FILE6, _write(tmp_path, HEADER + "\nE01006212,Wig\xe1n", encoding="latin-1"))
