"""The embedded broker (spro/broker.py) keeps a message until it is acknowledged, so that a task cut
short by a worker's death runs again.

The first tests drive the kombu transport directly, with consumers in subprocesses where one has to
die; the last one kills the worker of a real embedded platform in the middle of a task.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from celery import Celery
from kombu import Connection
from kombu.transport import virtual

from spro import broker
from spro.celery import app as celery_app
from tests.spro.platform import BASE_DIR, Platform, wait_for

QUEUE = "work"


@pytest.fixture(autouse=True)
def fresh_broker_state(monkeypatch):
    # kombu keeps the exchanges it has seen bound in one state per transport class, for the whole
    # process; with other folders than that state's, a binding it thinks it has written is missing.
    monkeypatch.setattr(broker.Transport, "global_state", virtual.BrokerState())
    yield
    # A consumer holds its in-progress folder's lock for the life of its process; this test process
    # lives on, so the folders it took in temporary directories are let go here.
    for key, (_folder, lock_file) in list(broker._owned.items()):
        lock_file.close()
        del broker._owned[key]


@pytest.fixture
def options(tmp_path):
    folders = {
        "data_folder_in": tmp_path / "queue",
        "data_folder_out": tmp_path / "queue",
        "unacked_folder": tmp_path / "unacked",
        "processed_folder": tmp_path / "processed",
        "control_folder": tmp_path / "control",
    }
    for folder in folders.values():
        folder.mkdir(exist_ok=True)
    return {key: str(folder) for key, folder in folders.items()}


def connect(options) -> Connection:
    return Connection("filesystem://", transport="spro.broker:Transport", transport_options=options)


def publish(options, body) -> None:
    with connect(options) as connection:
        connection.SimpleQueue(QUEUE).put(body)


def messages(folder) -> list[Path]:
    """The message files under `folder`, in-progress folders included."""
    return sorted(Path(folder).rglob("*.msg"))


def consume(options, timeout: float = 10):
    """Take one message the way a worker does (a consumer with acknowledgements), or None."""
    with connect(options) as connection:
        queue = connection.SimpleQueue(QUEUE)
        try:
            message = queue.get(timeout=timeout)
        except queue.Empty:
            return None
        message.ack()
        return message.payload, message.delivery_info.get("redelivered", False)


# A consumer in another process, which takes one message with acknowledgement and then either dies
# at once (SIGKILL, as a killed worker) or waits for its standard input to close.
CONSUMER = """
import os, signal, sys
from kombu import Connection
from kombu.transport import virtual
options = dict(arg.split("=", 1) for arg in sys.argv[2:])
with Connection("filesystem://", transport="spro.broker:Transport", transport_options=options) as conn:
    message = conn.default_channel.basic_get("work", no_ack=False)
    print(message.payload if message else None, flush=True)
    if sys.argv[1] == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    sys.stdin.read()
"""


def start_consumer(options, then: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CONSUMER, then, *(f"{key}={value}" for key, value in options.items())],
        cwd=BASE_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_the_project_uses_this_transport_for_its_embedded_broker(settings):
    if settings.REDIS_URL:
        assert settings.CELERY_BROKER_URL == settings.REDIS_URL
    else:
        assert settings.CELERY_BROKER_URL == "spro-filesystem://"
        with celery_app.connection_for_write() as connection:
            assert isinstance(connection.transport, broker.Transport)
            assert connection.transport.driver_type == "filesystem"


def test_a_received_message_stays_until_it_is_acknowledged(options):
    publish(options, {"n": 1})
    with connect(options) as connection:
        message = connection.default_channel.basic_get(QUEUE, no_ack=False)
        assert message.payload == {"n": 1}
        # Out of the queue, into this process's in-progress folder.
        assert messages(options["data_folder_in"]) == []
        [in_progress] = messages(options["unacked_folder"])
        assert in_progress.parent.name.startswith(f"{os.getpid()}-")

        message.ack()

        assert messages(options["unacked_folder"]) == []


def test_a_rejected_message_is_requeued_or_dropped_as_asked(options):
    publish(options, {"n": 1})
    with connect(options) as connection:
        channel = connection.default_channel
        channel.basic_get(QUEUE, no_ack=False).reject(requeue=True)
        assert len(messages(options["data_folder_in"])) == 1

        again = channel.basic_get(QUEUE, no_ack=False)
        assert again.payload == {"n": 1}
        assert again.delivery_info["redelivered"] is True
        again.reject(requeue=False)
    assert messages(options["data_folder_in"]) == messages(options["unacked_folder"]) == []


def test_unacknowledged_messages_go_back_at_a_clean_shutdown(options):
    publish(options, {"n": 1})
    with connect(options) as connection:
        assert connection.default_channel.basic_get(QUEUE, no_ack=False).payload == {"n": 1}
    # Closing the channel restored it, as kombu does for every virtual transport.
    assert len(messages(options["data_folder_in"])) == 1
    assert messages(options["unacked_folder"]) == []
    assert consume(options) == ({"n": 1}, True)


def test_messages_taken_without_acknowledgement_leave_nothing_behind(options):
    publish(options, {"n": 1})
    with connect(options) as connection:
        assert connection.default_channel.basic_get(QUEUE, no_ack=True).payload == {"n": 1}
    assert messages(options["data_folder_in"]) == messages(options["unacked_folder"]) == []


def test_a_dead_consumers_message_goes_back_to_the_queue_for_the_next_one(options):
    publish(options, {"n": 1})
    with start_consumer(options, then="die") as consumer:
        assert consumer.stdout.readline().strip() == "{'n': 1}"
        assert consumer.wait(timeout=60) == -signal.SIGKILL
    # Killed before acknowledging: its message waits in its in-progress folder…
    assert messages(options["data_folder_in"]) == []
    assert len(messages(options["unacked_folder"])) == 1

    # …until a consumer starts, which puts it back in the queue, marked as redelivered.
    assert consume(options) == ({"n": 1}, True)
    assert messages(options["data_folder_in"]) == messages(options["unacked_folder"]) == []
    # Its in-progress folder is gone; only this process's own remains.
    assert all(name.startswith(f"{os.getpid()}-") for name in os.listdir(options["unacked_folder"]))


def test_a_living_consumers_message_is_left_alone(options):
    publish(options, {"n": 1})
    with start_consumer(options, then="wait") as consumer:
        try:
            assert consumer.stdout.readline().strip() == "{'n': 1}"
            # Still working on it: a consumer starting now does not take it.
            assert broker.restore_abandoned(options["unacked_folder"], options["data_folder_in"]) == 0
            assert messages(options["data_folder_in"]) == []
            assert len(messages(options["unacked_folder"])) == 1
        finally:
            consumer.kill()
    # Dead now: its message is taken back.
    assert consume(options) == ({"n": 1}, True)


def test_a_half_written_message_is_not_visible(options):
    # Messages are written under a hidden name, then renamed: no consumer sees the hidden one.
    hidden = Path(options["data_folder_in"]) / f".1_abc.{QUEUE}.msg.0123.tmp"
    hidden.write_text("{")
    with connect(options) as connection:
        assert connection.default_channel.basic_get(QUEUE, no_ack=False) is None
        assert connection.default_channel.basic_get(QUEUE, no_ack=True) is None
    assert hidden.exists()


# The real platform


@pytest.fixture
def platform(tmp_path):
    running = Platform(tmp_path).start()
    yield running
    running.cleanup()


def send_interruptible(platform: Platform, folder: Path) -> None:
    """Enqueue the test-only task as the web process would, on the platform's broker (with a Celery
    app of its own: the project's is configured for this test process)."""
    broker_dir = platform.data_dir / "broker"
    client = Celery("platform-client", set_as_current=False)
    client.conf.update(
        broker_url="filesystem://",
        broker_transport="spro.broker:Transport",
        broker_transport_options={
            "data_folder_in": str(broker_dir / "queue"),
            "data_folder_out": str(broker_dir / "queue"),
            "control_folder": str(broker_dir / "control"),
        },
    )
    try:
        client.send_task("tests.spro.platform.interruptible", args=[str(folder)])
    finally:
        client.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the children in /proc")
def test_a_task_cut_short_by_a_killed_worker_runs_again(platform, tmp_path):
    platform.child("worker")
    wait_for(lambda: (platform.data_dir / "broker" / "queue").is_dir(), "the broker folders", platform)
    task = tmp_path / "task"
    task.mkdir()
    runs = task / "runs"

    send_interruptible(platform, task)
    first_run = wait_for(lambda: runs.exists() and runs.read_text(), "the task to start", platform)
    worker, redelivered = first_run.split()
    assert redelivered == "False"

    os.kill(int(worker), signal.SIGKILL)
    wait_for(
        lambda: "Le worker s'est arrêté (code -9)" in platform.output(),
        "the worker's death to be reported",
        platform,
    )
    # Dead for sure (the command reaped it): the task may now be let through.
    (task / "release").touch()

    wait_for((task / "finished").exists, "the task to run again and finish", platform)
    first, second = runs.read_text().splitlines()
    new_worker, redelivered = second.split()
    assert new_worker != worker
    assert redelivered == "True"
    assert "remise(s) dans la file" in platform.output()
    # Acknowledged at last: no copy of it is left to run a third time.
    broker_dir = platform.data_dir / "broker"
    wait_for(lambda: messages(broker_dir) == [], "the message to be acknowledged", platform)

    assert platform.terminate() == 0
    assert runs.read_text().count("\n") == 2
