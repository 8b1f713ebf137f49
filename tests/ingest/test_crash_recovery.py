"""A `rag ingest` killed with SIGKILL at any point loses nothing: the next run completes the store, and
the store then equals a clean ingest of the same files, record for record."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ingest.indexer import Indexer
from rag.config import PROJECT_ROOT, Settings
from rag.store import VERSION_ID, ChunkStore

pytestmark = [pytest.mark.slow, pytest.mark.reliability]

PROGRESS = re.compile(rb"ingest:\s+\d+%\|[^|]*\|\s*(\d+)/(\d+)")


def store_fingerprint(settings: Settings) -> dict[str, list[tuple[str, str]]]:
    """Sorted ids and texts of every collection (the manifest's version stamp aside)."""
    from rag.embedding import model_fingerprint

    store = ChunkStore(settings, model_fingerprint(settings))
    fingerprint = {}
    for name, collection in (("chunks", store.collection), ("sentences", store.sentences), ("files", store.files)):
        got = collection.get(include=["documents"])
        fingerprint[name] = sorted((i, d or "") for i, d in zip(got["ids"], got["documents"]) if i != VERSION_ID)
    return fingerprint


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Three of the shipped files, of several chunks each, so a kill can land inside a file."""
    folder = tmp_path_factory.mktemp("corpus")
    for path in sorted((PROJECT_ROOT / "data" / "corpus").glob("*.txt"))[:2]:
        shutil.copy(path, folder / path.name)
    shutil.copy(PROJECT_ROOT / "data" / "corpus" / "004_ac26b839f74d7d28.txt", folder)
    return folder


@pytest.fixture(scope="module")
def clean(corpus, tmp_path_factory, model_dir):
    settings = Settings.load(data_dir=tmp_path_factory.mktemp("clean"), model_dir=model_dir, chroma_host="")
    Indexer(settings, progress=False).run([corpus])
    return store_fingerprint(settings)


def _ingest_command(settings: Settings, corpus: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "rag.cli", "ingest", str(corpus), *extra, "--data-dir", str(settings.data_dir),
            "--model-dir", str(settings.model_dir), "--chroma-host", ""]


def _kill_after(command: list[str], files_done: int, delay: float) -> int:
    """Start an ingest, SIGKILL it ``delay`` s after its progress bar shows ``files_done`` files done;
    returns its exit status (-9 when the kill landed before it finished)."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=PROJECT_ROOT)
    done = [0]
    reached = threading.Event()

    def watch() -> None:
        buffer = b""
        while chunk := process.stderr.read1(4096):
            buffer = (buffer + chunk)[-4096:]
            for match in PROGRESS.finditer(buffer):
                done[0] = max(done[0], int(match.group(1)))
            if done[0] >= files_done:
                reached.set()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    reached.wait(timeout=300)
    time.sleep(delay)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    return process.wait(timeout=60)


@pytest.mark.parametrize(("files_done", "delay"), [(0, 1.0), (1, 0.5), (2, 0.3)],
                         ids=["inside-the-first-file", "inside-the-second-file", "inside-the-last-file"])
def test_killed_ingest_is_completed_by_the_next_run(corpus, clean, tmp_path, model_dir, files_done, delay):
    settings = Settings.load(data_dir=tmp_path / "data", model_dir=model_dir, chroma_host="")
    assert _kill_after(_ingest_command(settings, corpus), files_done, delay) == -signal.SIGKILL
    assert store_fingerprint(settings) != clean  # the kill did land half-way

    report = Indexer(settings, progress=False).run([corpus])
    assert not report.errors
    assert store_fingerprint(settings) == clean


def test_killed_rebuild_leaves_the_live_index_whole(corpus, clean, tmp_path, model_dir):
    settings = Settings.load(data_dir=tmp_path / "data", model_dir=model_dir, chroma_host="")
    Indexer(settings, progress=False).run([corpus])
    assert _kill_after(_ingest_command(settings, corpus, "--rebuild"), 1, 0.5) == -signal.SIGKILL
    assert store_fingerprint(settings) == clean  # the rebuild was building beside it
    Indexer(settings, progress=False).run([corpus], rebuild=True)
    assert store_fingerprint(settings) == clean
