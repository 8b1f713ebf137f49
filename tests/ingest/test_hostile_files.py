"""Hostile files mixed into a corpus, through the real `rag ingest`: each is named on stderr with its
reason, every readable file is indexed, the run exits 1, and nothing already indexed is lost."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ingest.indexer import Indexer
from ingest.lock import ingest_lock
from rag.config import PROJECT_ROOT, Settings
from rag.embedding import model_fingerprint
from rag.errors import StoreBusy
from rag.store import ChunkStore

pytestmark = [pytest.mark.slow, pytest.mark.reliability]

# Written for these tests.
WRAPPED = textwrap.fill(
    "Zespół interdyscyplinarny z Podgórza spotkał się w październiku z kuratorami sądowymi, żeby uzgodnić, "
    "jak szybciej wymieniać informacje o rodzinach objętych nadzorem. Ustalono, że każda ze stron wyznaczy "
    "jedną osobę do kontaktu, a wspólne narady odbywać się będą raz na kwartał w siedzibie filii.", width=72,
)
POLISH = (
    "Ośrodek przygotował nowy informator dla seniorów. Znajdują się w nim adresy klubów, numery telefonów "
    "zaufania i opis usług opiekuńczych świadczonych w domu.\n"
)
MIXED = (
    "Ośrodek otworzył punkt wydawania żywności w Bronowicach.\n"
    "Punkt działa we wtorki i piątki od dziewiątej do trzynastej.\n"
)


def _hostile_folder(folder: Path) -> dict[str, str]:
    """Writes the hostile files; returns file name → what stderr must say about it."""
    rnd = random.Random(7)
    (folder / "dlugi_wiersz.txt").write_text("Uwaga " * 166 + "lista:\n" + POLISH, encoding="utf-8")
    (folder / "losowe.txt").write_bytes(bytes(rnd.randrange(32, 256) for _ in range(1 << 20)))
    (folder / "zawiniety.txt").write_text(WRAPPED + "\n", encoding="utf-8")
    (folder / "mieszany.txt").write_bytes(MIXED.encode("utf-8").replace("piątki".encode(), b"pi\xb9tki"))
    (folder / "utf16.txt").write_bytes(POLISH.encode("utf-16"))
    (folder / "pusty.txt").write_bytes(b"")
    (folder / "binarny.md").write_bytes(b"\x00\x01\x02 obraz")
    (folder / "raport.pdf").write_bytes(b"%PDF-1.4 udawany")
    (folder / "slajdy.pptx").write_bytes(b"PK\x03\x04 udawany")
    os.symlink(folder / "petla", folder / "petla")  # a link to itself
    return {
        "losowe.txt": "not text",
        "mieszany.txt": "line 2: bytes that are not UTF-8 were replaced",
        "pusty.txt": "empty",
        "binarny.md": "binary",
        "raport.pdf": "not a readable PDF file",
        "slajdy.pptx": "unsupported type",
        "petla": "a broken link or a link loop",
    }


def test_hostile_files_are_named_and_the_readable_ones_indexed(tmp_path, model_dir):
    folder = tmp_path / "docs"
    folder.mkdir()
    for path in sorted((PROJECT_ROOT / "data" / "corpus").glob("*.txt"))[:1]:
        shutil.copy(path, folder / path.name)
    expected = _hostile_folder(folder)
    settings = Settings.load(data_dir=tmp_path / "data", model_dir=model_dir, chroma_host="")

    run = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ingest", str(folder), "--quiet", "--data-dir", str(settings.data_dir),
         "--model-dir", str(settings.model_dir), "--chroma-host", ""],
        capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300,
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    for name, reason in expected.items():
        assert any(name in line and reason in line for line in lines), (name, run.stderr)
    assert "added 5," in run.stdout  # the shipped file, the long line, the wrapped, the mixed, the UTF-16 one

    sources = {c.metadata["source"] for c in ChunkStore(settings, model_fingerprint(settings)).all_chunks()}
    assert sources == {"000_62ba01a90f8b1689.txt", "dlugi_wiersz.txt", "zawiniety.txt", "mieszany.txt", "utf16.txt"}


def test_a_second_ingest_is_refused_while_one_is_writing(tmp_path, model_dir):
    settings = Settings.load(data_dir=tmp_path / "data", model_dir=model_dir, chroma_host="")
    with ingest_lock(settings), pytest.raises(StoreBusy, match="Another `rag ingest`"):
        Indexer(settings, progress=False).run([tmp_path])
