"""The server's assistant follows the store: it reloads on a new version and rides out a brief outage."""

import pytest

from rag.config import Settings
from rag.errors import EmptyIndex, StoreUnavailable
from rag.live import LiveAssistant


class Built:
    """What the factory hands out: remembers which build it is; can be told to fail its next calls."""

    def __init__(self, number: int, failures: list) -> None:
        self.number, self.failures = number, failures

    def ask(self, question, history=None):
        if self.failures:
            raise self.failures.pop(0)
        return (self.number, question)

    def brief(self, topic):
        return (self.number, topic)


@pytest.fixture
def settings():
    return Settings(store_timeout=1.0, chroma_host="127.0.0.1")  # a server store: no embedded cache to reset


def _live(settings, versions: list, failures: list | None = None):
    builds = []

    def factory(s):
        builds.append(Built(len(builds) + 1, failures if failures is not None else []))
        return builds[-1]

    return LiveAssistant(settings, factory=factory, version=lambda s: versions[0]), builds


def test_same_store_version_reuses_the_loaded_assistant(settings):
    live, builds = _live(settings, ["v1"])
    assert live.ask("pierwsze") == (1, "pierwsze") and live.brief("temat") == (1, "temat")
    assert len(builds) == 1


def test_new_store_version_reloads_before_answering(settings):
    versions = ["v1"]
    live, builds = _live(settings, versions)
    live.ask("przed")
    versions[0] = "v2"  # an ingest in another process finished
    assert live.ask("po") == (2, "po") and len(builds) == 2


def test_store_failure_mid_answer_is_retried_on_a_reloaded_assistant(settings):
    live, builds = _live(settings, ["v1"], failures=[StoreUnavailable("collection does not exist")])
    assert live.ask("w trakcie przebudowy") == (2, "w trakcie przebudowy")


def test_store_down_for_longer_than_the_timeout_is_reported(settings):
    failures = [StoreUnavailable("down")] * 100
    live, _ = _live(settings, ["v1"], failures=failures)
    with pytest.raises(StoreUnavailable):
        live.ask("nikt nie odpowiada")


def test_store_never_ingested_is_reported_at_once():
    calls = []

    def version(settings):
        calls.append(1)
        raise EmptyIndex("No index. Run `rag ingest` first.")

    live = LiveAssistant(Settings(store_timeout=30.0), factory=lambda s: None, version=version)
    with pytest.raises(EmptyIndex, match="rag ingest"):
        live.ask("cokolwiek")
    assert len(calls) == 1  # no waiting for an index that is not coming


def test_warm_up_on_a_missing_store_logs_and_answers_once_it_exists(settings):
    state = {"ready": False}

    def version(s):
        if not state["ready"]:
            raise EmptyIndex("No index yet.")
        return "v1"

    live = LiveAssistant(settings, factory=lambda s: Built(1, []), version=version)
    live.warm_up()  # does not raise
    state["ready"] = True
    assert live.ask("teraz") == (1, "teraz")
