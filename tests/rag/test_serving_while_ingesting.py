"""Ingest and rebuild in another process while the server's assistant answers: no failed answer, and the
new document is answered from as soon as the ingest ends, without a restart."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ingest.indexer import Indexer
from rag.config import PROJECT_ROOT, Settings
from rag.live import LiveAssistant

pytestmark = [pytest.mark.slow, pytest.mark.reliability]

# Written for these tests.
FIRST = (
    "Kurs pierwszej pomocy dla opiekunek domowych\n\n2023-09-18\n\n"
    "We wrześniu trzydzieści opiekunek domowych ukończyło kurs pierwszej pomocy prowadzony przez ratowników "
    "z pogotowia. Zajęcia odbyły się w sali szkoleniowej przy ulicy Józefińskiej.\n"
)
SECOND = (
    "Nowa siedziba klubu seniora na Ruczaju\n\n2024-04-03\n\n"
    "Klub seniora z Ruczaju przeniósł się do odnowionego lokalu przy ulicy Kobierzyńskiej. Spotkania "
    "odbywają się tam od poniedziałku do piątku, a w środy działa kółko szachowe.\n"
)
ASKED = "Ile opiekunek ukończyło kurs pierwszej pomocy?"
NEW = "Gdzie jest nowa siedziba klubu seniora na Ruczaju?"


def _ingest(settings: Settings, folder: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", "ingest", str(folder), *extra, "--quiet", "--data-dir",
         str(settings.data_dir), "--model-dir", str(settings.model_dir), "--chroma-host", ""],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300,
    )


def test_ingest_and_rebuild_while_answering_fail_no_question(tmp_path, model_dir):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "kurs.txt").write_text(FIRST, encoding="utf-8")
    settings = Settings.load(data_dir=tmp_path / "data", model_dir=model_dir, chroma_host="")
    Indexer(settings, progress=False).run([folder])
    live = LiveAssistant(settings)
    solo = live.ask(ASKED).answer

    answers: list[str] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            try:
                answers.append(live.ask(ASKED).answer)
            except BaseException as error:  # any failure at all is what this test counts
                failures.append(error)

    askers = [threading.Thread(target=keep_asking) for _ in range(2)]
    for asker in askers:
        asker.start()
    try:
        (folder / "klub.txt").write_text(SECOND, encoding="utf-8")
        added = _ingest(settings, folder)
        rebuilt = _ingest(settings, folder, "--rebuild")
    finally:
        stop.set()
        for asker in askers:
            asker.join(60)

    assert added.returncode == 0 and rebuilt.returncode == 0, added.stderr + rebuilt.stderr
    assert failures == [] and len(answers) > 2
    assert set(answers) == {solo}  # every answer during both runs was the one given before
    new = live.ask(NEW)
    assert not new.refused and any(c.source == "klub.txt" for c in new.citations)
