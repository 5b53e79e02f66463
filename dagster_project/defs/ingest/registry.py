"""The declarative source registry (sources.yml) as typed objects."""

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REGISTRY_PATH = Path(__file__).with_name("sources.yml")
# Reference figures shipped with the code (location: reference), read from here, not RAW_DIR.
REFERENCE_DIR = Path(__file__).resolve().parents[3] / "data" / "reference"
LOCATIONS = ("raw", "reference")
COLUMN_TYPES = ("area_code", "text", "integer", "number", "geometry")
# ONS GSS code prefixes for each geography level (England and Wales).
AREA_CODE_PATTERNS = {
    "lsoa": r"[EW]01\d{6}",
    "msoa": r"[EW]02\d{6}",
    "ward": r"[EW]05\d{6}",
    "la": r"(E0[6-9]|E10|W06)\d{6}",
    "country": r"(E92|W92)\d{6}",
    "combined_authority": r"E47\d{6}",
}


# Period formats a source may declare for its period_column, as regular expressions.
PERIOD_FORMATS = {
    "YYYY": r"[0-9]{4}",
    "YYYY-MM": r"[0-9]{4}-(?:0[1-9]|1[0-2])",
    "YYYY-MM-DD": r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])",
    "YYYY-YY": r"[0-9]{4}-[0-9]{2}",
    "YYYY/YY": r"[0-9]{4}/[0-9]{2}",
}


def snake_case(name: str) -> str:
    """Column name in the raw table: lower case, runs of other characters become '_'."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    release: str
    url: str
    licence: str
    attribution: str
    files: tuple[str, ...]
    geography_levels: tuple[str, ...]
    geography_vintage: int
    key: tuple[str, ...]
    columns: dict[str, str]
    period_label: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    required: bool = True
    retired: bool = False
    encoding: str = "utf-8-sig"
    thousands: str = ","
    null_markers: tuple[str, ...] = ("",)
    format: str = "csv"
    downloads: tuple[dict, ...] = ()
    period_column: str | None = None
    period_format: str | None = None
    max_vertices: int = 20_000
    max_whole_file_bytes: int = 256 << 20
    max_file_bytes: int = 256 << 20
    optional_columns: tuple[str, ...] = ()
    every_lsoa: bool = True  # False: the release leaves out LSOAs with nothing to report (no LSOA coverage gate)
    location: str = "raw"  # "reference": a file shipped in data/reference/, the same for every RAW_DIR
    area_code_pattern: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        pattern = "|".join(f"(?:{AREA_CODE_PATTERNS[level]})" for level in self.geography_levels)
        object.__setattr__(self, "area_code_pattern", re.compile(f"^(?:{pattern})$"))

    @property
    def geography_level(self) -> str:
        """The declared level(s), e.g. 'lsoa' or 'ward/la'."""
        return "/".join(self.geography_levels)

    @property
    def table(self) -> str:
        return f"raw.{self.id}"

    def folder(self, raw_dir: Path) -> Path:
        """Where the source's files are: RAW_DIR, or data/reference/ for reference figures."""
        return REFERENCE_DIR if self.location == "reference" else raw_dir

    def matches(self, file_name: str) -> bool:
        return any(fnmatch.fnmatch(file_name, pattern) for pattern in self.files)

    def raw_column(self, header_name: str) -> str:
        return snake_case(header_name)


def _build(source_id: str, spec: dict, defaults: dict) -> Source:
    spec = {**defaults, **spec}
    unknown = {t for t in spec["columns"].values() if t not in COLUMN_TYPES}
    if unknown:
        raise ValueError(f"{REGISTRY_PATH}: source {source_id!r} has unknown column types {sorted(unknown)}")
    missing_keys = [k for k in [*spec["key"], *([spec["period_column"]] if spec.get("period_column") else [])]
                    if k not in spec["columns"]]
    if missing_keys:
        raise ValueError(f"{REGISTRY_PATH}: source {source_id!r} key columns {missing_keys} are not declared")
    optional = tuple(spec.get("optional_columns", ()))
    if set(optional) - set(spec["columns"]) or set(optional) & {*spec["key"], spec.get("period_column")}:
        raise ValueError(f"{REGISTRY_PATH}: source {source_id!r}: optional_columns must be declared columns outside the key")
    if spec.get("period_format") and spec["period_format"] not in PERIOD_FORMATS:
        raise ValueError(f"{REGISTRY_PATH}: source {source_id!r} has unknown period_format {spec['period_format']!r}")
    if bool(spec.get("period_format")) != bool(spec.get("period_column")):
        raise ValueError(f"{REGISTRY_PATH}: source {source_id!r} needs period_column and period_format together")
    for entry in spec.get("download", ()):  # a pinned release's declared size and checksum
        size, digest = entry.get("bytes"), entry.get("sha256")
        if size is not None and not (isinstance(size, int) and size > 0):
            raise ValueError(f"{REGISTRY_PATH}: source {source_id!r}: download {entry.get('file')!r}: bytes must be a positive whole number")
        if digest is not None and not re.fullmatch(r"[0-9a-f]{64}", str(digest)):
            raise ValueError(f"{REGISTRY_PATH}: source {source_id!r}: download {entry.get('file')!r}: sha256 must be 64 lowercase hex digits")
    if spec.get("location", "raw") not in LOCATIONS:
        raise ValueError(f"{REGISTRY_PATH}: source {source_id!r} has unknown location {spec['location']!r}")
    period = spec.get("period") or {}
    geography = spec["geography"]
    levels = tuple(geography["level"]) if isinstance(geography["level"], list) else (geography["level"],)
    unknown_levels = [level for level in levels if level not in AREA_CODE_PATTERNS]
    if unknown_levels:
        raise ValueError(f"{REGISTRY_PATH}: source {source_id!r} has unknown geography level {unknown_levels[0]!r}")
    return Source(
        id=source_id,
        title=spec["title"],
        publisher=spec["publisher"],
        release=str(spec["release"]),
        url=spec["url"],
        licence=spec["licence"],
        attribution=spec["attribution"],
        files=tuple(spec["files"]),
        geography_levels=levels,
        geography_vintage=int(geography["vintage"]),
        key=tuple(spec["key"]),
        columns=dict(spec["columns"]),
        period_label=str(period["label"]) if period else None,
        period_start=str(period["start"]) if period else None,
        period_end=str(period["end"]) if period else None,
        required=bool(spec["required"]) and not spec.get("retired", False),
        retired=bool(spec.get("retired", False)),
        encoding=spec["encoding"],
        thousands=spec["thousands"],
        null_markers=tuple(spec["null_markers"]),
        format=spec["format"],
        downloads=tuple(spec.get("download", ())),
        period_column=spec.get("period_column"),
        period_format=spec.get("period_format"),
        max_vertices=int(spec.get("max_vertices", Source.max_vertices)),
        max_whole_file_bytes=int(spec.get("max_whole_file_bytes", Source.max_whole_file_bytes)),
        max_file_bytes=int(spec.get("max_file_bytes", Source.max_file_bytes)),
        optional_columns=optional,
        every_lsoa=bool(spec.get("every_lsoa", True)),
        location=spec.get("location", "raw"),
    )


def load_registry(path: Path = REGISTRY_PATH) -> dict[str, Source]:
    """All declared sources, by id, in file order."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    defaults = document.get("defaults", {})
    return {sid: _build(sid, spec, defaults) for sid, spec in document["sources"].items()}
