"""The one rule for every file the build reads or replaces: a regular file itself. A symbolic
link is never followed (a link to /dev/zero would be read for ever, one to a file outside the
inputs would publish it) and a pipe, socket or device is never read (it would block or never
end). Standard library only: cheap to import.

- ``kind(path)``: "file", "link", "folder", "special" or "absent", from one lstat;
- ``is_regular(path)``: whether it is a regular file itself (the test to filter a listing with);
- ``not_regular(path)``: why a path may not be read, or None for a regular file;
- ``regular_stat(path)``: a regular file's own size and time (its lstat), or None for anything else;
- ``open_regular(path)``: open it for reading, refusing a link or special file atomically
  (O_NOFOLLOW, then fstat), so a file swapped for a link after the check is still refused.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO


class NotRegularFile(OSError):
    """A path that is not a regular file itself; the message names it and says why."""


def kind(path: Path) -> str:
    """What the path itself is (a link is not followed)."""
    try:
        return _kind_of(os.lstat(path).st_mode)
    except FileNotFoundError:
        return "absent"


def _kind_of(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "folder"
    return "file" if stat.S_ISREG(mode) else "special"


def not_regular(path: Path) -> str | None:
    """Why the path may not be read (a sentence to follow its name), or None for a regular file."""
    found = kind(path)
    if found == "link":
        return f"is a symbolic link (to {os.readlink(path)}); links are never followed: put the file itself there"
    return _WHY.get(found)


_WHY = {
    "special": "is not a regular file (a pipe, socket or device); it is never read: put the file itself there",
    "folder": "is a folder, not a file",
    "absent": "does not exist",
}


def is_regular(path: Path) -> bool:
    """Whether the path is a regular file itself (not a link, folder or special file)."""
    return kind(path) == "file"


def regular_stat(path: Path) -> os.stat_result | None:
    """The path's own stat when it is a regular file (one lstat, never following a link), else None."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return None
    return found if stat.S_ISREG(found.st_mode) else None


def open_regular(path: Path) -> BinaryIO:
    """The file opened for reading in binary; NotRegularFile when it is not a regular file itself."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        why = not_regular(path)
        if why:
            raise NotRegularFile(f"{path}: {why}") from None
        raise error
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):  # what was opened, not what the path names now
        os.close(fd)
        raise NotRegularFile(f"{path}: {_WHY[_kind_of(mode)]}")
    return os.fdopen(fd, "rb")
