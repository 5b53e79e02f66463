"""Start the Dagster UI as `make dev` does, then stop it with SIGTERM, and print the figures.

    .venv/bin/python benchmarks/dev_server.py            # one start and stop
    .venv/bin/python benchmarks/dev_server.py --runs 3 --signal INT

Prints, per run: seconds until the webserver is serving, the warning lines printed before
that (there should be none), and seconds from the signal until no process of the server's
process group is left (webserver, daemon, code server and their children). Never asserts.
"""

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
READY = "Serving dagster-webserver"
WARNING = re.compile(r"warn", re.IGNORECASE)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def start(home: Path, port: int) -> tuple[subprocess.Popen, list[str]]:
    """`python -m dagster_project.dev` in a new process group, its output collected line by line."""
    env = {**os.environ, "DAGSTER_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "dagster_project.dev", "--port", str(port)], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
    return process, lines


def wait_ready(process: subprocess.Popen, lines: list[str], timeout: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if any(READY in line for line in list(lines)):
            return time.monotonic() - started
        if process.poll() is not None:
            return None
        time.sleep(0.2)
    return None


def stop(process: subprocess.Popen, signum: int, timeout: float = 60) -> float | None:
    """Signal the launcher only (as `kill PID` or a service manager would); seconds until its
    whole process group has gone, or None after `timeout`."""
    started = time.monotonic()
    process.send_signal(signum)
    while time.monotonic() - started < timeout:
        process.poll()
        if not group_alive(process.pid):
            return time.monotonic() - started
        time.sleep(0.05)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--signal", default="TERM", choices=["TERM", "INT"])
    parser.add_argument("--ready-timeout", type=float, default=240)
    args = parser.parse_args()
    signum = getattr(signal, f"SIG{args.signal}")
    print(f"{'run':>4}{'ready s':>10}{'warnings':>10}{'stop s':>9}  (SIG{args.signal})")
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="dev-home-") as home:
            process, lines = start(Path(home), free_port())
            ready = wait_ready(process, lines, args.ready_timeout)
            warnings = [line.rstrip() for line in list(lines) if WARNING.search(line)]
            seconds = stop(process, signum)
            if seconds is None:
                os.killpg(process.pid, signal.SIGKILL)
            print(f"{run:>4}{ready if ready is None else round(ready, 1)!s:>10}{len(warnings):>10}"
                  f"{'>60' if seconds is None else f'{seconds:.1f}':>9}")
            for line in warnings:
                print(f"      warning: {line}")
            if ready is None:
                print("      not ready; output:\n      " + "      ".join(lines[-20:]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
