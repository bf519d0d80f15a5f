"""The embedded mode's command: starts the web server and one worker, restarts the one that dies,
and stops both together.

Most tests put real child processes in place of the web server and the worker (a sleeping Python),
to check the process handling itself in about a second; one runs the real platform and kills its
children, as an attacker or the OOM killer would.
"""

import io
import os
import signal
import sys
import threading
import time

import pytest
from django.core.management import CommandError, call_command

from stats.management.commands import runplatform
from tests.spro.platform import Platform, wait_for

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


@pytest.fixture
def quick_restarts(monkeypatch):
    monkeypatch.setattr(runplatform, "RESTART_FIRST_DELAY", 0.01)
    monkeypatch.setattr(runplatform, "POLL_INTERVAL", 0.02)


def sigterm_when(condition) -> threading.Thread:
    """SIGTERM this process (hence the command running in it) once `condition` holds."""
    original = signal.getsignal(signal.SIGTERM)

    def watch():
        try:
            wait_for(condition, "the condition for SIGTERM", timeout=60)
        finally:
            # Even if the condition never came, so that the command ends; but only while its own
            # handler is installed, since pytest's would end the whole run.
            if signal.getsignal(signal.SIGTERM) is not original:
                os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def crashes_once(tmp_path) -> list[str]:
    """A child that exits with code 3 the first time it runs, and then stays up."""
    marker = tmp_path / "crashed-once"
    script = (
        "import pathlib, sys, time\n"
        f"marker = pathlib.Path({str(marker)!r})\n"
        "if not marker.exists():\n"
        "    marker.touch()\n"
        "    sys.exit(3)\n"
        "time.sleep(60)\n"
    )
    return [sys.executable, "-c", script]


@pytest.mark.django_db
def test_command_restarts_a_child_that_dies(monkeypatch, tmp_path, quick_restarts):
    started = record_children(monkeypatch)
    monkeypatch.setattr(runplatform, "worker_command", lambda: SLEEPER)
    monkeypatch.setattr(runplatform, "web_command", lambda *args: crashes_once(tmp_path))
    # Once the web server runs again: the worker, the web server that died, the one restarted.
    watcher = sigterm_when(lambda: len(started) == 3 and started[2].poll() is None)
    out = io.StringIO()

    call_command("runplatform", stdout=out)

    watcher.join()
    assert "Le serveur web s'est arrêté (code 3) ; redémarrage dans 0.01 s." in out.getvalue()
    assert "Le serveur web a redémarré." in out.getvalue()
    assert "Plateforme arrêtée." in out.getvalue()
    worker, dead_web, web = started
    assert dead_web.returncode == 3
    # The worker was left alone by the web server's restart, and both are stopped at the end.
    assert worker.returncode == web.returncode == -signal.SIGTERM


@pytest.mark.django_db
def test_command_gives_up_on_a_child_that_keeps_dying(monkeypatch, quick_restarts):
    started = record_children(monkeypatch)
    monkeypatch.setattr(runplatform, "worker_command", lambda: SLEEPER)
    monkeypatch.setattr(
        runplatform, "web_command", lambda *args: [sys.executable, "-c", "raise SystemExit(3)"]
    )
    out = io.StringIO()

    with pytest.raises(CommandError, match="Le serveur web s'est arrêté 5 fois en moins de 60 s"):
        call_command("runplatform", stdout=out)

    worker, *webs = started
    assert [web.returncode for web in webs] == [3] * runplatform.CRASH_LIMIT
    assert out.getvalue().count("redémarrage dans") == runplatform.CRASH_LIMIT - 1
    assert "Le serveur web s'est arrêté (code 3) ; abandon." in out.getvalue()
    assert worker.returncode == -signal.SIGTERM


def test_restart_delay_doubles_up_to_a_cap_and_starts_over_after_a_stable_run():
    child = runplatform.Child("worker", SLEEPER, stop_timeout=1)
    # Crashes a whole window apart: never given up on, each one after a short run.
    delays = []
    for crash in range(7):
        child.started_at = crash * runplatform.CRASH_WINDOW
        delays.append(child.crashed(child.started_at + 1))
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    # A child that stayed up long enough starts again from the first delay.
    child.started_at = 1000
    assert child.crashed(1000 + runplatform.STABLE_UPTIME) == 1
    child.started_at = 1100  # Restarted, and dead again two seconds later.
    assert child.crashed(1102) == 2


def test_a_child_dying_repeatedly_at_once_is_given_up_on():
    child = runplatform.Child("web", SLEEPER, stop_timeout=1)
    results = [child.crashed(float(second)) for second in range(runplatform.CRASH_LIMIT)]
    assert results[:-1] == [1, 2, 4, 8]
    assert results[-1] is None
    assert child.label == "Le serveur web"


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


# The real platform


@pytest.fixture
def platform(tmp_path):
    running = Platform(tmp_path).start()
    yield running
    running.cleanup()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the children in /proc")
def test_real_platform_restarts_its_killed_worker_and_web_server(platform):
    worker = platform.child("worker")
    web = platform.child("web")
    wait_for(platform.healthy, "/healthz to answer", platform)
    wait_for(lambda: platform.worker_ready_count() == 1, "the worker to be ready", platform)

    os.kill(worker, signal.SIGKILL)
    wait_for(
        lambda: "Le worker s'est arrêté (code -9) ; redémarrage dans 1 s." in platform.output(),
        "the worker's death to be reported",
        platform,
    )
    new_worker = platform.child("worker", other_than=worker)
    wait_for(lambda: platform.worker_ready_count() == 2, "the new worker to be ready", platform)
    assert "Le worker a redémarré." in platform.output()
    # The old worker's beat went with it: one beat only, in the new worker's group.
    assert {proc.pgrp for proc in platform.leftovers()} == {new_worker, web}

    os.kill(web, signal.SIGKILL)
    wait_for(
        lambda: "Le serveur web s'est arrêté (code -9) ; redémarrage dans 1 s." in platform.output(),
        "the web server's death to be reported",
        platform,
    )
    platform.child("web", other_than=web)
    wait_for(platform.healthy, "/healthz to answer again", platform)
    # The worker went on undisturbed.
    assert platform.children()["worker"] == new_worker

    assert platform.terminate() == 0
    stopping = platform.output().partition("Arrêt de la plateforme…")[2]
    assert "Plateforme arrêtée." in stopping
    assert "redémarr" not in stopping  # A stop asked for is no crash.
    assert platform.leftovers() == []
