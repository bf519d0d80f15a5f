"""`seed_demo` and `runplatform` announce the address the platform really listens on (the Makefile's
RUN_ARGS), and the embedded platform's e-mails link to it."""

import io
import os
import signal
import sys
import threading
import time

import pytest
from django.core.management import call_command
from django.test import override_settings

from stats.management.commands import runplatform

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


@pytest.mark.parametrize(
    ("run_args", "expected"),
    [
        ("", ("127.0.0.1", 8000)),
        ("--port 8080", ("127.0.0.1", 8080)),
        ("--host 0.0.0.0 --port=8081 --reload", ("0.0.0.0", 8081)),
        ("--no-worker --host=::1", ("::1", 8000)),
        ("--port pas-un-nombre", ("127.0.0.1", 8000)),
    ],
)
def test_run_args_give_the_address(run_args, expected):
    assert runplatform.address_from_run_args(run_args) == expected


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 8000, "http://127.0.0.1:8000/"),
        ("0.0.0.0", 8080, "http://127.0.0.1:8080/"),
        ("::", 8000, "http://[::1]:8000/"),
        ("::1", 9000, "http://[::1]:9000/"),
        ("localhost", 8001, "http://localhost:8001/"),
    ],
)
def test_the_address_a_browser_opens(host, port, url):
    assert runplatform.platform_url(host, port) == url


def test_the_demo_address_follows_run_args_then_the_base_url():
    assert runplatform.demo_platform_url({"RUN_ARGS": "--port 8080"}) == "http://127.0.0.1:8080/"
    assert (
        runplatform.demo_platform_url({"RUN_ARGS": "--port 8080", "SPRO_BASE_URL": "https://spro.example"})
        == "http://127.0.0.1:8080/"
    )
    assert (
        runplatform.demo_platform_url({"SPRO_BASE_URL": "https://spro.example/"}) == "https://spro.example/"
    )
    assert runplatform.demo_platform_url({}) == "http://127.0.0.1:8000/"


@pytest.mark.django_db
def test_seed_demo_prints_the_address_of_run_args(monkeypatch):
    monkeypatch.setenv("RUN_ARGS", "--host 0.0.0.0 --port 8080")
    out = io.StringIO()

    with override_settings(DEBUG=False):
        call_command("seed_demo", "--no-accounts", "--network-only", stdout=out)

    assert "Plateforme : http://127.0.0.1:8080/" in out.getvalue()
    assert ":8000" not in out.getvalue()


@pytest.fixture
def embedded_folders(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path / "broker" / "queue"),
        "data_folder_out": str(tmp_path / "broker" / "queue"),
        "processed_folder": str(tmp_path / "broker" / "processed"),
    }
    settings.CELERY_RESULT_BACKEND = f"file://{tmp_path / 'results'}"
    return tmp_path


def _run_until(path, *args) -> str:
    """Run runplatform (children replaced) until the web child wrote `path`; its output."""
    original = signal.getsignal(signal.SIGTERM)

    def watch():
        deadline = time.monotonic() + 30
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.1)
        if signal.getsignal(signal.SIGTERM) is not original:
            os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()
    out = io.StringIO()
    call_command("runplatform", *args, stdout=out)
    return out.getvalue()


def _web_child_writing_its_links(path):
    """A web server in place of the real one: it writes where its e-mails would link to."""
    script = (
        "import os, pathlib, time\n"
        "import django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'spro.settings')\n"
        "django.setup()\n"
        "from spro.urls_helpers import absolute_url\n"
        f"pathlib.Path({str(path)!r}).write_text(absolute_url('/sites/reims/'))\n"
        "time.sleep(60)\n"
    )
    return [sys.executable, "-c", script]


@pytest.mark.django_db
def test_the_embedded_platforms_emails_link_to_the_address_it_listens_on(
    monkeypatch, tmp_path, embedded_folders
):
    monkeypatch.delenv("SPRO_BASE_URL", raising=False)
    links = tmp_path / "links.txt"
    monkeypatch.setattr(runplatform, "worker_command", lambda: SLEEPER)
    monkeypatch.setattr(runplatform, "web_command", lambda *args: _web_child_writing_its_links(links))

    out = _run_until(links, "--host", "0.0.0.0", "--port", "8123")

    assert links.read_text() == "http://127.0.0.1:8123/sites/reims/"
    assert "Adresse : http://127.0.0.1:8123/ (écoute sur toutes les interfaces)" in out
    # The command's own environment is left as it was.
    assert "SPRO_BASE_URL" not in os.environ


@pytest.mark.django_db
def test_a_given_base_url_is_kept_for_the_emails(monkeypatch, tmp_path, embedded_folders):
    monkeypatch.setenv("SPRO_BASE_URL", "https://spro.example")
    links = tmp_path / "links.txt"
    monkeypatch.setattr(runplatform, "worker_command", lambda: SLEEPER)
    monkeypatch.setattr(runplatform, "web_command", lambda *args: _web_child_writing_its_links(links))

    out = _run_until(links, "--port", "8124")

    assert links.read_text() == "https://spro.example/sites/reims/"
    assert "Adresse : http://127.0.0.1:8124/" in out
    assert "Liens des courriels : https://spro.example/ (SPRO_BASE_URL)" in out
