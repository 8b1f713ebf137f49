"""A real `chroma run` server on 127.0.0.1 that a test can stop, pause and start again on the same port."""

from __future__ import annotations

import gzip
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    """``chroma run`` over one folder; ``stop``/``start`` keep the port and the data."""

    def __init__(self, path: Path) -> None:
        self.path, self.port = path, free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        chroma = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
        self.process = subprocess.Popen(
            [chroma, "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self.process.returncode}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        raise TimeoutError("chroma run did not start listening")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


@pytest.fixture
def chroma_server(tmp_path: Path):
    server = ChromaServer(tmp_path / "server")
    server.start()
    try:
        yield server
    finally:
        if server.process and server.process.poll() is None:
            server.resume()
        server.stop()


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _dictd_number(value: int) -> str:
    digits = ""
    while True:
        digits = _B64[value % 64] + digits
        value //= 64
        if not value:
            return digits


@pytest.fixture
def write_dictionary(tmp_path):
    """Writes a dictd dictionary (headword → entry text) under tmp_path; returns its path stem."""
    def write(entries: dict[str, str]) -> Path:
        text, index = b"", []
        for headword, entry in sorted(entries.items()):
            data = entry.encode("utf-8")
            index.append(f"{headword}\t{_dictd_number(len(text))}\t{_dictd_number(len(data))}")
            text += data
        stem = tmp_path / "test-eng-pol"
        Path(f"{stem}.index").write_text("00databaseshort\tA\tB\n" + "\n".join(index) + "\n", encoding="utf-8")
        Path(f"{stem}.dict.dz").write_bytes(gzip.compress(text))
        return stem

    return write
