"""The embedded mode in one command: Django's web server and a Celery worker with its beat.

Both run as child processes, each in its own session (process group), so that this command alone
decides when they stop: on Ctrl-C or SIGTERM it asks both to stop (the worker finishes its current
task), waits a little, then kills what is left.

A child that dies on its own (a crash, the OOM killer, a stray `kill -9`) is started again, after a
delay that doubles from one crash to the next (1 s, 2 s, 4 s… up to 30 s) and starts again from 1 s
once the child has stayed up a minute; whatever the dead child left in its process group (the
worker's beat) is stopped first, so that two beats never run at once. A child that dies
`CRASH_LIMIT` times within `CRASH_WINDOW` seconds is given up on: the command stops everything and
says so, since a child that cannot stay up (a port already taken, a broken configuration) needs a
human, not an endless loop. A task cut short by the worker's death runs again once the worker is
back: the embedded broker keeps a message until it is acknowledged (spro/broker.py).
"""

import argparse
import contextlib
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from network import demo

# How long each child may take to stop after SIGTERM before it is killed.
WEB_STOP_TIMEOUT = 10
WORKER_STOP_TIMEOUT = 30

# Restarts: the first delay, doubled after each crash up to the maximum; a child that stayed up
# STABLE_UPTIME seconds starts again from the first delay.
RESTART_FIRST_DELAY = 1.0
RESTART_MAX_DELAY = 30.0
STABLE_UPTIME = 60.0
# A child that dies this many times within this many seconds is given up on.
CRASH_LIMIT = 5
CRASH_WINDOW = 60.0
# How often the children are checked.
POLL_INTERVAL = 0.5

LABELS = {"web": "Le serveur web", "worker": "Le worker"}

# Where the web server listens unless told otherwise (--host, --port; `make run RUN_ARGS="…"`).
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# Addresses that listen on every interface: a browser reaches them through the loopback.
ANY_ADDRESS = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1", "[::]": "::1"}


def platform_url(host: str, port: int) -> str:
    """The address a browser on this machine opens for a server listening on host:port."""
    host = ANY_ADDRESS.get(host, host).strip("[]")
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def address_from_run_args(run_args: str) -> tuple[str, int]:
    """The host and port this command listens on when given `run_args` (the Makefile's RUN_ARGS)."""
    parser = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    try:
        known, _rest = parser.parse_known_args(shlex.split(run_args or ""))
    except (argparse.ArgumentError, ValueError):
        return DEFAULT_HOST, DEFAULT_PORT
    return known.host, known.port


def demo_platform_url(environ=None) -> str:
    """The platform's address, as `seed_demo` announces it before `make run` starts the platform:
    the one RUN_ARGS makes runplatform listen on; without RUN_ARGS, the configured SPRO_BASE_URL
    when one is given; otherwise the default address."""
    environ = os.environ if environ is None else environ
    if "RUN_ARGS" in environ:
        return platform_url(*address_from_run_args(environ["RUN_ARGS"]))
    if environ.get("SPRO_BASE_URL"):
        return environ["SPRO_BASE_URL"].rstrip("/") + "/"
    return platform_url(DEFAULT_HOST, DEFAULT_PORT)


@contextlib.contextmanager
def children_base_url(host: str, port: int):
    """While the block runs, the children started inherit SPRO_BASE_URL: the links of the e-mails
    they send point at the address the web server listens on, unless SPRO_BASE_URL is given (a
    proxy in front, say). Yields the base URL the children use."""
    given = os.environ.get("SPRO_BASE_URL")
    if given:
        yield given.rstrip("/")
        return
    os.environ["SPRO_BASE_URL"] = platform_url(host, port).rstrip("/")
    try:
        yield os.environ["SPRO_BASE_URL"]
    finally:
        if given is None:
            os.environ.pop("SPRO_BASE_URL", None)
        else:
            os.environ["SPRO_BASE_URL"] = given


def worker_command() -> list[str]:
    """A single-process worker with the beat scheduler embedded: enough for one machine."""
    return [
        sys.executable,
        "-m",
        "celery",
        "--app",
        "spro",
        "worker",
        "--beat",
        "--schedule",
        str(Path(settings.DATA_DIR) / "celerybeat-schedule"),
        "--loglevel",
        "INFO",
        "--pool",
        "solo",
        "--concurrency",
        "1",
        "--hostname",
        "embedded@%h",
        # Gossip, mingle and heartbeats are for clusters of workers; alone, they only slow the stop.
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]


def web_command(host: str, port: int, reload: bool) -> list[str]:
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "runserver", address]
    if ":" in host:
        command.append("--ipv6")
    if not reload:
        command.append("--noreload")
    return command


def prepare_embedded_folders() -> None:
    """The file-system broker and result backend need their folders before the first message."""
    folders = [Path(settings.DATA_DIR)]
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS or {}
    for key in ("data_folder_in", "data_folder_out", "unacked_folder", "processed_folder"):
        if options.get(key):
            folders.append(Path(options[key]))
    backend = settings.CELERY_RESULT_BACKEND or ""
    if backend.startswith("file://"):
        folders.append(Path(backend.removeprefix("file://")))
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)


def _die_with_parent():  # pragma: no cover - runs in the child, between fork and exec.
    # If this command is killed outright (SIGKILL), the kernel still stops the children.
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start(command: list[str]) -> subprocess.Popen:
    kwargs = {"start_new_session": True}
    if sys.platform.startswith("linux"):
        kwargs["preexec_fn"] = _die_with_parent
    return subprocess.Popen(command, **kwargs)


def stop(process: subprocess.Popen, timeout: float) -> int:
    """SIGTERM to the child's whole process group (the worker has its beat), SIGKILL if it lingers.

    Returns once the whole group is gone: a restarted worker must not meet the old one's beat.
    """
    if process.poll() is None:
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()
    # The leader is gone; whatever it left in its group (the beat process) goes too.
    _clear_group(process.pid, timeout)
    return process.returncode


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def _group_alive(pgid: int) -> bool:
    # Orphans of the group are handed to this command when it runs as PID 1 (in a container) or as
    # a subreaper: reap them, or as zombies they would keep the group "alive" for ever.
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-pgid, os.WNOHANG)[0]:
            pass
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _only_zombies(pgid)


def _only_zombies(pgid: int) -> bool:
    """Whether every process left in the group is a zombie, which only its parent can reap (an init
    that does not reap, say): such a group has stopped. Linux only; elsewhere, it is taken as alive."""
    proc = Path("/proc")
    if not proc.is_dir():
        return False
    for stat in proc.glob("[0-9]*/stat"):
        try:
            # "pid (command) state ppid pgrp …": the command may contain spaces and parentheses.
            state, _, pgrp = stat.read_text().rpartition(")")[2].split()[:3]
        except (OSError, ValueError):
            continue
        if int(pgrp) == pgid and state != "Z":
            return False
    return True


def _clear_group(pgid: int, timeout: float) -> None:
    """Stop what is left of a process group whose leader is gone: SIGTERM, then SIGKILL."""
    for signum in (signal.SIGTERM, signal.SIGKILL):
        _signal_group(pgid, signum)
        deadline = time.monotonic() + timeout
        while _group_alive(pgid):
            if time.monotonic() >= deadline:
                break  # On to SIGKILL; after SIGKILL, nothing more can be done.
            time.sleep(0.05)
        else:
            return  # The group is empty.


class Child:
    """One supervised child process, with its restart bookkeeping."""

    def __init__(self, name: str, command: list[str], stop_timeout: float):
        self.name, self.command, self.stop_timeout = name, command, stop_timeout
        self.label = LABELS.get(name, f"Le processus « {name} »")
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0
        self.restart_at: float | None = None  # Set while a restart waits for its delay.
        self.next_delay = RESTART_FIRST_DELAY
        self.crashes: deque[float] = deque()

    def start(self) -> None:
        # Called from the main thread only: PR_SET_PDEATHSIG fires when the *thread* that started
        # the child ends, and the main thread lives as long as this command.
        self.process = start(self.command)
        self.started_at = time.monotonic()
        self.restart_at = None

    def stop(self) -> int | None:
        return stop(self.process, self.stop_timeout) if self.process else None

    def crashed(self, now: float) -> float | None:
        """Record a crash; return the delay before the restart, or None to give up."""
        if now - self.started_at >= STABLE_UPTIME:
            self.next_delay = RESTART_FIRST_DELAY
        self.crashes.append(now)
        while self.crashes and self.crashes[0] <= now - CRASH_WINDOW:
            self.crashes.popleft()
        if len(self.crashes) >= CRASH_LIMIT:
            return None
        delay, self.next_delay = self.next_delay, min(self.next_delay * 2, RESTART_MAX_DELAY)
        return delay


class Command(BaseCommand):
    help = (
        "Mode embarqué : lance ensemble le serveur web de Django et un worker Celery avec son "
        "planificateur (beat), et les relance s'ils s'arrêtent. Ctrl-C arrête proprement les deux."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default=DEFAULT_HOST, help=f"Adresse d'écoute ({DEFAULT_HOST} par défaut)."
        )
        parser.add_argument(
            "--port", type=int, default=DEFAULT_PORT, help=f"Port d'écoute ({DEFAULT_PORT} par défaut)."
        )
        parser.add_argument(
            "--reload",
            action="store_true",
            help="Recharger le serveur web quand le code change (pas le worker, qui garde son code).",
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="Ne pas lancer le worker Celery (serveur web seul)."
        )

    def handle(self, *args, host, port, reload, no_worker, **options):
        prepare_embedded_folders()
        stop_requested = threading.Event()
        previous = {
            signum: signal.signal(signum, lambda *_: stop_requested.set())
            for signum in (signal.SIGINT, signal.SIGTERM)
        }
        children = []
        if not no_worker:
            children.append(Child("worker", worker_command(), WORKER_STOP_TIMEOUT))
        children.append(Child("web", web_command(host, port, reload), WEB_STOP_TIMEOUT))
        given_up = None
        # The children (restarted ones too) send e-mails whose links point at this address.
        with children_base_url(host, port) as base_url:
            try:
                for child in children:
                    child.start()
                self._print_banner(host, port, with_worker=not no_worker, base_url=base_url)
                given_up = self.supervise(children, stop_requested)
            finally:
                self.stdout.write("\nArrêt de la plateforme…")
                self.stdout.flush()
                for child in reversed(children):
                    child.stop()
                for signum, handler in previous.items():
                    signal.signal(signum, handler)
        if given_up:
            raise CommandError(
                f"{given_up.label} s'est arrêté {CRASH_LIMIT} fois en moins de {CRASH_WINDOW:g} s : "
                "plateforme arrêtée. Voir les messages ci-dessus."
            )
        self.stdout.write(self.style.SUCCESS("Plateforme arrêtée."))

    def supervise(self, children: list[Child], stop_requested: threading.Event) -> Child | None:
        """Restart the children that die, until a stop is requested (None) or one is given up on."""
        while not stop_requested.wait(POLL_INTERVAL):
            for child in children:
                if child.restart_at is None:
                    if child.process.poll() is None:
                        continue
                    code = child.process.returncode
                    child.stop()  # What it left in its group.
                    delay = child.crashed(time.monotonic())
                    if delay is None:
                        self._say(f"{child.label} s'est arrêté (code {code}) ; abandon.")
                        return child
                    self._say(f"{child.label} s'est arrêté (code {code}) ; redémarrage dans {delay:g} s.")
                    child.restart_at = time.monotonic() + delay
                elif time.monotonic() >= child.restart_at and not stop_requested.is_set():
                    child.start()
                    self._say(f"{child.label} a redémarré.", style=self.style.SUCCESS)
        return None

    def _say(self, message: str, style=None) -> None:
        self.stdout.write((style or self.style.WARNING)(message))
        # Interleaved with the children's output, which goes straight to the terminal.
        self.stdout.flush()

    def _print_banner(self, host: str, port: int, with_worker: bool, base_url: str = "") -> None:
        url = platform_url(host, port)
        broker = "Redis" if settings.REDIS_URL else "file d'attente sur disque, sans Redis"
        jobs = f"worker Celery + beat ({broker})" if with_worker else "désactivés (--no-worker)"
        lines = [
            "",
            f"{settings.SPRO_PLATFORM_NAME} — mode embarqué",
            f"  Adresse : {url}" + (" (écoute sur toutes les interfaces)" if host in ANY_ADDRESS else ""),
            f"  Travaux en arrière-plan : {jobs}",
        ]
        try:
            with_accounts = demo.demo_accounts_exist()
        except DatabaseError:
            with_accounts = False
        if with_accounts:
            lines.append(f"  Comptes de démonstration (mot de passe « {demo.DEMO_PASSWORD} ») :")
            lines += [f"  {line}" for line in demo.account_lines()]
        if base_url and base_url.rstrip("/") != url.rstrip("/"):
            lines.append(f"  Liens des courriels : {base_url.rstrip('/')}/ (SPRO_BASE_URL)")
        lines += ["  Ctrl-C pour arrêter.", ""]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
        # The children write straight to the terminal: flush so the banner is not stuck behind them.
        self.stdout.flush()
