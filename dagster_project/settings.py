"""Paths the pipeline reads and writes, from RAW_DIR, WAREHOUSE and SITE_DIR, and the councils
it publishes, from config/councils.yml (or COUNCILS_CONFIG)."""

import csv
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from dagster_project.regular_files import NotRegularFile, open_regular

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt"
# The expectation suites (EXPECTATIONS_DIR: another folder of suites, e.g. a stricter copy)
EXPECTATIONS_DIR = Path(os.environ.get("EXPECTATIONS_DIR") or REPO_ROOT / "expectations").resolve()
SITE_SOURCE_DIR = REPO_ROOT / "site"
DEFAULT_COUNCILS_CONFIG = REPO_ROOT / "config" / "councils.yml"
_LA_CODE = re.compile(r"^E0[6-9]\d{6}$")
# embeddings, overrides and isolates: they reorder the text shown around them
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class ConfigurationError(ValueError):
    """A setting the build cannot run with. The message names where it is set (the environment
    variable, or the file and its entry and key) and what is wrong, as an IngestError names the
    file, row and column; callers report it and start nothing."""


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    warehouse: Path
    site_dir: Path


def _path(var: str, default: Path) -> Path:
    """An absolute path; its last part is not resolved, as SITE_DIR is a symbolic link that
    each publish switches (resolving it would point at one build)."""
    value = os.environ.get(var)
    if not value:
        return default
    path = Path(value).expanduser()
    return path.parent.resolve() / path.name


def get_settings() -> Settings:
    """Read the three locations from the environment, defaulting to the bundled layout; they
    must not overlap (check_locations)."""
    settings = Settings(
        raw_dir=_path("RAW_DIR", REPO_ROOT / "data" / "raw"),
        warehouse=_path("WAREHOUSE", REPO_ROOT / "data" / "warehouse.duckdb"),
        site_dir=_path("SITE_DIR", REPO_ROOT / "site" / "build"),
    )
    check_locations(settings)
    return settings


def check_locations(settings: Settings) -> None:
    """ConfigurationError when the locations overlap: a site in or around RAW_DIR (a publish would replace
    or publish the input files), or a warehouse inside SITE_DIR (published beside the pages, with
    the counts they withhold, and swept away by the next publish) or inside RAW_DIR (an input)."""
    def forms(path: Path) -> set[Path]:
        return {path, path.resolve()}

    def inside(path: Path, folder: Path) -> bool:
        return any(p == f or p.is_relative_to(f) for p in forms(path) for f in forms(folder))

    raw, warehouse, site = settings.raw_dir, settings.warehouse, settings.site_dir
    if inside(site, raw) or inside(raw, site):
        raise ConfigurationError(f"SITE_DIR {site} and RAW_DIR {raw} overlap: a publish would replace or publish the input files")
    if inside(warehouse, site):
        raise ConfigurationError(f"WAREHOUSE {warehouse} is inside SITE_DIR {site}: the warehouse holds the counts the site "
                         "withholds and must never be published; put it beside the site")
    if inside(warehouse, raw):
        raise ConfigurationError(f"WAREHOUSE {warehouse} is inside RAW_DIR {raw}: it would be read as an input file")


@dataclass(frozen=True)
class Council:
    la_code: str
    missions: tuple[str, ...]
    strategy: str | None = None  # the council's own strategy name (e.g. "Progress with Unity"), shown on its pages only
    website: str | None = None  # the council's web address, for the accessibility statement's contact links


@dataclass(frozen=True)
class CouncilsConfig:
    """The site's title and the councils to publish (names come from the data)."""

    path: Path
    site_title: str
    councils: tuple[Council, ...]

    @property
    def la_codes(self) -> list[str]:
        return [council.la_code for council in self.councils]


MISSIONS_SEED = DBT_PROJECT_DIR / "seeds" / "missions.csv"
_MISSION_ID = re.compile(r"[a-z0-9_]+\Z")
# The schema's bounds: a title or strategy name is a line of a page heading, not a document.
MAX_TITLE = 120
MAX_CONFIG_BYTES = 1_000_000
MAX_COUNCILS = 400  # England has 296 local authorities
_KEYS = {"site_title", "councils"}
_COUNCIL_KEYS = {"la_code", "missions", "strategy", "website"}


def known_missions() -> list[str]:
    """The mission ids of dbt/seeds/missions.csv, the only ids a council may track."""
    with MISSIONS_SEED.open(encoding="utf-8", newline="") as handle:
        return [row["mission_id"] for row in csv.DictReader(handle)]


def _text(value, where: str, what: str) -> str:
    """A one-line, non-empty text of at most MAX_TITLE characters."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{where}: {what} must be a non-empty string")
    value = value.strip()
    if len(value) > MAX_TITLE:
        raise ConfigurationError(f"{where}: {what} is {len(value):,} characters long; at most {MAX_TITLE} are allowed")
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in _BIDI_CONTROLS for c in value):
        raise ConfigurationError(f"{where}: {what} must be one line of text without control characters "
                         "(line or paragraph separators and text-direction overrides included)")
    return value


def _missions(value, where: str, known: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        raise ConfigurationError(f"{where}: missions must be a list of mission ids")
    for mission in value:
        if not _MISSION_ID.match(mission):
            raise ConfigurationError(f"{where}: mission id {mission[:80]!r} may hold only a-z, 0-9 and _")
        if mission not in known:
            raise ConfigurationError(f"{where}: mission id {mission!r} is not in {MISSIONS_SEED.name} (known: {', '.join(known)})")
    if len(set(value)) != len(value):
        raise ConfigurationError(f"{where}: a mission is listed twice")
    return tuple(value)


def get_councils_config() -> CouncilsConfig:
    """Read COUNCILS_CONFIG (default config/councils.yml), validated against its schema: only the
    keys site_title and councils (la_code, missions, strategy, website), codes of English local
    authorities, mission ids of missions.csv, one-line texts of bounded length. A clear error
    names the file and key."""
    path = _path("COUNCILS_CONFIG", DEFAULT_COUNCILS_CONFIG)
    try:
        with open_regular(path) as handle:
            text = handle.read(MAX_CONFIG_BYTES + 1).decode("utf-8")
    except NotRegularFile as exc:
        raise ConfigurationError(f"the councils configuration {exc}") from None
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot read the councils configuration ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"{path}: not UTF-8 text") from None
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigurationError(f"{path}: {len(text):,} characters is far too long for a councils configuration")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(document, dict):
        raise ConfigurationError(f"{path}: expected a mapping with site_title and councils")
    if unknown := sorted(map(str, set(document) - _KEYS)):
        raise ConfigurationError(f"{path}: unknown key(s) {', '.join(unknown)} (expected site_title and councils)")
    title = _text(document.get("site_title"), str(path), "site_title")
    entries = document.get("councils")
    if not isinstance(entries, list) or not entries:
        raise ConfigurationError(f"{path}: councils must be a non-empty list")
    if len(entries) > MAX_COUNCILS:
        raise ConfigurationError(f"{path}: {len(entries)} councils listed; at most {MAX_COUNCILS}")
    known = known_missions()
    councils, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: councils entry {number}"
        if not isinstance(entry, dict):
            raise ConfigurationError(f"{where}: expected a mapping with la_code")
        if unknown := sorted(map(str, set(entry) - _COUNCIL_KEYS)):
            raise ConfigurationError(f"{where}: unknown key(s) {', '.join(unknown)} (expected la_code, missions, strategy, website)")
        code = entry.get("la_code")
        if not isinstance(code, str) or not _LA_CODE.match(code.strip()):
            raise ConfigurationError(f"{where}: la_code {str(code)[:80]!r} is not an English local authority code (E06, E07, E08 or E09 and 6 digits)")
        code = code.strip()
        if code in seen:
            raise ConfigurationError(f"{where}: la_code {code} is listed twice")
        missions = _missions(entry.get("missions"), where, known)
        strategy = entry.get("strategy")
        strategy = None if strategy is None else _text(strategy, where, "strategy")
        website = entry.get("website")
        if website is not None and (not isinstance(website, str) or len(website) > 300
                                    or not re.match(r"https://[^\s\"'<>]+\Z", website.strip())):
            raise ConfigurationError(f"{where}: website must be an https:// address of at most 300 characters when given")
        seen.add(code)
        councils.append(Council(code, missions, strategy, website.strip() if website else None))
    return CouncilsConfig(path, title, tuple(councils))
