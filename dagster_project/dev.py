"""`python -m dagster_project.dev` (what `make dev` runs): `dg dev` on this project, stopped
cleanly and promptly by SIGTERM or Ctrl-C.

The instance configuration (`dagster_instance.yaml`) is copied into DAGSTER_HOME first. `dg dev`
runs in its own process group with its webserver, daemon and code server. On SIGTERM or SIGINT
this process interrupts the whole group at once (what Ctrl-C in a terminal does), so the
services shut down in parallel; whatever is still running after `GRACE_SECONDS` is killed.
"""

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from dagster_project.settings import REPO_ROOT

INSTANCE_CONFIG = REPO_ROOT / "dagster_instance.yaml"
GRACE_SECONDS = 5.0


def prepare_home() -> Path:
    """DAGSTER_HOME (default .dagster_home) with the project's instance configuration in it."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(REPO_ROOT / ".dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(INSTANCE_CONFIG, home / "dagster.yaml")
    return home


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _adopt_orphans() -> None:
    """Become the reaper of the services when `dg dev` exits before them (Linux), so that they
    are reaped at once instead of lingering as zombies of a slow or absent init process."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def stop_group(child: subprocess.Popen, grace: float = GRACE_SECONDS) -> float:
    """Interrupt every process of the child's group; kill what remains after `grace` seconds.
    Return the seconds taken until no process of the group was left."""
    started = time.monotonic()
    if _group_alive(child.pid):
        os.killpg(child.pid, signal.SIGINT)
    while _group_alive(child.pid) and time.monotonic() - started < grace:
        child.poll()
        _reap()
        time.sleep(0.05)
    if _group_alive(child.pid):
        print(f"dev: services still running after {grace:.0f} s; killing them", file=sys.stderr, flush=True)
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    while _group_alive(child.pid):
        _reap()
        time.sleep(0.05)
    return time.monotonic() - started


def _restore_interrupt() -> None:
    # A process started in the background inherits an ignored SIGINT (and Dagster maps SIGTERM
    # onto SIGINT's handler): give the services the default, so an interrupt stops them.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def main(argv: list[str] | None = None) -> int:
    prepare_home()
    # dg warns when the active virtualenv is not the project's: this interpreter's is.
    env = {**os.environ, "VIRTUAL_ENV": sys.prefix}
    dg = Path(sys.executable).with_name("dg")
    args = sys.argv[1:] if argv is None else argv
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    _adopt_orphans()
    child = subprocess.Popen(
        [str(dg), "dev", *args], cwd=REPO_ROOT, env=env, process_group=0, preexec_fn=_restore_interrupt
    )
    while child.poll() is None and not stop.wait(0.1):
        pass
    if stop.is_set():
        seconds = stop_group(child)
        print(f"dev: stopped in {seconds:.1f} s", flush=True)
        return 0
    return child.returncode


if __name__ == "__main__":
    sys.exit(main())
