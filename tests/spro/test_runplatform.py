"""The embedded mode's command: starts the web server and one worker, and stops both together.

Real child processes stand in for the web server and the worker (a sleeping Python), so these
tests check the process handling itself, in about a second.
"""

import io
import os
import signal
import sys
import threading
import time

import pytest
from django.core.management import CommandError, call_command

from network.management.commands import runplatform

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


@pytest.fixture(autouse=True)
def embedded_folders(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path / "broker" / "queue"),
        "data_folder_out": str(tmp_path / "broker" / "queue"),
        "processed_folder": str(tmp_path / "broker" / "processed"),
    }
    settings.CELERY_RESULT_BACKEND = f"file://{tmp_path / 'results'}"
    return tmp_path


def test_worker_runs_alone_with_its_embedded_beat(embedded_folders):
    command = runplatform.worker_command()
    assert command[:5] == [sys.executable, "-m", "celery", "--app", "spro"]
    assert "worker" in command and "--beat" in command
    assert command[command.index("--pool") + 1] == "solo"
    assert command[command.index("--concurrency") + 1] == "1"
    # The beat schedule lives with the embedded data, not in the working directory.
    assert command[command.index("--schedule") + 1] == str(embedded_folders / "celerybeat-schedule")


def test_web_command_uses_host_and_port():
    assert runplatform.web_command("127.0.0.1", 8000, reload=False)[-3:] == [
        "runserver",
        "127.0.0.1:8000",
        "--noreload",
    ]
    assert runplatform.web_command("::1", 8001, reload=True)[-3:] == ["runserver", "[::1]:8001", "--ipv6"]


def test_embedded_folders_are_created(embedded_folders):
    runplatform.prepare_embedded_folders()
    assert (embedded_folders / "broker" / "queue").is_dir()
    assert (embedded_folders / "broker" / "processed").is_dir()
    assert (embedded_folders / "results").is_dir()


def test_stop_terminates_a_running_child():
    process = runplatform.start(SLEEPER)
    assert process.poll() is None
    assert runplatform.stop(process, timeout=5) == -signal.SIGTERM


def _ignores_sigterm(pid: int) -> bool:
    with open(f"/proc/{pid}/status") as status:
        ignored = next(line.split()[1] for line in status if line.startswith("SigIgn:"))
    return bool(int(ignored, 16) & (1 << (signal.SIGTERM - 1)))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_stop_kills_a_child_that_ignores_sigterm():
    process = runplatform.start(
        [
            sys.executable,
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)",
        ]
    )
    # Wait until the child ignores SIGTERM, or the signal would stop it before the test starts.
    deadline = time.monotonic() + 10
    while not _ignores_sigterm(process.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert runplatform.stop(process, timeout=0.5) == -signal.SIGKILL


def record_children(monkeypatch) -> list:
    started, real_start = [], runplatform.start

    def start(command):
        started.append(real_start(command))
        return started[-1]

    monkeypatch.setattr(runplatform, "start", start)
    return started


@pytest.mark.django_db
def test_command_stops_the_worker_when_the_web_server_dies(monkeypatch):
    started = record_children(monkeypatch)
    monkeypatch.setattr(runplatform, "worker_command", lambda: SLEEPER)
    monkeypatch.setattr(
        runplatform, "web_command", lambda *args: [sys.executable, "-c", "raise SystemExit(3)"]
    )

    with pytest.raises(CommandError, match="« web ».*code 3"):
        call_command("runplatform", stdout=io.StringIO())
    worker, web = started
    assert web.returncode == 3
    assert worker.returncode == -signal.SIGTERM


@pytest.mark.django_db
def test_command_stops_both_children_on_sigterm(monkeypatch):
    started = record_children(monkeypatch)
    monkeypatch.setattr(runplatform, "worker_command", lambda: SLEEPER)
    monkeypatch.setattr(runplatform, "web_command", lambda *args: SLEEPER)
    previous_handler = signal.getsignal(signal.SIGTERM)
    # The command installs its own handler at once; the signal comes well after.
    timer = threading.Timer(0.5, os.kill, args=(os.getpid(), signal.SIGTERM))
    timer.start()
    out = io.StringIO()
    try:
        call_command("runplatform", "--port", "8123", stdout=out)
    finally:
        timer.cancel()
    assert "http://127.0.0.1:8123/" in out.getvalue()
    assert "Plateforme arrêtée." in out.getvalue()
    assert [process.returncode for process in started] == [-signal.SIGTERM, -signal.SIGTERM]
    assert signal.getsignal(signal.SIGTERM) == previous_handler
