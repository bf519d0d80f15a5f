"""Production settings: `check --deploy` is clean, and a missing secret stops the start-up."""

import os
import secrets
import string
import subprocess
import sys

from django.conf import settings


def run_manage(*args: str, tmp_path, **env_overrides: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh interpreter, as production would: no SPRO_TESTING, DEBUG off."""
    env = {key: value for key, value in os.environ.items() if key not in {"SPRO_TESTING", "DEBUG"}}
    env.setdefault("DATABASE_URL", f"sqlite:///{tmp_path / 'spro.sqlite3'}")
    env.update(
        {
            "DEBUG": "0",
            "ALLOWED_HOSTS": "spro.example.org",
            "SPRO_DATA_DIR": str(tmp_path),
            "PYTHONWARNINGS": "ignore",
            **env_overrides,
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def random_secret_key() -> str:
    alphabet = string.ascii_letters + string.digits + "!#%&()*+-=@^_"
    return "".join(secrets.choice(alphabet) for _ in range(50))


def test_check_deploy_is_clean_in_production(tmp_path):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path, SECRET_KEY=random_secret_key()
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key(tmp_path):
    # An empty value, not an absent one: a developer's .env file must not fill it in.
    result = run_manage("check", tmp_path=tmp_path, SECRET_KEY="")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY doit être défini quand DEBUG est désactivé." in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(tmp_path):
    result = run_manage("check", tmp_path=tmp_path, SECRET_KEY=random_secret_key(), ALLOWED_HOSTS="")

    assert result.returncode != 0
    assert "ALLOWED_HOSTS doit être défini" in result.stderr


def test_production_refuses_a_short_secret_key(tmp_path):
    """Django's own check only warns; a key that can be guessed must not sign sessions at all."""
    result = run_manage("check", tmp_path=tmp_path, SECRET_KEY="x7-Gq2p!" * 5)  # 40 characters

    assert result.returncode != 0
    assert "SECRET_KEY est trop courte : au moins 50 caractères" in result.stderr
