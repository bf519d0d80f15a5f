"""The embedded mode in one command: Django's web server and a Celery worker with its beat.

Both run as child processes, each in its own session, so that this command alone decides when they
stop: on Ctrl-C or SIGTERM it asks both to stop (the worker finishes its current task), waits a
little, then kills what is left. If either child dies, the other is stopped too: a platform without
its worker would silently never run its background jobs.
"""

import contextlib
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from network import demo

# How long each child may take to stop after SIGTERM before it is killed.
WEB_STOP_TIMEOUT = 10
WORKER_STOP_TIMEOUT = 30


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
    for key in ("data_folder_in", "data_folder_out", "processed_folder"):
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
    """SIGTERM to the child's whole process group (the worker has its beat), SIGKILL if it lingers."""
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
    else:
        # The leader is gone; whatever it left in its group (the beat process) goes too.
        _signal_group(process, signal.SIGTERM)
    return process.returncode


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def supervise(children: dict[str, subprocess.Popen], stop_requested: threading.Event, poll: float = 0.5):
    """Wait until a stop is requested or a child exits; return the name of the child that exited."""
    while not stop_requested.wait(poll):
        for name, process in children.items():
            if process.poll() is not None:
                return name
    return None


class Command(BaseCommand):
    help = (
        "Mode embarqué : lance ensemble le serveur web de Django et un worker Celery avec son "
        "planificateur (beat). Ctrl-C arrête proprement les deux."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Adresse d'écoute (127.0.0.1 par défaut).")
        parser.add_argument("--port", type=int, default=8000, help="Port d'écoute (8000 par défaut).")
        parser.add_argument(
            "--reload",
            action="store_true",
            help="Relancer le serveur web quand le code change (le worker, lui, n'est pas relancé).",
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
        children, exited = {}, None
        try:
            if not no_worker:
                children["worker"] = start(worker_command())
            children["web"] = start(web_command(host, port, reload))
            self._print_banner(host, port, with_worker=not no_worker)
            exited = supervise(children, stop_requested)
        finally:
            self.stdout.write("\nArrêt de la plateforme…")
            self.stdout.flush()
            codes = {name: stop(process, self._timeout(name)) for name, process in reversed(children.items())}
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        if exited:
            raise CommandError(
                f"Le processus « {exited} » s'est arrêté (code {codes[exited]}) : plateforme arrêtée. "
                "Voir les messages ci-dessus."
            )
        self.stdout.write(self.style.SUCCESS("Plateforme arrêtée."))

    @staticmethod
    def _timeout(name: str) -> float:
        return WORKER_STOP_TIMEOUT if name == "worker" else WEB_STOP_TIMEOUT

    def _print_banner(self, host: str, port: int, with_worker: bool) -> None:
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        url = f"http://[{shown_host}]:{port}/" if ":" in shown_host else f"http://{shown_host}:{port}/"
        broker = "Redis" if settings.REDIS_URL else "file d'attente sur disque, sans Redis"
        jobs = f"worker Celery + beat ({broker})" if with_worker else "désactivés (--no-worker)"
        lines = [
            "",
            f"{settings.SPRO_PLATFORM_NAME} — mode embarqué",
            f"  Adresse : {url}",
            f"  Travaux en arrière-plan : {jobs}",
        ]
        try:
            with_accounts = demo.demo_accounts_exist()
        except DatabaseError:
            with_accounts = False
        if with_accounts:
            lines.append(f"  Comptes de démonstration (mot de passe « {demo.DEMO_PASSWORD} ») :")
            lines += [f"  {line}" for line in demo.account_lines()]
        lines += ["  Ctrl-C pour arrêter.", ""]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
        # The children write straight to the terminal: flush so the banner is not stuck behind them.
        self.stdout.flush()
