"""Settings of the embedded platform that the tests start as a subprocess (tests/spro/platform.py):
the project's own, plus a test-only task for its worker to run."""

from spro.settings import *  # noqa: F403

CELERY_IMPORTS = ["tests.spro.platform"]
