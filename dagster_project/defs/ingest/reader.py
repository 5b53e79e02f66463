"""Read one source file against its registry layout: typed rows in, bad rows quarantined.

Row numbers are the file's line numbers as a spreadsheet shows them: the header is
row 1, the first data row is row 2 (in GeoJSON, row N is feature N). Problems with the whole file (unreadable, missing
or unexpected columns) raise IngestError; problems with a row reject that row with its
reason, so rows read = rows loaded + rows rejected.
"""

import csv
import hashlib
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project.defs.ingest.registry import Source

_INTEGER = re.compile(r"^[+-]?\d+(\.0*)?$")


class IngestError(Exception):
    """A file cannot be loaded at all; the message names the file, row and column."""


@dataclass(frozen=True)
class Rejection:
    row_number: int
    column_name: str | None
    value: str | None
    reason: str


@dataclass
class FileLoad:
    source_id: str
    file_name: str
    sha256: str
    columns: list[str]
    rows: list[tuple] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    rows_read: int = 0

    @property
    def rows_loaded(self) -> int:
        return len(self.rows)

    @property
    def rows_rejected(self) -> int:
        return len({r.row_number for r in self.rejections})


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _decode(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        row = data[: error.start].count(b"\n") + 1
        raise IngestError(
            f"{path.name}: row {row}: byte {error.start} is not valid {encoding} text ({error.reason})"
        ) from error


def _convert(source: Source, column_type: str, raw: str):
    """Return (value, reason); reason is None when the cell is acceptable."""
    text = raw.strip()
    if text in source.null_markers:
        if column_type in ("area_code", "geometry"):
            return None, f"missing {column_type.replace('_', ' ')}"
        return None, None
    if column_type == "text":
        return text, None
    if column_type == "geometry":
        geometry = json.loads(text)
        if not isinstance(geometry, dict) or not geometry.get("coordinates"):
            return None, "missing or empty geometry"
        return text, None
    if column_type == "area_code":
        if not source.area_code_pattern.match(text):
            return None, (
                f"not a {source.geography_level.upper()} code of the declared geography "
                f"({source.geography_level} {source.geography_vintage})"
            )
        return text, None
    number_text = text.replace(source.thousands, "") if source.thousands else text
    if column_type == "integer":
        if not _INTEGER.match(number_text):
            return None, "not a whole number"
        return int(number_text.split(".")[0]), None
    try:
        value = float(number_text)
    except ValueError:
        return None, "not a number"
    if not math.isfinite(value):
        return None, "not a finite number"
    return value, None


def _check_header(source: Source, path: Path, header: list[str]) -> None:
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise IngestError(f"{path.name}: row 1: column {duplicated[0]!r} appears more than once in the header")
    missing = [name for name in source.columns if name not in header]
    if missing:
        raise IngestError(
            f"{path.name}: row 1: column {missing[0]!r} is missing from the header "
            f"(source {source.id!r} expects {list(source.columns)})"
        )
    unexpected = [name for name in header if name not in source.columns]
    if unexpected:
        raise IngestError(
            f"{path.name}: row 1: column {unexpected[0]!r} is not in the declared layout of source {source.id!r}; "
            "a changed layout is a new release: update the registry"
        )


def _accept(source: Source, load: FileLoad, seen_keys: dict, row_number: int, cells: dict[str, object]) -> None:
    """Type-check one record (column -> cell) and either keep it or reject it with its reasons."""
    load.rows_read += 1
    values, problems = [], []
    for name, column_type in source.columns.items():
        value, reason = _convert(source, column_type, cells[name])
        if reason:
            problems.append(Rejection(row_number, name, str(cells[name])[:200], reason))
        values.append(value)
    if not problems:
        key = tuple(values[list(source.columns).index(k)] for k in source.key)
        if key in seen_keys:
            problems.append(
                Rejection(row_number, source.key[0], str(key[0]), f"duplicate key: first seen on row {seen_keys[key]}")
            )
        else:
            seen_keys[key] = row_number
    if problems:
        load.rejections.extend(problems)
        return
    load.rows.append(tuple(values))
    load.row_numbers.append(row_number)


def _read_csv(source: Source, path: Path, data: bytes) -> FileLoad:
    reader = csv.reader(io.StringIO(_decode(path, data, source.encoding), newline=""))
    header = next(reader, None)
    if header is None or not any(cell.strip() for cell in header):
        raise IngestError(f"{path.name}: row 1: the file is empty; expected a header with columns {list(source.columns)}")
    header = [cell.strip() for cell in header]
    _check_header(source, path, header)
    load = FileLoad(source.id, path.name, hashlib.sha256(data).hexdigest(), list(source.columns))
    seen_keys: dict[tuple, int] = {}
    for row_number, cells in enumerate(reader, start=2):
        if not cells or all(not c.strip() for c in cells):
            continue  # blank lines are layout, not data
        if len(cells) != len(header):
            load.rows_read += 1
            load.rejections.append(
                Rejection(row_number, None, ",".join(cells)[:200], f"expected {len(header)} fields, found {len(cells)}")
            )
            continue
        _accept(source, load, seen_keys, row_number, dict(zip(header, cells)))
    return load


def _read_geojson(source: Source, path: Path, data: bytes) -> FileLoad:
    """A FeatureCollection: each feature is a row (row N = feature N), properties are columns
    and the geometry is kept as GeoJSON text in the column declared with type geometry."""
    try:
        document = json.loads(_decode(path, data, source.encoding))
        features = document["features"]
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise IngestError(f"{path.name}: row 1: not a GeoJSON FeatureCollection ({error})") from error
    geometry_columns = [n for n, t in source.columns.items() if t == "geometry"]
    properties = sorted({key for feature in features for key in (feature.get("properties") or {})})
    _check_header(source, path, properties + geometry_columns)
    load = FileLoad(source.id, path.name, hashlib.sha256(data).hexdigest(), list(source.columns))
    seen_keys: dict[tuple, int] = {}
    for row_number, feature in enumerate(features, start=1):
        cells = {k: "" if v is None else str(v) for k, v in (feature.get("properties") or {}).items()}
        for column in geometry_columns:
            cells[column] = json.dumps(feature.get("geometry"), separators=(",", ":"))
        _accept(source, load, seen_keys, row_number, {name: cells.get(name, "") for name in source.columns})
    return load


def read_file(source: Source, path: Path) -> FileLoad:
    """Parse and type-check one file of a source."""
    data = path.read_bytes()
    if source.format == "geojson":
        return _read_geojson(source, path, data)
    return _read_csv(source, path, data)
