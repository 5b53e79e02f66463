"""Read one source file against its registry layout: typed rows in, bad rows quarantined.

Row numbers are as a spreadsheet shows them: the header is row 1, the first data row is row 2,
and a quoted cell that runs over several lines is still one row (in GeoJSON, row N is feature N).
Problems with the whole file (unreadable, not text of the declared encoding, changed while being
read, wrong delimiter, missing or unexpected columns, a quote never closed) raise IngestError
naming the file, row and, where there is one, column. Problems with a row reject that row with
its reason, so rows read = rows loaded + rows rejected. Whitespace-only rows are layout, not data:
they are counted in `blank_rows`, not read. Cells holding a null marker load as NULL; the non-empty
ones (suppression markers such as `*`, `c`, `..`) are counted in `suppressed_cells`.

`iter_file` streams a CSV file line by line, hashing the same bytes it parses, and yields batches:
memory is bounded by the batch size (plus the keys seen, when it checks keys), and a file above
its source's max_file_bytes is refused before a byte is read. `read_file` holds a whole file. GeoJSON and Excel files are read whole. Symbolic links are never followed.
"""

import codecs
import csv
import hashlib
import io
import json
import math
import os
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from python_calamine import CalamineWorkbook

from dagster_project.defs.ingest.registry import PERIOD_FORMATS, Source
from dagster_project.inputs import as_of
from dagster_project.regular_files import NotRegularFile, open_regular

BATCH_SIZE = 20_000
MAX_LINE_BYTES = 1 << 20
_INTEGER = re.compile(r"^-?[0-9]+(?:\.0*)?$")
# R writes some whole numbers in scientific notation ("4e3" for 4000): accepted where exactly whole.
_SCIENTIFIC = re.compile(r"^[0-9]+(?:\.[0-9]*)?[eE]\+?[0-9]{1,2}$")
_INT64_MAX = 2**63 - 1
_NOT_FINITE = {"nan", "inf", "infinity"}
_FORMULA_START = ("=", "+", "-", "@")
_OTHER_DELIMITERS = (";", "\t", "|")
_SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook?)"),
    (b"\xd0\xcf\x11\xe0", "a legacy Excel .xls workbook"),
    (b"\xff\xfe", "UTF-16 text"),
    (b"\xfe\xff", "UTF-16 text"),
    (b"%PDF", "a PDF document"),
)
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
    """One file's typed rows and row accounting, or one batch of them (from `iter_file`)."""

    source_id: str
    file_name: str
    sha256: str
    columns: list[str]
    rows: list[tuple] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    rows_read: int = 0
    suppressed_cells: int = 0
    blank_rows: int = 0
    rows_passed_on: int = 0  # loaded rows no longer held in `rows` (streamed into the warehouse)
    rejected_passed_on: int = 0  # rejected rows whose rejections are no longer held in `rejections`

    @property
    def rows_loaded(self) -> int:
        return len(self.rows) + self.rows_passed_on

    @property
    def rows_rejected(self) -> int:
        return len({r.row_number for r in self.rejections}) + self.rejected_passed_on

    def absorb(self, batch: "FileLoad", keep_rows: bool = True, keep_rejections: int | None = None) -> None:
        """Add the next batch of the same file. Rows not kept, and the rejections beyond the first
        `keep_rejections`, are only counted."""
        self.sha256 = batch.sha256 or self.sha256
        self.rows_read += batch.rows_read
        self.suppressed_cells += batch.suppressed_cells
        self.blank_rows += batch.blank_rows
        if keep_rows:
            self.rows.extend(batch.rows)
            self.row_numbers.extend(batch.row_numbers)
            self.rows_passed_on += batch.rows_passed_on
        else:
            self.rows_passed_on += batch.rows_loaded
        room = len(batch.rejections) if keep_rejections is None else max(0, keep_rejections - len(self.rejections))
        kept = batch.rejections[:room]
        self.rejections.extend(kept)
        kept_rows = {r.row_number for r in kept}
        self.rejected_passed_on += batch.rejected_passed_on + len({r.row_number for r in batch.rejections} - kept_rows)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Digests:
    """Files' sha256 for one ingest step, each read once while the file keeps its identity
    (device, inode, size, modification time): the inventory, the sources' fingerprints and the
    engine's byte scan share them (three readings of every file before). Threads asking for one
    file at once wait for a single reading."""

    def __init__(self) -> None:
        self._lock, self._known = threading.Lock(), {}

    def of(self, path: Path) -> str:
        """sha256_of(path), read unless known for its present identity."""
        key = (path, _identity(path))
        with self._lock:
            future = self._known.get(key)
            mine = future is None
            if mine:
                future = self._known[key] = Future()
        if mine:
            try:
                future.set_result(sha256_of(path))
            except BaseException as error:
                with self._lock:
                    del self._known[key]
                future.set_exception(error)
                raise
        return future.result()

    def known(self, path: Path, identity: tuple) -> str | None:
        """The sha256 already read for the file with this identity, or None."""
        with self._lock:
            future = self._known.get((path, identity))
        return future.result() if future is not None and future.done() and not future.exception() else None


def _extent(coordinates) -> tuple[int, float, float, float, float]:
    """The points of a GeoJSON geometry's coordinates and their extent (count, min x, min y,
    max x, max y), iteratively: no recursion limit. ValueError unless every position is 2 or 3
    numbers."""
    count, stack = 0, [coordinates]
    low_x = low_y = math.inf
    high_x = high_y = -math.inf
    while stack:
        item = stack.pop()
        if not isinstance(item, list):
            raise ValueError(f"a position must be a list of numbers, not {str(item)[:40]!r}")
        if item and not isinstance(item[0], list):  # a position: x, y (and perhaps z), all numbers
            if not 2 <= len(item) <= 3 or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in item):
                raise ValueError(f"a position must be 2 or 3 numbers, not {str(item)[:60]}")
            count += 1
            low_x, high_x = min(low_x, item[0]), max(high_x, item[0])
            low_y, high_y = min(low_y, item[1]), max(high_y, item[1])
        else:
            stack.extend(item)
    return count, low_x, low_y, high_x, high_y


# GeoJSON's coordinates are longitude and latitude (RFC 7946; the legacy `crs` member may say
# so as CRS84 or EPSG:4326); the maps draw nothing else. England lies within these bounds.
LONLAT_CRS = ("urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326")
ENGLAND_LONLAT = (-6.5, 49.8, 2.1, 55.9)


def _check_crs(name: str, document: dict) -> None:
    """A declared CRS must be longitude/latitude (the maps need it; metres would draw nothing)."""
    crs = document.get("crs")
    if crs is None:
        return
    declared = crs.get("properties", {}).get("name") if isinstance(crs, dict) and isinstance(crs.get("properties"), dict) else None
    if declared not in LONLAT_CRS:
        raise IngestError(
            f"{name}: row 1: the file declares the coordinate reference system {str(declared or crs)[:120]!r}; "
            "boundaries must be longitude/latitude (CRS84, EPSG:4326): reproject the file"
        )


class _FileBytes:
    """A file's bytes, read once and hashed as they are read; a file that changes while it is
    being read (size, modification time or identity differ between the stat before and after,
    or the bytes read are not its size) is refused."""

    def __init__(self, path: Path):
        try:
            self._handle = open_regular(path)
        except NotRegularFile as error:
            raise IngestError(str(error).replace(f"{path}: ", f"{path.name}: ", 1)) from None
        self.path, self.name, self.offset, self._limit = path, path.name, 0, None
        self._before = _identity(path, self._handle.fileno())
        self._digest = hashlib.sha256()

    def stream(self, limit: int, source_id: str) -> "_FileBytes":
        """Refuse a streamed file above `limit` bytes before reading it, and stop reading one that
        grows past it meanwhile (registry: max_file_bytes)."""
        self._limit, self._source_id = limit, source_id
        self._check_size(self._before[2])
        return self

    def _check_size(self, size: int, growing: bool = False) -> None:
        if size > self._limit:
            raise IngestError(
                f"{self.name}: the file {'grew, while being read, past' if growing else 'is'} {size:,} bytes, "
                f"more than the {self._limit:,} a {self._source_id!r} "
                "file may have; refused so that time, memory and the rejected-row report stay bounded "
                "(registry: max_file_bytes; raise it for this source if the release really is this large)"
            )

    def readline(self) -> bytes:
        line = self._handle.readline(MAX_LINE_BYTES + 1)
        self._digest.update(line)
        self.offset += len(line)
        if self._limit is not None and self.offset > self._limit:
            self._check_size(self.offset, growing=True)
        return line

    def read(self, limit: int | None = None, what: str = "") -> bytes:
        """The rest of the file; more than `limit` bytes is refused before anything is read."""
        if limit is not None and self._before[2] > limit:
            raise IngestError(
                f"{self.name}: the file is {self._before[2]:,} bytes, more than the {limit:,} a {what} file may have "
                "(it is read whole); refused so that memory stays bounded (registry: max_whole_file_bytes)"
            )
        data = self._handle.read()
        self._digest.update(data)
        self.offset += len(data)
        return data

    def close(self) -> None:
        self._handle.close()

    def finish(self) -> str:
        """The sha256 of the bytes read, once the file is known not to have changed meanwhile."""
        self.close()
        after = _identity(self.path) if self.path.exists() else None
        if after != self._before or self.offset != self._before[2]:
            raise IngestError(
                f"{self.name}: the file changed while being read ({self._before[2]} bytes before, "
                f"{after[2] if after else 'none'} after, {self.offset} read); load it again once it is complete"
            )
        return self._digest.hexdigest()


def _identity(path: Path, fd: int | None = None) -> tuple[int, int, int, int]:
    stat = os.fstat(fd) if fd is not None else os.stat(path, follow_symlinks=False)
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns


class _BadByte(Exception):
    def __init__(self, offset: int, error: UnicodeDecodeError):
        self.offset, self.error = offset, error


# --- cells -------------------------------------------------------------------------------------


def _number_problem(text: str, default: str) -> str:
    if text.lower().lstrip("+-") in _NOT_FINITE:
        return "not a finite number"
    if text.startswith(_FORMULA_START):
        return f"{default} (looks like a spreadsheet formula)"
    return default


def _period_converter(label: str) -> Callable[[str], tuple[object, str | None]]:
    """Periods in the declared format that can be real: a span that ends after it starts, within
    ten years (a financial year YYYY/YY runs April to March), and that has started by the month of the
    run's day (fingerprint.as_of, an input of every fingerprint: a period in the future is not
    data of any release)."""
    period = re.compile(f"^(?:{PERIOD_FORMATS[label]})$")
    today = as_of()

    def convert(text: str):
        if not period.match(text):
            return None, f"period not in the expected format {label}"
        year = int(text[:4])
        # the month it starts: a month or a day's own, April for a financial year, else January
        month = int(text[5:7]) if label in ("YYYY-MM", "YYYY-MM-DD") else 4 if label == "YYYY/YY" else 1
        if label in ("YYYY-YY", "YYYY/YY"):
            last = year // 100 * 100 + int(text[5:7])
            last += 100 if last < year else 0
            if not year < last <= year + 10 or (label == "YYYY/YY" and last != year + 1):
                return None, f"period {text} is not a {'financial year' if label == 'YYYY/YY' else 'span of years'}"
        if (year, month) > (today.year, today.month):
            return None, f"period {text} starts in the future"
        return text, None
    return convert


def _converter(source: Source, name: str, column_type: str) -> Callable[[str], tuple[object, str | None]]:
    """A function from a cell's stripped, non-null text to (value, reason); reason None when acceptable."""
    thousands = source.thousands
    grouped = re.compile(rf"^-?[0-9]{{1,3}}(?:{re.escape(thousands)}[0-9]{{3}})+(?:\.[0-9]*)?$") if thousands else None

    def ungroup(text: str) -> str | None:
        if thousands and thousands in text:
            return text.replace(thousands, "") if grouped.match(text) else None
        return text

    if column_type == "text":
        if name == source.period_column:
            return _period_converter(source.period_format)
        return lambda text: (text, None)
    if column_type == "area_code":
        code = source.area_code_pattern
        level = source.geography_level
        reason = f"not a {level.upper()} code of the declared geography ({level} {source.geography_vintage})"
        return lambda text: (text, None) if code.match(text) else (None, reason)
    if column_type == "geometry":
        def geometry(text: str):
            try:
                value = json.loads(text)
            except (json.JSONDecodeError, RecursionError):
                return None, "not GeoJSON geometry"
            if not isinstance(value, dict) or not value.get("coordinates"):
                return None, "missing or empty geometry"
            return text, None
        return geometry
    if column_type == "integer":
        def integer(text: str):
            digits = ungroup(text)
            if digits is None:
                return None, "not a whole number (misplaced thousands separator)"
            if _SCIENTIFIC.match(digits):
                exact = Decimal(digits)
                if exact != exact.to_integral_value():
                    return None, f"not a whole number ({exact.normalize():f} in scientific notation)"
                value = int(exact)
            elif not _INTEGER.match(digits):
                return None, _number_problem(text, "not a whole number")
            else:
                value = int(digits.split(".")[0])
            if value < 0:
                return None, "negative count"
            if value > _INT64_MAX:
                return None, "too large for a 64-bit whole number"
            return value, None
        return integer

    def number(text: str):
        try:
            value = float(text)
        except ValueError:
            digits = ungroup(text)
            if digits is None:
                return None, "not a number (misplaced thousands separator)"
            if digits == text:
                return None, _number_problem(text, "not a number")
            return number(digits)
        if math.isfinite(value) and text[0] != "+" and "_" not in text and text.isascii():
            return value, None
        return None, "not a finite number" if not math.isfinite(value) else _number_problem(text, "not a number")
    return number


def conflicting_duplicate(source: Source, file_name: str, row: int, first: int, first_values: list, values: list) -> "IngestError":
    """Two rows with the same key and different values: which is right cannot be told, so the
    file is refused (an identical repeat is only rejected)."""
    names = list(source.columns)
    column = next(n for n, a, b in zip(names, first_values, values) if a != b)
    i = names.index(column)
    key = ", ".join(str(values[names.index(k)]) for k in source.key)
    return IngestError(
        f"{file_name}: row {row}: column {column!r}: key ({key}) is also on row {first} with a different value "
        f"({values[i]!r} here, {first_values[i]!r} there): which row is right cannot be told; keep one of them"
    )


def _text(value) -> str | None:
    return None if value is None else str(value)


def cell_rules(source: Source) -> list[tuple[str, Callable[[str], tuple[object, str | None]], str | None]]:
    """Each declared column's name, converter and the reason a null marker gets where a value is
    required (area codes, geometry), in declared order."""
    return [
        (name, _converter(source, name, t), f"missing {t.replace('_', ' ')}" if t in ("area_code", "geometry") else None)
        for name, t in source.columns.items()
    ]


def type_cell(raw: str, converter: Callable, missing: str | None, nulls: frozenset) -> tuple[object, str | None, bool]:
    """One cell's rule: (value, reason it is rejected or None, whether it is a non-empty null
    marker: a suppressed cell). Cells are stripped; a null marker loads as NULL."""
    text = raw.strip()
    if text in nulls:
        return None, missing, bool(text) and not missing
    value, reason = converter(text)
    return value, reason, False


def _batches(
    source: Source, file_name: str, records: Iterator, finish: Callable[[], str], batch_size: int, check_keys: bool
) -> Iterator[FileLoad]:
    """Type-check records (row number, cells in declared order | a Rejection | None for a blank row)
    into batches of at most batch_size rows read; the last batch carries the file's sha256."""
    names = list(source.columns)
    columns = cell_rules(source)
    nulls = frozenset(source.null_markers)
    key_at = [names.index(k) for k in source.key]
    seen: dict[tuple, tuple[int, tuple]] = {}
    batch = FileLoad(source.id, file_name, "", names)
    for row_number, cells in records:
        if cells is None:
            batch.blank_rows += 1
            continue
        batch.rows_read += 1
        if isinstance(cells, Rejection):
            batch.rejections.append(cells)
        else:
            values, problems, suppressed = [], [], 0
            for (name, converter, missing), raw in zip(columns, cells):
                if raw is None:  # an optional column this release does not have
                    values.append(None)
                    continue
                value, reason, marker = type_cell(raw, converter, missing, nulls)
                if reason:
                    problems.append(Rejection(row_number, name, raw[:200], reason))
                suppressed += marker
                values.append(value)
            if not problems and check_keys:
                key = tuple(values[i] for i in key_at)
                first, first_values = seen.setdefault(key, (row_number, tuple(values)))
                if first != row_number:
                    if tuple(values) != first_values:
                        raise conflicting_duplicate(source, file_name, row_number, first, list(first_values), values)
                    reason = f"duplicate key: first seen on row {first}"
                    problems.append(Rejection(row_number, source.key[0], _text(key[0]), reason))
            if problems:
                batch.rejections.extend(problems)
            else:
                batch.rows.append(tuple(values))
                batch.row_numbers.append(row_number)
                batch.suppressed_cells += suppressed
        if batch.rows_read >= batch_size:
            yield batch
            batch = FileLoad(source.id, file_name, "", names)
    batch.sha256 = finish()
    yield batch


# --- header ------------------------------------------------------------------------------------


def _check_header(source: Source, name: str, header: list[str]) -> None:
    if "" in header:
        raise IngestError(f"{name}: row 1: column {header.index('') + 1} has no name in the header")
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise IngestError(f"{name}: row 1: column {duplicated[0]!r} appears more than once in the header")
    if not set(header) & set(source.columns):
        raise IngestError(
            f"{name}: row 1: none of the declared columns is in the header (found {header[:5]}); the header must be "
            f"row 1, with no title or merged rows above it (source {source.id!r} expects {list(source.columns)})"
        )
    missing = [column for column in source.columns if column not in header and column not in source.optional_columns]
    if missing:
        raise IngestError(
            f"{name}: row 1: column {missing[0]!r} is missing from the header "
            f"(source {source.id!r} expects {list(source.columns)})"
        )
    unexpected = [column for column in header if column not in source.columns]
    if unexpected:
        raise IngestError(
            f"{name}: row 1: column {unexpected[0]!r} is not in the declared layout of source {source.id!r}; "
            "a changed layout is a new release: update the registry"
        )


def _check_delimiter(source: Source, name: str, raw_header: list[str], header: list[str]) -> None:
    """A header that matches the declared columns better when split on ';', tab or '|' is an error."""
    declared = set(source.columns)
    found = len(declared & set(header))
    line = ",".join(raw_header)
    for delimiter in _OTHER_DELIMITERS:
        if delimiter in line and len(declared & {c.strip() for c in next(csv.reader([line], delimiter=delimiter))}) > found:
            raise IngestError(
                f"{name}: row 1: the delimiter looks wrong: the header is separated by {delimiter!r}, not commas "
                f"(source {source.id!r} expects comma-separated columns {list(source.columns)})"
            )


# --- tables: CSV and Excel ---------------------------------------------------------------------


def _table_records(source: Source, name: str, rows: Iterator) -> Iterator[tuple[int, object]]:
    """Records of a table whose row 1 is the header. `rows` yields lists of cells, or a Rejection
    for a row that could not be split into cells."""
    raw_header = next(rows, None)
    if raw_header is None:
        raise IngestError(f"{name}: row 1: the file is empty; expected a header with columns {list(source.columns)}")
    header = [cell.strip() for cell in raw_header]
    if header:
        header[0] = header[0].lstrip("\ufeff")
    if not any(header):
        raise IngestError(f"{name}: row 1: the header row is blank; expected columns {list(source.columns)}")
    width = len(header)
    while not header[-1]:
        header.pop()  # trailing delimiters: unnamed, empty columns
    _check_delimiter(source, name, raw_header, header)
    _check_header(source, name, header)
    declared = len(header)
    positions = [header.index(column) if column in header else None for column in source.columns]
    in_order = positions == list(range(declared))
    for row_number, cells in enumerate(rows, start=2):
        if isinstance(cells, Rejection):
            yield row_number, Rejection(row_number, None, cells.value, cells.reason)
            continue
        if not cells or (not cells[0].strip() and not "".join(cells).strip()):
            yield row_number, None
            continue
        found = len(cells)
        if found != declared and not (declared < found <= width and not "".join(cells[declared:]).strip()):
            if any("\n" in cell or "\r" in cell for cell in cells):
                raise IngestError(
                    f"{name}: row {row_number}: the row has {found} fields, not {declared}, and a quoted cell runs over "
                    "several lines: a quote is probably never closed, joining the rows after it"
                )
            yield row_number, Rejection(row_number, None, ",".join(cells)[:200], f"expected {declared} fields, found {found}")
            continue
        if in_order:
            yield row_number, cells if found == declared else cells[:declared]
        else:
            yield row_number, [None if p is None else cells[p] for p in positions]


def _csv_rows(source: Source, data: _FileBytes) -> Iterator:
    """The rows of a CSV file as lists of cells, read line by line. A row that breaks the quoting
    rules is yielded as a Rejection (the reader resumes at the next line); a quote still open at
    the end of the file, or a cell over the csv module's size limit, stops the read."""
    name, encoding = data.name, source.encoding
    encoder = codecs.getincrementalencoder(encoding)()
    encoder.encode("a")  # past any byte order mark
    if encoder.encode("\n") != b"\n":
        raise IngestError(f"{name}: declared encoding {encoding!r} is not supported for CSV (ASCII-compatible encodings only)")
    decoder = codecs.getincrementaldecoder(encoding)()
    last = [""]

    def lines() -> Iterator[str]:
        first = True
        while True:
            start = data.offset
            raw = data.readline()
            if first:
                for signature, kind in _SIGNATURES:
                    if raw.startswith(signature):
                        raise IngestError(f"{name}: row 1: the file is {kind}, not CSV text: save it as CSV ({encoding})")
                first = False
            if len(raw) > MAX_LINE_BYTES:
                raise _LineTooLong(start)
            if b"\x00" in raw:
                raise _NulByte(start + raw.index(0))
            try:
                text = decoder.decode(raw, final=not raw)
            except UnicodeDecodeError as error:
                raise _BadByte(data.offset - len(error.object) + error.start, error) from None
            if not raw:
                return
            last[0] = text
            yield text

    reader = csv.reader(lines(), strict=True)
    row = line_number = width = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            message = str(error)
            if row == 0 or "end of data" in message or "field limit" in message:
                hint = "; a quoted cell is probably never closed" if row and "new-line" not in message else ""
                raise IngestError(f"{name}: row {row + 1}: not valid CSV ({message}){hint}") from None
            row, line_number = row + 1, reader.line_num
            yield Rejection(row, None, last[0].rstrip("\r\n")[:200], f"not valid CSV ({message})")
            continue
        except _BadByte as problem:
            byte = problem.error.object[problem.error.start]
            column = _bad_cell(data.path, encoding, row + 1)
            where = f"column {column!r}: " if column else ""
            raise IngestError(
                f"{name}: row {row + 1}: {where}byte {problem.offset} (0x{byte:02x}) is not valid {encoding} text "
                f"({problem.error.reason}); save the file as {encoding} or declare its encoding in the registry"
            ) from None
        except _LineTooLong as problem:
            raise IngestError(
                f"{name}: row {row + 1}: a line starting at byte {problem.args[0]} is longer than {MAX_LINE_BYTES} bytes: "
                "not a CSV file of the declared layout"
            ) from None
        except _NulByte as problem:
            raise IngestError(
                f"{name}: row {row + 1}: byte {problem.args[0]} is a NUL byte: not {encoding} text (a binary or UTF-16 file?)"
            ) from None
        row += 1
        width = width or len(cells)
        if reader.line_num - line_number > 1 and row > 1:
            _check_multiline_cells(name, row, cells, width)
        line_number = reader.line_num
        yield cells


def _check_multiline_cells(name: str, row: int, cells: list[str], width: int) -> None:
    """A quoted cell spanning lines that holds what looks like whole rows (nearly a header's worth
    of commas on one of its lines) means a quote was left open and later rows were swallowed."""
    for cell in cells:
        if "\n" in cell and any(line.count(",") >= max(2, width - 2) for line in cell.splitlines()):
            raise IngestError(
                f"{name}: row {row}: a quoted cell runs over several lines that look like rows of the file: a quote is "
                f"probably never closed, joining the rows after it ({cell[:80]!r})"
            )


class _LineTooLong(Exception):
    pass


class _NulByte(Exception):
    pass


def _bad_cell(path: Path, encoding: str, row: int) -> str | None:
    """The column of the first undecodable byte in a row (found again by re-reading the file with
    the bad bytes escaped), to name it in the error; None when it cannot be told."""
    try:
        with path.open(encoding=encoding, errors="surrogateescape", newline="") as handle:
            header: list[str] = []
            for number, cells in enumerate(csv.reader(handle), start=1):
                header = header or [c.strip().lstrip("\ufeff") for c in cells]
                if number == row:
                    for i, cell in enumerate(cells):
                        if any("\udc80" <= ch <= "\udcff" for ch in cell):
                            return header[i] if number > 1 and i < len(header) else f"column {i + 1}"
                    return None
    except (OSError, csv.Error):
        return None
    return None


def _xlsx_rows(source: Source, data: _FileBytes) -> tuple[str, Iterator[list[str]]]:
    """The first sheet of a workbook as rows of text cells (row numbers as Excel shows them)."""
    content = data.read(source.max_whole_file_bytes, "workbook")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheet_name = workbook.sheet_names[0]
        sheet = workbook.get_sheet_by_name(sheet_name)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception as error:  # calamine raises several error types for a broken workbook
        raise IngestError(f"{data.name}: not a readable Excel workbook ({type(error).__name__}: {error})") from error
    label = f"{data.name}: sheet {sheet_name!r}"
    merged = sorted(sheet.merged_cell_ranges or [])
    if merged:
        (top, left), (bottom, right) = merged[0]
        raise IngestError(
            f"{label}: row {top + 1}: merged cells {_cell_ref(top, left)}:{_cell_ref(bottom, right)}; expected one header "
            "row on row 1 and one row per record, with no merged cells"
        )
    return label, ([_cell_text(v) for v in row] for row in rows)


def _cell_ref(row: int, column: int) -> str:
    letters = ""
    column += 1
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return f"{letters}{row + 1}"


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- GeoJSON -----------------------------------------------------------------------------------


def _geojson_records(source: Source, data: _FileBytes) -> Iterator[tuple[int, object]]:
    """A FeatureCollection: each feature is a row (row N = feature N), properties are columns
    and the geometry is kept as GeoJSON text in the column declared with type geometry.
    A feature with more than the source's max_vertices points is refused (memory stays bounded
    downstream), and so is a ward boundary that is not a valid polygon (self-intersecting, say):
    a silent repair would change the map and the ward's neighbours. LSOA boundaries are only
    used for their point on surface: they are repaired downstream and the repair recorded."""
    content = data.read(source.max_whole_file_bytes, "GeoJSON")
    try:
        text = content.decode(source.encoding)
    except UnicodeDecodeError as error:
        raise IngestError(
            f"{data.name}: byte {error.start} (0x{content[error.start]:02x}) is not valid {source.encoding} text ({error.reason})"
        ) from None
    try:
        document = json.loads(text.removeprefix("\ufeff"))
        features = document["features"]
        if not isinstance(features, list):
            raise TypeError("'features' is not a list")
    except (json.JSONDecodeError, KeyError, TypeError, RecursionError) as error:
        raise IngestError(f"{data.name}: row 1: not a GeoJSON FeatureCollection ({type(error).__name__}: {error})") from None
    _check_crs(data.name, document)
    geometry_columns = [n for n, t in source.columns.items() if t == "geometry"]
    properties = sorted(
        {key for f in features if isinstance(f, dict) and isinstance(f.get("properties"), dict) for key in f["properties"]}
    )
    _check_header(source, data.name, properties + geometry_columns)
    for row_number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or not isinstance(feature.get("properties") or {}, dict):
            yield row_number, Rejection(row_number, None, json.dumps(feature)[:200], "not a GeoJSON Feature with properties")
            continue
        cells = {k: "" if v is None else str(v) for k, v in (feature.get("properties") or {}).items()}
        _check_geometry(source, data.name, row_number, geometry_columns, feature.get("geometry"))
        for column in geometry_columns:
            cells[column] = json.dumps(feature.get("geometry"), separators=(",", ":"))
        yield row_number, [cells.get(name, "") for name in source.columns]


def _check_geometry(source: Source, name: str, row_number: int, columns: list[str], geometry) -> None:
    if not columns or not isinstance(geometry, dict) or not isinstance(geometry.get("coordinates"), list):
        return
    where = f"{name}: row {row_number}: column {columns[0]!r}"
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise IngestError(f"{where}: a boundary must be a Polygon or MultiPolygon, not {str(geometry.get('type'))[:40]!r}")
    try:
        count, low_x, low_y, high_x, high_y = _extent(geometry["coordinates"])
    except ValueError as error:
        raise IngestError(f"{where}: not a valid GeoJSON geometry ({error})") from None
    west, south, east, north = ENGLAND_LONLAT
    if count and not (west <= low_x and high_x <= east and south <= low_y and high_y <= north):
        raise IngestError(
            f"{where}: coordinates from ({low_x:g}, {low_y:g}) to ({high_x:g}, {high_y:g}) lie outside England "
            f"in longitude/latitude (CRS84: longitude {west} to {east}, latitude {south} to {north}); "
            "are they in metres (British National Grid)? Reproject the file to CRS84"
        )
    if count > source.max_vertices:
        raise IngestError(
            f"{where}: the geometry has {count:,} points, more than the {source.max_vertices:,} a feature may have "
            "(registry: max_vertices); use generalised boundaries"
        )
    if "ward" in source.geography_levels:
        import shapely
        from shapely.geometry import shape

        try:
            shaped = shape(geometry)
        except (ValueError, TypeError, AttributeError, IndexError) as error:
            raise IngestError(f"{where}: not a valid GeoJSON geometry ({error})") from None
        if not shaped.is_valid:
            raise IngestError(
                f"{where}: the ward boundary is not a valid polygon ({shapely.is_valid_reason(shaped)}); "
                "it is not repaired silently, as a repair would change the map and the ward's neighbours: "
                "correct the file, or use the published generalised boundaries"
            )


# --- entry points ------------------------------------------------------------------------------


def iter_file(source: Source, path: Path, batch_size: int = BATCH_SIZE, check_keys: bool = True) -> Iterator[FileLoad]:
    """Parse and type-check one file of a source in batches of at most `batch_size` rows read.

    Each batch is a FileLoad holding only its own rows, rejections and counts. The last batch
    (perhaps empty) carries the sha256 of the whole file, known only once every byte has been
    read and the file is known not to have changed meanwhile. With check_keys=False duplicate keys
    are left to the caller (load_source checks them in the warehouse, keeping memory bounded)."""
    data = _FileBytes(path)
    try:
        if source.format == "geojson":
            records = _geojson_records(source, data)
        elif source.format == "xlsx":
            label, rows = _xlsx_rows(source, data)
            records = _table_records(source, label, rows)
        elif source.format == "csv":
            records = _table_records(source, path.name, _csv_rows(source, data.stream(source.max_file_bytes, source.id)))
        else:
            raise IngestError(
                f"{path.name}: source {source.id!r} has format {source.format!r}; the reader knows csv, xlsx and geojson"
            )
        yield from _batches(source, path.name, records, data.finish, batch_size, check_keys)
    finally:
        data.close()


def read_file(source: Source, path: Path) -> FileLoad:
    """Parse and type-check one whole file, holding every row (for small files and tests)."""
    load = None
    for batch in iter_file(source, path):
        if load is None:
            load = batch
        else:
            load.absorb(batch)
    return load
