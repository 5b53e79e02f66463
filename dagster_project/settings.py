"""Paths the pipeline reads and writes, from RAW_DIR, WAREHOUSE and SITE_DIR, and the councils
it publishes, from config/councils.yml (or COUNCILS_CONFIG)."""

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
SITE_SOURCE_DIR = REPO_ROOT / "site"
DEFAULT_COUNCILS_CONFIG = REPO_ROOT / "config" / "councils.yml"
_LA_CODE = re.compile(r"^E0[6-9]\d{6}$")


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
    """Read the three locations from the environment, defaulting to the bundled layout."""
    return Settings(
        raw_dir=_path("RAW_DIR", REPO_ROOT / "data" / "raw"),
        warehouse=_path("WAREHOUSE", REPO_ROOT / "data" / "warehouse.duckdb"),
        site_dir=_path("SITE_DIR", REPO_ROOT / "site" / "build"),
    )


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


def get_councils_config() -> CouncilsConfig:
    """Read COUNCILS_CONFIG (default config/councils.yml); a clear error names the file and key."""
    path = _path("COUNCILS_CONFIG", DEFAULT_COUNCILS_CONFIG)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the councils configuration ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(document, dict):
        raise ValueError(f"{path}: expected a mapping with site_title and councils")
    title = document.get("site_title")
    if not isinstance(title, str) or not title.strip():
        raise ValueError(f"{path}: site_title must be a non-empty string")
    entries = document.get("councils")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: councils must be a non-empty list")
    councils, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: councils entry {number}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected a mapping with la_code")
        code = str(entry.get("la_code", "")).strip()
        if not _LA_CODE.match(code):
            raise ValueError(f"{where}: la_code {code!r} is not an English local authority code (E06, E07, E08 or E09 and 6 digits)")
        if code in seen:
            raise ValueError(f"{where}: la_code {code} is listed twice")
        missions = entry.get("missions") or []
        if not isinstance(missions, list) or not all(isinstance(m, str) for m in missions):
            raise ValueError(f"{where}: missions must be a list of mission ids")
        strategy = entry.get("strategy")
        if strategy is not None and (not isinstance(strategy, str) or not strategy.strip()):
            raise ValueError(f"{where}: strategy must be a non-empty string when given")
        website = entry.get("website")
        if website is not None and (not isinstance(website, str) or not re.match(r"https://[^\s\"'<>]+\Z", website.strip())):
            raise ValueError(f"{where}: website must be an https:// address when given")
        seen.add(code)
        councils.append(Council(code, tuple(missions), strategy.strip() if strategy else None,
                                website.strip() if website else None))
    return CouncilsConfig(path, title.strip(), tuple(councils))
