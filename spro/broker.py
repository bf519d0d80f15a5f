"""The embedded broker: kombu's file-system transport, made to keep a message until it is acknowledged.

kombu's file-system transport deletes a message's file as soon as a worker *receives* it, so
`CELERY_TASK_ACKS_LATE` cannot help: a worker killed in the middle of a task takes the task with it.
This transport keeps the file until the acknowledgement instead:

- on receipt, the file moves (one atomic rename) from the queue folder into the worker's own
  in-progress folder, `<unacked_folder>/<pid>-<random>/`;
- on acknowledgement it is deleted (or moved to `processed_folder` with `store_processed`); a
  rejection with requeue, or a clean shutdown with messages still unacknowledged, moves it back;
- each in-progress folder holds a lock file that its process keeps locked (a POSIX lock) for as long
  as it lives. The kernel releases that lock when the process dies, however it dies (SIGKILL
  included), so an in-progress folder whose lock can be taken belongs to a dead consumer. Whenever a
  consumer starts consuming with acknowledgements (a worker starting, or reconnecting), it moves the
  messages of such folders back into the queue, marked as redelivered, and removes the folders.

The lock, rather than "there is only one worker", tells a dead consumer's messages from a live
one's: `make run` starts a single worker, but `make worker` next to it, or a web process restoring
nothing, stays safe. The delivery is "at least once", as with Redis and its visibility timeout: a
task interrupted by its worker's death runs again from the start.

Messages are also written atomically (a hidden temporary file, then a rename), so that a consumer
never reads a half-written file. POSIX only (fcntl), like the rest of the embedded mode; every
folder must be on the same file system, for the renames to be atomic.
"""

import atexit
import contextlib
import fcntl
import logging
import os
import threading
import uuid
from queue import Empty
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem, virtual
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads
from kombu.utils.objects import cached_property

logger = logging.getLogger(__name__)

LOCK_NAME = "owner.lock"
MESSAGE_SUFFIX = ".msg"

# This process's in-progress folder per unacked folder: (folder, open lock file). The open file must
# stay referenced: closing it would release the lock and hand our messages to the next consumer.
_owned: dict[tuple[int, str], tuple[str, object]] = {}
_owned_lock = threading.Lock()


def _write_atomically(folder: str, filename: str, payload: dict) -> None:
    """Write a message under its final name in one rename; the hidden temporary name (leading dot)
    matches no queue, so no consumer ever sees a half-written file."""
    final = os.path.join(folder, filename)
    temporary = os.path.join(folder, f".{filename}.{uuid.uuid4().hex}.tmp")
    try:
        with open(temporary, "wb") as file:
            file.write(str_to_bytes(dumps(payload)))
        os.replace(temporary, final)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise ChannelError(f"Cannot add file {final!r} to directory") from exc


def _return_to_queue(path: str, queue_folder: str) -> None:
    """Put a received but unacknowledged message back into the queue, marked as redelivered.

    It keeps its file name, hence its place at the head of the queue; written before the in-progress
    copy is removed, so that a crash in between duplicates the message rather than losing it.
    """
    filename = os.path.basename(path)
    try:
        with open(path, "rb") as file:
            content = file.read()
    except FileNotFoundError:
        return  # Already back in the queue.
    try:
        payload = loads(bytes_to_str(content))
        payload["properties"].setdefault("delivery_info", {})["redelivered"] = True
    except (ValueError, KeyError, TypeError, AttributeError):
        # Unreadable as a message: give it back untouched rather than decide its fate here.
        os.replace(path, os.path.join(queue_folder, filename))
        return
    _write_atomically(queue_folder, filename, payload)
    os.remove(path)


def owned_folder(unacked_root: str) -> str:
    """This process's in-progress folder under `unacked_root`, created and locked on first use."""
    key = (os.getpid(), unacked_root)
    with _owned_lock:
        if key in _owned:
            return _owned[key][0]
        os.makedirs(unacked_root, exist_ok=True)
        name = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        # Built under a hidden name, and locked, before it gets its real name: a restorer only looks
        # at visible folders, so it never sees one whose owner has not locked it yet.
        building = os.path.join(unacked_root, f".{name}")
        os.mkdir(building)
        lock_file = open(os.path.join(building, LOCK_NAME), "wb")  # noqa: SIM115 - held for life.
        fcntl.lockf(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        folder = os.path.join(unacked_root, name)
        os.rename(building, folder)
        _owned[key] = (folder, lock_file)
        if len(_owned) == 1:
            atexit.register(_remove_empty_owned_folders)
        return folder


def _owned_names(unacked_root: str) -> set[str]:
    # Folders of this very process (a fork's parent included: its lock is not ours, but it may live).
    return {os.path.basename(folder) for (_, root), (folder, _) in _owned.items() if root == unacked_root}


def _remove_empty_owned_folders() -> None:
    """At a clean exit, an in-progress folder left empty goes; one still holding messages stays, for
    the next consumer to restore."""
    # The lock itself is left to the process's end: released any earlier, it would let another
    # consumer restore messages that kombu's own exit handler may still be putting back.
    for (pid, _), (folder, _) in list(_owned.items()):
        if pid != os.getpid():
            continue
        with contextlib.suppress(OSError):
            if not any(name.endswith(MESSAGE_SUFFIX) for name in os.listdir(folder)):
                os.remove(os.path.join(folder, LOCK_NAME))
                os.rmdir(folder)


def restore_abandoned(unacked_root: str, queue_folder: str) -> int:
    """Move back into the queue the messages of every in-progress folder whose owner is dead.

    Returns how many messages went back. A folder whose lock is held belongs to a living consumer
    and is left alone.
    """
    try:
        names = os.listdir(unacked_root)
    except FileNotFoundError:
        return 0
    own = _owned_names(unacked_root)
    restored = 0
    for name in sorted(names):
        if name.startswith(".") or name in own:
            continue
        restored += _restore_folder(os.path.join(unacked_root, name), queue_folder)
    if restored:
        logger.warning(
            "%d tâche(s) interrompue(s) par l'arrêt brutal d'un worker remise(s) dans la file : "
            "elles vont être exécutées de nouveau.",
            restored,
        )
    return restored


def _restore_folder(folder: str, queue_folder: str) -> int:
    try:
        lock_file = open(os.path.join(folder, LOCK_NAME), "rb+")  # noqa: SIM115 - closed below.
    except FileNotFoundError:
        # Its restorer had already moved every message out when it removed the lock file.
        with contextlib.suppress(OSError):
            os.rmdir(folder)
        return 0
    except (NotADirectoryError, IsADirectoryError):
        return 0
    restored = 0
    # Closing the file releases the lock; another restorer that opened it meanwhile finds the
    # folder gone, or empty.
    with lock_file:
        try:
            fcntl.lockf(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return 0  # Its owner is alive.
        try:
            names = sorted(os.listdir(folder))
        except FileNotFoundError:
            return 0
        for name in names:
            if name.endswith(MESSAGE_SUFFIX):
                _return_to_queue(os.path.join(folder, name), queue_folder)
                logger.info("Message %s repris d'un worker arrêté sans acquittement.", name)
                restored += 1
        with contextlib.suppress(OSError):
            os.remove(os.path.join(folder, LOCK_NAME))
            os.rmdir(folder)
    return restored


class QoS(virtual.QoS):
    """kombu's bookkeeping of unacknowledged messages, plus their files."""

    def ack(self, delivery_tag):
        super().ack(delivery_tag)
        self.channel._settle(delivery_tag)

    def reject(self, delivery_tag, requeue=False):
        # With requeue, the base class calls Channel._restore, which moves the file back.
        super().reject(delivery_tag, requeue=requeue)
        if not requeue:
            self.channel._settle(delivery_tag)


class Channel(filesystem.Channel):
    QoS = QoS

    def __init__(self, connection, **kwargs):
        super().__init__(connection, **kwargs)
        # Delivery tag -> in-progress file, for the messages received with acknowledgement.
        self._received: dict[str, str] = {}
        # Queues consumed without acknowledgement (Celery's remote control replies, for instance):
        # nothing will ever acknowledge their messages, which are deleted on receipt, as by kombu.
        self._no_ack_queues: set[str] = set()

    @cached_property
    def unacked_folder(self) -> str:
        default = os.path.join(os.path.dirname(os.path.abspath(self.data_folder_in)), "unacked")
        return os.path.abspath(self.transport_options.get("unacked_folder", default))

    def basic_consume(self, queue, no_ack, callback, consumer_tag, **kwargs):
        if no_ack:
            self._no_ack_queues.add(queue)
        else:
            self._no_ack_queues.discard(queue)
            # A consumer starting up takes back what dead consumers left unacknowledged.
            restore_abandoned(self.unacked_folder, self.data_folder_in)
        return super().basic_consume(queue, no_ack, callback, consumer_tag, **kwargs)

    def basic_cancel(self, consumer_tag):
        queue = self._tag_to_queue.get(consumer_tag)
        super().basic_cancel(consumer_tag)
        self._no_ack_queues.discard(queue)

    def basic_get(self, queue, no_ack=False, **kwargs):
        if not no_ack:
            return super().basic_get(queue, no_ack=False, **kwargs)
        try:
            return self.Message(super()._get(queue), channel=self)
        except Empty:
            return None

    def _put(self, queue, payload, **kwargs):
        filename = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}{MESSAGE_SUFFIX}"
        _write_atomically(self.data_folder_out, filename, payload)

    def _get(self, queue):
        if queue in self._no_ack_queues:
            return super()._get(queue)
        wanted = f"{queue}{MESSAGE_SUFFIX}"
        for filename in sorted(os.listdir(self.data_folder_in)):
            if filename.partition(".")[2] != wanted:
                continue
            target = os.path.join(owned_folder(self.unacked_folder), filename)
            try:
                os.rename(os.path.join(self.data_folder_in, filename), target)
            except OSError:
                continue  # Another consumer took it first.
            try:
                with open(target, "rb") as file:
                    payload = loads(bytes_to_str(file.read()))
                delivery_tag = payload["properties"]["delivery_tag"]
            except (ValueError, KeyError, TypeError) as exc:
                # kombu drops such a file too (it deletes before decoding); say so, at least.
                logger.error("Message illisible %s supprimé de la file : %s", filename, exc)
                with contextlib.suppress(OSError):
                    os.remove(target)
                continue
            except OSError as exc:
                raise ChannelError(f"Cannot read file {target!r} from queue.") from exc
            self._received[delivery_tag] = target
            return payload
        raise Empty()

    def _settle(self, delivery_tag) -> None:
        """The message is acknowledged (or rejected for good): its file goes."""
        path = self._received.pop(delivery_tag, None)
        if path is None:
            return
        with contextlib.suppress(FileNotFoundError):
            if self.store_processed:
                os.replace(path, os.path.join(self.processed_folder, os.path.basename(path)))
            else:
                os.remove(path)

    def _restore(self, message):
        path = self._received.pop(message.delivery_tag, None)
        if path is None:
            return super()._restore(message)
        # Back where it was received from (kombu would write to data_folder_out, which only differs
        # from data_folder_in in a two-way setup, where it is the other side's queue).
        return _return_to_queue(path, self.data_folder_in)


class Transport(filesystem.Transport):
    """Selected by the URL `spro-filesystem://`, an alias that spro/settings.py gives kombu."""

    Channel = Channel
