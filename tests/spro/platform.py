"""The embedded platform (`manage.py runplatform`) run for real, as a subprocess, for the tests of
its restarts (test_runplatform.py) and of its broker (test_embedded_broker.py).

It runs as `make run` does (DEBUG=1, file-system broker, SQLite), in a temporary data folder, with
the settings of tests/spro/platform_settings.py, which add the test-only task below to its worker.
Linux only: the children are found in /proc.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from celery import shared_task

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# The machine may be busy: generous deadlines, but each wait ends as soon as its condition holds.
DEADLINE = 90


@shared_task(bind=True)
def interruptible(self, folder: str) -> None:
    """Record each run in `folder`/runs ("<worker pid> <redelivered>"), wait for `folder`/release,
    then write `folder`/finished: a test kills the worker in between, then releases the task."""
    folder = Path(folder)
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    with open(folder / "runs", "a") as runs:
        runs.write(f"{os.getpid()} {redelivered}\n")
    deadline = time.monotonic() + 2 * DEADLINE
    while not (folder / "release").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("The test never released the task.")
        time.sleep(0.05)
    (folder / "finished").write_text(str(os.getpid()))


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    pgrp: int
    state: str
    cmdline: str


def processes() -> list[Proc]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError):
            text = stat.read_text()
            state, ppid, pgrp = text.rpartition(")")[2].split()[:3]
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            found.append(Proc(int(stat.parent.name), int(ppid), int(pgrp), state, cmdline))
    return found


def wait_for(condition, what: str, platform: "Platform | None" = None, timeout: float = DEADLINE):
    """Poll `condition` until it returns something true, and return that; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            output = platform.output()[-5000:] if platform else ""
            raise AssertionError(f"Waited {timeout} s for: {what}\n--- platform output ---\n{output}")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Platform:
    """`manage.py runplatform` in its own data folder, its output in a log file."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = free_port()
        self.log_path = data_dir / "platform.log"
        self.process: subprocess.Popen | None = None
        self.groups: set[int] = set()  # Every child's process group seen, to check they all end.

    def start(self) -> "Platform":
        # As `make run`: no test mode, and the file-system broker whatever the CI provides.
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"SPRO_TESTING", "DATABASE_URL", "REDIS_URL"} and not key.startswith("CELERY_")
        }
        env.update(
            DJANGO_SETTINGS_MODULE="tests.spro.platform_settings",
            SPRO_DATA_DIR=str(self.data_dir),
            DATABASE_URL=f"sqlite:///{self.data_dir / 'spro.sqlite3'}",
            REDIS_URL="",  # Set but empty: a developer's .env cannot fill it in.
            DEBUG="1",
            PYTHONUNBUFFERED="1",
        )
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "runplatform", "--port", str(self.port)],
                cwd=BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def children(self) -> dict[str, int]:
        """The living web and worker processes started by the command, by name."""
        found = {}
        for proc in processes():
            if proc.ppid != self.process.pid or proc.state == "Z":
                continue
            name = (
                "worker" if " celery " in proc.cmdline else "web" if " runserver " in proc.cmdline else None
            )
            if name:
                found[name] = proc.pid
                self.groups.add(proc.pgrp)
        return found

    def child(self, name: str, other_than: int | None = None) -> int:
        """Wait for the child `name` to be alive (and not to be `other_than`); return its pid."""

        def alive():
            pid = self.children().get(name)
            return pid if pid and pid != other_than else None

        return wait_for(alive, f"a living {name} process other than {other_than}", self)

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as response:
                return response.status == 200
        except (OSError, urllib.error.URLError):
            return False

    def worker_ready_count(self) -> int:
        return self.output().count(" ready.")

    def leftovers(self) -> list[Proc]:
        """Living processes in any child's process group (the worker's beat included)."""
        return [proc for proc in processes() if proc.pgrp in self.groups and proc.state != "Z"]

    def terminate(self, timeout: float = DEADLINE) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def cleanup(self) -> None:
        """After a failed test: nothing may outlive it."""
        if self.process and self.process.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.terminate()
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        for group in self.groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
