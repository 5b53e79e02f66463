"""Many parts in one Dagster step (every source's load, every suite): each part runs even when an
earlier one failed, as separate steps did, and the step fails at the end, naming every failure."""

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class PartsFailed(Exception):
    """More than one part of a step failed: one line each."""


class Parts:
    """The failures of one step's parts, kept until the step ends."""

    def __init__(self):
        self.failed: list[tuple[str, Exception]] = []

    def run(self, name: str, action: Callable[..., T], *args, **kwargs) -> T | None:
        """`action(*args, **kwargs)`, or None when it raised (the error is kept for `finish`)."""
        try:
            return action(*args, **kwargs)
        except Exception as error:
            self.failed.append((name, error))
            return None

    def finish(self) -> None:
        """Raise the one error as it was, or every error in one (the step then fails)."""
        if len(self.failed) == 1:
            raise self.failed[0][1]
        if self.failed:
            lines = [f"{name}: {type(error).__name__}: {error}" for name, error in self.failed]
            raise PartsFailed(f"{len(lines)} parts failed:\n" + "\n".join(lines)) from self.failed[0][1]
