"""Content-hash cache: outputs whose inputs are unchanged are not rendered again.

Every output (a page with its CSV files, the data downloads, the search index) has a key
and a digest of everything it is made from. The cache folder keeps a manifest
``{key: {"digest", "files": {path: [sha256, size]}}}`` and each output file once, by
content, under ``blobs/``. A later build with the same digest for a key renders nothing:
its files are left in place when the output folder already holds them with the same content
(same sha256) and are otherwise copied from the blobs, so a fresh output folder is filled
without rendering too. A new blob is a hard link to the file just written (a copy where the
file system cannot link): the build never rewrites a file in place, so its content stays as
recorded. A blob whose content no longer matches its sha256 is a cache miss (and is dropped): a
published file edited by hand (which edits its blob too), or a tampered cache, is never
republished; the rebuild renders it again from the code and data. Files are restored from the
blobs as copies.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from pathlib import Path

MANIFEST = "manifest.json"
FORMAT = 1


def digest(*parts) -> str:
    """A stable digest of Python values (tuples of str/numbers/dates/None, bytes)."""
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else pickle.dumps(part, protocol=5)
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def replace_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` as a new file (never in place: the old one may be a cache link)."""
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _file_sha256(path: Path) -> str:
    """The file's SHA-256, read a block at a time (a download's CSV may be a gigabyte)."""
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _sha256(path: Path) -> str | None:
    try:
        return _file_sha256(path)
    except OSError:
        return None


def _holds(path: Path, sha: str, size: int) -> bool:
    try:
        return path.stat().st_size == size and _sha256(path) == sha
    except OSError:
        return False


class OutputCache:
    """The cache for one build of one output folder; `cache_dir=None` caches nothing."""

    def __init__(self, cache_dir: Path | None, out_dir: Path):
        self.dir, self.out = (Path(cache_dir) if cache_dir else None), out_dir
        self.old: dict[str, dict] = {}
        self.new: dict[str, dict] = {}
        self.same_out = False  # did the last build write into this same folder?
        if self.dir is not None:
            try:
                data = json.loads((self.dir / MANIFEST).read_text(encoding="utf-8"))
                if data.get("format") == FORMAT:
                    self.old = data["entries"]
                    self.same_out = data.get("out") == str(out_dir.resolve())
            except (OSError, ValueError, KeyError):
                self.old = {}

    @property
    def enabled(self) -> bool:
        return self.dir is not None

    def _blob(self, sha: str) -> Path:
        return self.dir / "blobs" / sha[:2] / sha

    def hit(self, key: str, key_digest: str) -> dict[str, list] | None:
        """The files of `key` when its digest is unchanged, put back in the output if missing."""
        if self.dir is None:
            return None
        entry = self.old.get(key)
        if not entry or entry["digest"] != key_digest:
            return None
        files = entry["files"]
        missing = [(rel, sha) for rel, (sha, size) in files.items()
                   if not (self.same_out and _holds(self.out / rel, sha, size))]
        for _, sha in missing:
            if _sha256(self._blob(sha)) != sha:
                self._blob(sha).unlink(missing_ok=True)  # tampered or damaged: render again
                return None
        for rel, sha in missing:
            target = self.out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
            shutil.copyfile(self._blob(sha), tmp)
            os.replace(tmp, target)
        self.new[key] = entry
        return files

    def record(self, key: str, key_digest: str, files: dict[str, bytes | None]) -> None:
        """Remember the files `key` produced ({path: content}, or None for a file written by someone
        else, which is read from the output a block at a time, never whole)."""
        if self.dir is None:
            return
        entry = {}
        for rel, content in files.items():
            target = self.out / rel
            if content is None:
                sha, size = _file_sha256(target), target.stat().st_size
            else:
                sha, size = hashlib.sha256(content).hexdigest(), len(content)
            self._store(target, self._blob(sha))
            entry[rel] = [sha, size]
        self.new[key] = {"digest": key_digest, "files": entry}

    @staticmethod
    def _store(target: Path, blob: Path) -> None:
        """Keep `target`, just written, as `blob` (unless stored already): a hard link, not a
        second write, or a copy where the file system cannot link."""
        blob.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(target, blob)
            return
        except FileExistsError:
            return  # stored by an earlier page, build or render worker
        except OSError:
            pass  # no links here: a copy
        tmp = blob.with_name(f"{blob.name}.tmp-{os.getpid()}")
        shutil.copyfile(target, tmp)
        os.replace(tmp, blob)

    def finish(self) -> list[str]:
        """Save the manifest, drop unreferenced blobs; return files the last build wrote into
        this same folder that this build did not (the caller removes them)."""
        if self.dir is None:
            return []
        gone = sorted({rel for e in self.old.values() for rel in e["files"]}
                      - {rel for e in self.new.values() for rel in e["files"]}) if self.same_out else []
        self.dir.mkdir(parents=True, exist_ok=True)
        data = {"format": FORMAT, "out": str(self.out.resolve()), "entries": self.new}
        replace_file(self.dir / MANIFEST, json.dumps(data, sort_keys=True).encode("utf-8"))
        keep = {sha for e in self.new.values() for sha, _ in e["files"].values()}
        blobs = self.dir / "blobs"
        if blobs.is_dir():
            for folder in blobs.iterdir():
                for blob in folder.iterdir():
                    if blob.name not in keep:
                        blob.unlink()
        return gone
