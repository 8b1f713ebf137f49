"""One ingest at a time per data directory: two writers would interleave their files' transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from rag.config import Settings
from rag.errors import StoreBusy


def lock_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / "ingest.lock"


@contextmanager
def ingest_lock(settings: Settings, wait: float = 0.0) -> Iterator[None]:
    """Hold the data directory's ingest lock, or raise :class:`StoreBusy` at once (``wait`` seconds).

    An OS file lock (filelock): it is released when the holder exits, even by ``kill -9``, so a crashed
    ingest never leaves a stale lock behind. It guards the embedded store and a server store used from
    this data directory; ingests from several machines into one server need one shared data directory.
    """
    path = lock_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise StoreBusy(
            f"Another `rag ingest` is writing to this store (lock {path}). Wait for it to finish, then run again."
        ) from None
    try:
        yield
    finally:
        lock.release()
