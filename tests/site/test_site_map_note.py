"""The map's fallback note says why the hex cartogram is drawn (issue 11, case 8): it said no
boundary files were loaded even when they were, but lacked a ward."""

import duckdb

from site_fixture import make_warehouse
from dagster_project.sitegen import geo


def _note(warehouse) -> tuple[str, str]:
    with duckdb.connect(str(warehouse)) as con:
        found = geo.prepare(con)
    return found.kind, found.note


def test_the_fallback_note_gives_the_real_reason(tmp_path):
    with_all = make_warehouse(tmp_path / "all.duckdb")
    assert _note(with_all) == ("boundaries", geo.BOUNDARY_NOTE)
    none = make_warehouse(tmp_path / "none.duckdb", boundaries=False)
    assert _note(none) == ("hex", geo.HEX_NOTE)
    assert _note(none)[1].endswith("no boundary files were loaded.")
    partial = make_warehouse(tmp_path / "partial.duckdb")
    with duckdb.connect(str(partial)) as con:
        code, name = con.execute("select ward_code, ward_name from marts.dim_ward order by ward_code limit 1").fetchone()
        wards = con.execute("select count(*) from marts.dim_ward").fetchone()[0]
        con.execute("delete from raw.boundaries_ward23 where area_code = ?", [code])
    kind, note = _note(partial)
    assert kind == "hex" and "no boundary files were loaded" not in note
    assert note.endswith(f"the ward boundaries loaded lack 1 of the {wards} wards ({name}).")
