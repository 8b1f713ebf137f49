"""Fixtures for the served chat: the real chat on a free loopback port, headless Chromium, and ports.

The app runs in gradio's own server thread over the session's real ``Assistant`` (see
``tests/conftest.py``) or over a test's fake; Chromium is the Debian package, driven by Playwright
without its downloads.
"""

from __future__ import annotations

import socket
from importlib.util import find_spec
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ANSWER_TIMEOUT_MS = 60_000  # a cold first question loads nothing, but a slow CI machine may be slow


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: apt-get install -y chromium (never `playwright install`)"
    if find_spec("playwright") is None:
        return "playwright is not installed: pip install -e '.[test]'"
    return None


def pytest_collection_modifyitems(items):
    """Skip the browser tests before their fixtures ingest the corpus, when they could not run anyway."""
    reason = browser_missing()
    if reason is None:
        return
    for item in items:
        if item.path.is_relative_to(HERE) and {"chat", "browser"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.skip(reason=reason))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch(assistant, settings):
    """The page and its API served as ``rag serve`` serves them, on a free port: (app, its URL)."""
    from app.chat import build_app, launch_options

    settings = settings.replace(port=free_port())
    app = build_app(assistant, settings).queue()
    app.launch(prevent_thread_lock=True, **launch_options(settings))
    return app, f"http://{settings.host}:{settings.port}/"


@pytest.fixture(scope="module")
def chat_url(assistant, ingested_settings):
    app, url = launch(assistant, ingested_settings)
    yield url
    app.close()


@pytest.fixture
def serve_fake():
    """``serve_fake(assistant)`` serves the chat over a test's fake assistant and gives its URL;
    ``settings`` (e.g. a temporary ``data_dir`` for the feedback file) default to ``Settings()``."""
    from rag.config import Settings

    apps = []

    def start(assistant, settings: Settings | None = None) -> str:
        app, url = launch(assistant, settings or Settings())
        apps.append(app)
        return url

    yield start
    for app in apps:
        app.close()


@pytest.fixture
def unused_port() -> int:
    return free_port()


@pytest.fixture
def busy_port():
    """A loopback port that another program is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture(scope="module")
def browser():
    """Playwright gives each launch a fresh temporary profile (it refuses ``--user-data-dir``)."""
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class ChatPage:
    """The chat as a user sees it: type, send, wait for the reply, click; records every request."""

    REPLY = "#rag-chat .rag-answer, #rag-chat .rag-refusal, #rag-chat .rag-error"

    def __init__(self, page, url: str) -> None:
        self.page, self.url = page, url
        self.requests: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.goto(url, wait_until="load")  # gradio keeps a stream open: never "networkidle"
        page.wait_for_selector("#rag-question textarea")

    def ask(self, text: str) -> None:
        """Send ``text`` and wait until one more reply than before is in the chat."""
        replies = self.page.locator(self.REPLY).count()
        self.page.fill("#rag-question textarea", text)
        self.page.click("#rag-send")
        self.page.wait_for_function(
            "([selector, n]) => document.querySelectorAll(selector).length > n",
            arg=[self.REPLY, replies], timeout=ANSWER_TIMEOUT_MS,
        )

    def last_reply(self):
        return self.page.locator("#rag-chat .message-content").last

    def choose(self, group: str, label: str) -> None:
        """Click a radio option, e.g. ``choose("rag-mode", "Briefing")``."""
        self.page.click(f"#{group} label:has-text('{label}')")

    def external_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith((self.url, "data:", "blob:"))]


@pytest.fixture
def chat(browser, chat_url):
    """A fresh page, so each test starts a new conversation."""
    page = browser.new_page(viewport={"width": 1280, "height": 960}, locale="pl-PL")
    yield ChatPage(page, chat_url)
    page.close()
