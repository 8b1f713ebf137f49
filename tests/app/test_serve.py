"""``rag serve``'s checks before anything loads: who could reach the page, and whether its port is free.

Nothing here listens beyond loopback: the other addresses are only checked, and their bind fails.
"""

from __future__ import annotations

import socket

import pytest

from app import chat
from app.chat import ensure_port_free, exposure_warning
from rag.cli import main
from rag.errors import RagError


@pytest.fixture
def loads(monkeypatch) -> list:
    """The settings of every assistant ``serve`` would load: it must load none when it cannot serve."""
    loaded = []
    monkeypatch.setattr(chat, "LiveAssistant", loaded.append)
    return loaded


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_addresses_need_no_warning(host):
    assert exposure_warning(host) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "office-pc"])
def test_any_other_address_warns_that_everyone_on_the_network_can_use_the_chat(host):
    warning = exposure_warning(host)
    assert warning.startswith(f"WARNING: the chat will listen on {host}, not only on this computer.")
    assert "Everyone who can reach this machine over the network" in warning and "sign-in page" in warning


def test_a_busy_port_is_refused_with_the_setting_that_fixes_it(busy_port):
    with pytest.raises(RagError) as raised:
        ensure_port_free("127.0.0.1", busy_port)
    message = str(raised.value)
    assert message.startswith(f"Port {busy_port} on 127.0.0.1 is in use")
    assert "--port or RAG_PORT" in message and "GRADIO_SERVER_PORT" not in message


def test_a_free_port_passes_the_check_and_is_left_free(unused_port):
    ensure_port_free("127.0.0.1", unused_port)
    ensure_port_free("127.0.0.1", unused_port)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", unused_port))


def test_an_address_of_another_machine_is_refused_with_the_reason(unused_port):
    with pytest.raises(RagError, match=f"Cannot listen on 192.0.2.1 port {unused_port}: .*--host/--port"):
        ensure_port_free("192.0.2.1", unused_port)  # TEST-NET-1: never an address of this machine


def test_serve_on_a_busy_port_exits_with_the_advice_before_loading_anything(busy_port, loads, capsys):
    assert main(["serve", "--port", str(busy_port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rag: Port {busy_port} on 127.0.0.1 is in use") and "Traceback" not in err
    assert loads == []


def test_serve_on_all_interfaces_prints_the_warning_first(busy_port, loads, capsys):
    assert main(["serve", "--host", "0.0.0.0", "--port", str(busy_port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("WARNING: the chat will listen on 0.0.0.0")
    assert f"rag: Port {busy_port} on 0.0.0.0 is in use" in err and loads == []


@pytest.mark.slow
def test_serve_says_where_the_page_is_and_never_suggests_a_share_link(tmp_path):
    import subprocess
    import sys
    import time
    import urllib.request

    from rag.config import PROJECT_ROOT

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "serve", "--port", str(port), "--data-dir", str(tmp_path), "--chroma-host", ""],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=PROJECT_ROOT,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
    finally:
        process.terminate()
        output = process.communicate(timeout=60)[0]
    assert f"The chat is on http://127.0.0.1:{port}/" in output
    assert "share=True" not in output and "Traceback" not in output
