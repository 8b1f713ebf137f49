"""The scale benchmark: its generated archive is varied and carries findable facts, and a run at ~10^2
chunks yields every figure the README table needs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.benchmarks import scale
from eval.benchmarks.scale_corpus import load_questions, write_corpus


def test_generated_items_are_distinct_and_each_planted_fact_sits_in_its_own_file(tmp_path: Path):
    questions = write_corpus(tmp_path / "corpus", 60, planted=6)
    texts = [p.read_text(encoding="utf-8") for p in sorted((tmp_path / "corpus").rglob("*.txt"))]
    assert len(texts) == 60 and len(set(texts)) == 60
    assert load_questions(tmp_path / "corpus") == questions and len(questions) == 6
    for question in questions:
        holders = [p.name for p in (tmp_path / "corpus").rglob("*.txt") if question.expected in p.read_text(encoding="utf-8")
                   and question.question.split("„")[1].split("”")[0] in p.read_text(encoding="utf-8")]
        assert holders == [question.source]


def test_the_same_seed_gives_the_same_archive(tmp_path: Path):
    write_corpus(tmp_path / "a" / "corpus", 5, planted=1)
    write_corpus(tmp_path / "b" / "corpus", 5, planted=1)
    for path in (tmp_path / "a" / "corpus").rglob("*.txt"):
        assert path.read_bytes() == (tmp_path / "b" / "corpus" / path.relative_to(tmp_path / "a" / "corpus")).read_bytes()


@pytest.mark.slow
def test_a_run_at_a_hundred_chunks_measures_every_figure_and_finds_the_planted_facts(tmp_path: Path, model_dir, capsys):
    assert scale.main(["run", "--chunks", "100", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "100" / "results.json").read_text())
    embedded = results["embedded"]
    assert results["build"]["chunks"] >= 50
    assert embedded["hit_at_3"] >= 0.75
    for key in ("startup_cold_s", "startup_warm_s", "startup_after_ingest_s", "ask_p95_ms", "peak_rss_warm_mb",
                "reingest_sync_s", "reingest_corpus_s", "store_bytes"):
        assert embedded[key] > 0
    assert embedded["after_ingest_from_cache"]  # the re-ingest saved the corpus analysis for the next start
    capsys.readouterr()
    assert scale.main(["planted", "--chunks", "100", "--out", str(tmp_path)]) == 0  # the built store, measured again
    planted = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert planted["hit_at_3"] >= 0.75 and planted["ask_p95_ms"] > 0 and planted["questions"] == planted["planted"] + 16
    assert scale.main(["report", "--out", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    assert "| planted-fact hit@3" in table and "100 embedded" in table
