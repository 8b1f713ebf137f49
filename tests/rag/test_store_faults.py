"""A store server that is dead, stalled, paused or killed mid-session: bounded waits, clear words, and
answers again once it is back, without a restart."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ingest.indexer import Indexer
from rag.config import PROJECT_ROOT, Settings
from rag.errors import StoreUnavailable
from rag.live import LiveAssistant
from rag.store import ChunkStore

pytestmark = [pytest.mark.slow, pytest.mark.reliability]

TIMEOUT = 1.0
BOUND = 3 * TIMEOUT + 10  # generous: the point is that the wait ends, not how fast
# Written for these tests.
NOTE = (
    "Dyżur punktu porad w Nowej Hucie\n\n2024-02-12\n\n"
    "Od lutego punkt porad dla opiekunów osób starszych przyjmuje także w Nowej Hucie. Dyżury odbywają się "
    "w każdy czwartek od dziesiątej do czternastej w filii przy placu Centralnym.\n"
)
QUESTION = "W jaki dzień tygodnia są dyżury punktu porad w Nowej Hucie?"


@pytest.fixture
def stalled_port():
    """A server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    listener.close()


def _server_settings(tmp_path: Path, port: int, model_dir) -> Settings:
    return Settings.load(data_dir=tmp_path / "client", model_dir=model_dir, chroma_host="127.0.0.1",
                         chroma_port=port, store_timeout=TIMEOUT)


def _rag(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args, "--quiet", "--data-dir", str(settings.data_dir),
         "--model-dir", str(settings.model_dir), "--chroma-host", settings.chroma_host,
         "--chroma-port", str(settings.chroma_port), "--store-timeout", str(settings.store_timeout)],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120,
    )


def test_stalled_server_fails_within_the_timeout(stalled_port, tmp_path, model_dir):
    settings = _server_settings(tmp_path, stalled_port, model_dir)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="did not answer within 1 s"):
        ChunkStore(settings, "model")
    assert time.monotonic() - started < BOUND


@pytest.mark.parametrize("command", [["ask", QUESTION], ["ingest", "--rebuild"]], ids=["ask", "ingest"])
def test_cli_on_a_stalled_server_exits_2_with_the_reason(stalled_port, tmp_path, model_dir, command):
    result = _rag(_server_settings(tmp_path, stalled_port, model_dir), *command)
    assert result.returncode == 2
    assert "did not answer within 1 s" in result.stderr and "Traceback" not in result.stderr


def test_cli_on_a_dead_server_exits_2_saying_it_is_not_running(tmp_path, model_dir):
    from tests.rag.conftest import free_port

    result = _rag(_server_settings(tmp_path, free_port(), model_dir), "ask", QUESTION)
    assert result.returncode == 2
    assert "is `chroma run` running?" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def served(chroma_server, tmp_path, model_dir):
    """A server store holding one note, and a live assistant on it with the answer it gives."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "dyzur.txt").write_text(NOTE, encoding="utf-8")
    settings = _server_settings(tmp_path, chroma_server.port, model_dir)
    Indexer(settings, progress=False).run([docs])
    live = LiveAssistant(settings)
    return live, live.ask(QUESTION).answer


def test_killed_server_is_reported_and_answers_return_when_it_restarts(chroma_server, served):
    live, solo = served
    chroma_server.stop()
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="chroma run"):
        live.ask(QUESTION)
    assert time.monotonic() - started < BOUND
    chroma_server.start()
    assert live.ask(QUESTION).answer == solo


def test_paused_server_holds_no_one_longer_than_the_timeout(chroma_server, served):
    live, solo = served
    chroma_server.pause()
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            live.ask(QUESTION)
        assert time.monotonic() - started < BOUND
    finally:
        chroma_server.resume()
    assert live.ask(QUESTION).answer == solo
