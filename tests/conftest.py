"""Shared fixtures: the real embedding model and a real Chroma store holding the shipped corpus.

Built once per test session (the model directory is cached in the project's data dir across runs).
Every test that opens a socket to a non-loopback address fails: nothing here may need the network.
"""

from __future__ import annotations

import ipaddress
import socket

import pytest

import rag.offline  # noqa: F401
from rag.config import Settings


def _is_loopback(address) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost would need DNS: not allowed


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Fail any connection to a non-loopback address (AF_UNIX sockets are local by nature)."""
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise AssertionError(f"network access attempted: {address!r}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(scope="session")
def model_dir():
    from rag.embedding import ensure_default_model

    return ensure_default_model(Settings.load())


@pytest.fixture(scope="session")
def base_settings(tmp_path_factory, model_dir) -> Settings:
    """Settings on a fresh data dir, with the (cached) default model."""
    return Settings.load(data_dir=tmp_path_factory.mktemp("data"), model_dir=model_dir, chroma_host="")


@pytest.fixture(scope="session")
def ingested_settings(base_settings) -> Settings:
    """A real embedded Chroma store holding the shipped corpus (do not modify it in tests)."""
    from ingest.indexer import Indexer

    report = Indexer(base_settings, progress=False).run()
    assert not report.errors and report.chunks_total > 0
    return base_settings


@pytest.fixture(scope="session")
def assistant(ingested_settings):
    from rag.assistant import Assistant

    return Assistant(ingested_settings)
