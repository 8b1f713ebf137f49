"""An assistant for a long-running server: it follows the store as ingests change it.

The ``Assistant`` loads the corpus, the keyword index and (in embedded mode) chromadb's in-memory
vector index once. After an ingest in another process that picture is stale, and after
``rag ingest --rebuild`` the collections it holds are gone. This wrapper checks the store's version
before each question and reloads when it changed; while the store is unreachable or being swapped it
retries for a bounded time, then lets :class:`StoreUnavailable` through for the page to explain.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from rag.config import Settings
from rag.errors import EmptyIndex, RagError, StoreUnavailable
from rag.store import forget_embedded_clients, store_version

log = logging.getLogger(__name__)

RETRY_PAUSE = 0.2  # seconds between attempts while a rebuild swaps the collections


class LiveAssistant:
    """``ask``/``brief`` like ``Assistant``; opens the store on first use and reopens it when it changed.

    ``factory`` builds an assistant from settings and ``version`` reads the store's version (both
    replaceable in tests); the page can start before anything is ingested and answers once it is.
    """

    def __init__(self, settings: Settings, factory: Callable | None = None,
                 version: Callable[[Settings], str] | None = None) -> None:
        self.settings = settings
        self._factory = factory or _assistant
        self._version = version or store_version
        self._assistant = None
        self._loaded_version: str | None = None
        self._lock = threading.Lock()

    def ask(self, question: str, history: list[str] | None = None):
        return self._with_assistant(lambda assistant: assistant.ask(question, history=history))

    def brief(self, topic: str):
        return self._with_assistant(lambda assistant: assistant.brief(topic))

    def warm_up(self) -> None:
        """Load the model and store at start-up so the first question is not the slow one."""
        try:
            self._current()
        except RagError as error:
            log.warning("The assistant is not ready yet: %s", error)

    def _with_assistant(self, call: Callable):
        """Run ``call`` on an up-to-date assistant; a store failure mid-way (a rebuild's swap, a server
        restart) is retried on a reloaded one until ``store_timeout`` has passed."""
        deadline = time.monotonic() + self.settings.store_timeout
        while True:
            try:
                return call(self._current())
            except (StoreUnavailable, EmptyIndex) as error:
                # An empty store that was never loaded is not going to fill up in a few seconds.
                never_loaded = isinstance(error, EmptyIndex) and self._loaded_version is None
                if never_loaded or time.monotonic() >= deadline:
                    raise
                with self._lock:
                    self._assistant = None  # reopen on the next attempt
                time.sleep(RETRY_PAUSE)

    def _current(self):
        with self._lock:
            version = self._version(self.settings)
            if self._assistant is None or version != self._loaded_version:
                if self._assistant is not None:
                    log.info("The store changed (version %s); reloading.", version or "none")
                if not self.settings.chroma_host:
                    forget_embedded_clients()  # or chromadb would hand back its in-memory picture
                self._assistant = self._factory(self.settings)
                self._loaded_version = version
            return self._assistant


def _assistant(settings: Settings):
    from rag.assistant import Assistant  # heavy: loads only when first needed

    return Assistant(settings)
