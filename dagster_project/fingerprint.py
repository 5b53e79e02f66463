"""The build's fingerprint: one digest of everything a build depends on (the raw files, the code,
the configuration, the councils file, the output paths, installed tool versions and today's
date), so that `python -m dagster_project.run` can say "nothing changed" before it imports
Dagster, dbt or GX. Standard library and the settings only: importing this module is cheap.

Files are compared by size and modification time first; only a file whose size or time
changed is hashed again (sha256), so an unchanged rerun reads no data and a touched but
unchanged file still matches. The record lives beside the warehouse and is written only after
a successful run, with the fingerprint taken before that run began.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from importlib import metadata
from pathlib import Path

from dagster_project.inputs import as_of, files_under
from dagster_project.regular_files import not_regular, open_regular, regular_stat
from dagster_project.settings import REPO_ROOT, Settings, get_settings

# What the build runs: code and configuration under the repository (build outputs excluded).
CODE_ROOTS = ("dagster_project", "dbt", "expectations", "site", "config", "data/reference", "pyproject.toml",
              "dagster_instance.yaml")
TOOLS = ("dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb", "great_expectations", "jinja2", "pandas", "numpy")
ENVIRONMENT = ("RAW_DIR", "WAREHOUSE", "SITE_DIR", "COUNCILS_CONFIG")


@dataclass
class Fingerprint:
    digest: str
    files: dict[str, list] = field(default_factory=dict)  # key -> [size, mtime_ns, sha256]


def record_path(settings: Settings) -> Path:
    return settings.warehouse.with_name(f"{settings.warehouse.name}.fingerprint.json")


def _sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with open_regular(path) as handle:
        while chunk := handle.read(1 << 20):
            hasher.update(chunk)
    return hasher.hexdigest()


def _versions() -> list[str]:
    found = []
    for tool in TOOLS:
        try:
            found.append(f"{tool}=={metadata.version(tool)}")
        except metadata.PackageNotFoundError:
            found.append(f"{tool} absent")
    return found


def compute(settings: Settings | None = None, known: dict[str, list] | None = None, today: date | None = None) -> Fingerprint:
    """The fingerprint now; ``known`` (a previous record's files) saves hashing files whose size
    and modification time are unchanged."""
    settings = settings or get_settings()
    known = known or {}
    councils = Path(os.environ.get("COUNCILS_CONFIG") or REPO_ROOT / "config" / "councils.yml").expanduser()
    sources = [("raw", settings.raw_dir, settings.raw_dir), ("councils", councils, councils.parent)]
    sources += [("code", REPO_ROOT / name, REPO_ROOT) for name in CODE_ROOTS]
    files: dict[str, list] = {}
    for kind, root, base in sources:
        if not root.exists():
            files[f"{kind}:{root} (absent)"] = [0, 0, ""]
            continue
        for path in files_under(root, outputs=settings.site_dir.absolute() if kind == "code" else None):
            key = f"{kind}:{path.relative_to(base)}"
            stat = regular_stat(path)
            if stat is None:  # a link (to /dev/zero, say) or a pipe is recorded as what it is, never read
                files[key] = [0, 0, not_regular(path) or "is not a regular file"]
                continue
            previous = known.get(key)
            same = previous and previous[:2] == [stat.st_size, stat.st_mtime_ns]
            files[key] = [stat.st_size, stat.st_mtime_ns, previous[2] if same else _sha256(path)]
    hasher = hashlib.sha256()
    context = [str(today or as_of()), *_versions(), *(f"{v}={os.environ.get(v, '')}" for v in ENVIRONMENT),
               f"raw_dir={settings.raw_dir}", f"warehouse={settings.warehouse}", f"site_dir={settings.site_dir}"]
    for line in context + [f"{key}\t{entry[2]}" for key, entry in sorted(files.items())]:
        hasher.update(line.encode() + b"\n")
    return Fingerprint(hasher.hexdigest(), files)


def read(settings: Settings) -> dict | None:
    """The last successful build's record, or None."""
    try:
        return json.loads(record_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def unchanged_since(settings: Settings | None = None) -> str | None:
    """When the published build was made, if nothing changed since; otherwise (or when it cannot
    be trusted) None. Trusted only when the published warehouse and site exist, no publish is
    half done, no candidate is left over and the published site names this record's run."""
    settings = settings or get_settings()
    record = read(settings)
    if not record or record.get("digest") != compute(settings, record.get("files")).digest:
        return None
    leftovers = [*settings.warehouse.parent.glob(f"{settings.warehouse.name}.candidate-*"),
                 settings.warehouse.with_name(f"{settings.warehouse.name}.publishing.json")]
    try:  # the published site is this record's build (not one a Dagster UI run published since)
        shown = json.loads((settings.site_dir / "build-info.json").read_text(encoding="utf-8")).get("warehouse", "")
    except (OSError, ValueError):
        shown = ""
    published = settings.warehouse.is_file() and (settings.site_dir / "index.html").is_file()
    if not published or not shown.endswith(f"candidate-{record.get('run_id', '')[:8]}") or any(p.exists() for p in leftovers):
        return None
    return record.get("built")


def save(settings: Settings, fingerprint: Fingerprint, run_id: str) -> None:
    """Record the fingerprint a successful run started from (atomically)."""
    path = record_path(settings)
    partial = path.with_name(path.name + ".partial")
    built = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    partial.write_text(json.dumps({"digest": fingerprint.digest, "built": built, "run_id": run_id,
                                   "files": fingerprint.files}), encoding="utf-8")
    os.replace(partial, path)

