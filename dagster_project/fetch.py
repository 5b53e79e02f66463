"""`make fetch`: download the registry's published files into RAW_DIR, when online.

Each source may declare `download:` entries (url, file, and optionally bytes and sha256).
A file is written to a temporary name, checked (complete, expected size and checksum where
known) and only then renamed over the old one, so a good file is never replaced by a partial
one. FETCH_MIRROR (or --mirror) fetches every file by name from another base URL instead,
for example an internal mirror.
"""

import argparse
import hashlib
import os
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from dagster_project.defs.ingest.registry import Source, load_registry
from dagster_project.settings import get_settings


@dataclass(frozen=True)
class Download:
    source_id: str
    url: str
    file: str
    bytes: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class Fetched:
    download: Download
    status: str  # "downloaded", "unchanged" or "failed: <why>"
    sha256: str | None = None


def downloads(sources: dict[str, Source]) -> list[Download]:
    return [Download(s.id, **entry) for s in sources.values() for entry in s.downloads]


def _fetch_one(item: Download, raw_dir: Path, mirror: str | None, timeout: float) -> Fetched:
    url = f"{mirror.rstrip('/')}/{item.file}" if mirror else item.url
    target = raw_dir / item.file
    if target.resolve().parent != raw_dir.resolve():
        return Fetched(item, f"failed: file name {item.file!r} would leave {raw_dir}")
    partial = target.with_name(f".{target.name}.partial")
    digest, size = hashlib.sha256(), 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, partial.open("wb") as out:
            expected = response.headers.get("Content-Length")
            for block in iter(lambda: response.read(1 << 16), b""):
                out.write(block)
                digest.update(block)
                size += len(block)
        problems = []
        if expected is not None and int(expected) != size:
            problems.append(f"received {size} of {expected} bytes")
        if item.bytes is not None and item.bytes != size:
            problems.append(f"expected {item.bytes} bytes, received {size}")
        if item.sha256 and item.sha256 != digest.hexdigest():
            problems.append(f"sha256 {digest.hexdigest()} is not the expected {item.sha256}")
        if problems:
            raise ValueError("; ".join(problems))
    except Exception as error:  # network, HTTP and validation errors all leave the old file
        partial.unlink(missing_ok=True)
        return Fetched(item, f"failed: {url}: {error}")
    if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == digest.hexdigest():
        partial.unlink()
        return Fetched(item, "unchanged", digest.hexdigest())
    os.replace(partial, target)
    return Fetched(item, "downloaded", digest.hexdigest())


def fetch(raw_dir: Path, mirror: str | None = None, timeout: float = 60.0) -> list[Fetched]:
    """Download every declared file into raw_dir; one result per file."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    return [_fetch_one(item, raw_dir, mirror, timeout) for item in downloads(load_registry())]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror", default=os.environ.get("FETCH_MIRROR"), help="base URL to fetch files from by name")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    raw_dir = get_settings().raw_dir
    results = fetch(raw_dir, args.mirror, args.timeout)
    for r in results:
        print(f"{r.status:<12.12} {r.download.source_id:<34} {r.download.file}" if not r.status.startswith("failed")
              else f"{r.download.source_id}: {r.download.file}: {r.status}")
    failed = [r for r in results if r.status.startswith("failed")]
    print(f"{len(results) - len(failed)} of {len(results)} files fetched into {raw_dir}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
