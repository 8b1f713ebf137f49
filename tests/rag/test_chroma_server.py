"""The same ingest and ask against a real `chroma run` server on 127.0.0.1."""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.indexer import Indexer
from rag.assistant import Assistant
from rag.config import Settings

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chroma run exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError("chroma run did not start listening")


@pytest.fixture
def chroma_server(tmp_path: Path):
    chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = _free_port()
    process = subprocess.Popen(
        [chroma, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_ingest_and_ask_run_unchanged_against_a_chroma_server(chroma_server, tmp_path, model_dir):
    settings = Settings.load(data_dir=tmp_path / "client", model_dir=model_dir,
                             chroma_host="127.0.0.1", chroma_port=chroma_server)
    first = Indexer(settings, progress=False).run()
    again = Indexer(settings, progress=False).run()
    assert len(first.added) == 5 and len(again.unchanged) == 5 and again.chunks_total == first.chunks_total
    assert not (tmp_path / "client" / "chroma").exists()  # nothing written to an embedded store

    answer = Assistant(settings).ask("Kto przewodniczył delegacji z Frankfurtu w 2022 roku?")
    assert "Elke Voitl" in answer.answer and not answer.refused
