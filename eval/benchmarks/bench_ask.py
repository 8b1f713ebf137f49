"""End-to-end benchmark: ingest time, assistant load time, ask/brief latency and peak memory.

Not a test: it prints figures for the README. Runs on a fresh store in a temporary data dir, with
the model directory of the default settings (built first if needed). The first pass over the
questions is reported apart from later passes, whose sentence and analysis caches are warm.
Run: ``python -m eval.benchmarks.bench_ask [--repeat 3]``
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from eval.runner import DEFAULT_QA_PATH, load_qa
from rag.config import Settings


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="passes over the question set")
    args = parser.parse_args(argv)

    from ingest.indexer import Indexer
    from rag.assistant import Assistant
    from rag.embedding import ensure_default_model

    model_dir = ensure_default_model(Settings.load())
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings.load(data_dir=Path(data_dir), model_dir=model_dir, chroma_host="")
        start = time.perf_counter()
        report = Indexer(settings, progress=False).run()
        ingest_s = time.perf_counter() - start
        start = time.perf_counter()
        Indexer(settings, progress=False).run()
        reingest_s = time.perf_counter() - start

        start = time.perf_counter()
        assistant = Assistant(settings)
        load_s = time.perf_counter() - start

        items = load_qa(DEFAULT_QA_PATH)
        questions = [i.question for i in items if i.type != "briefing"]
        topics = [i.question for i in items if i.type == "briefing"]
        assistant.ask("Jak nazywa się rzeka płynąca przez miasto?")  # warm-up, on no question of the set
        first, repeated, briefs = [], [], []
        for n in range(args.repeat):
            for question in questions:
                start = time.perf_counter()
                assistant.ask(question)
                (first if n == 0 else repeated).append(time.perf_counter() - start)
            for topic in topics:
                start = time.perf_counter()
                assistant.brief(topic)
                briefs.append(time.perf_counter() - start)

    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    q = statistics.quantiles(first, n=100)
    print("| measure | value |\n|---|---|")
    print(f"| ingest, shipped corpus ({report.chunks_total} chunks, cold store) | {ingest_s:.1f} s |")
    print(f"| re-ingest, nothing changed | {reingest_s:.1f} s |")
    print(f"| assistant load after ingest (store, keyword index; model already in memory) | {load_s:.1f} s |")
    print(f"| `ask` p50 / p95, first pass ({len(first)} questions never asked in this process) | {_ms(q[49])} / {_ms(q[94])} |")
    if len(repeated) > 1:
        r = statistics.quantiles(repeated, n=100)
        print(f"| `ask` p50 / p95, repeated passes ({len(repeated)} questions, caches warm) | {_ms(r[49])} / {_ms(r[94])} |")
    print(f"| `brief` median ({len(briefs)} topics) | {_ms(statistics.median(briefs))} |")
    print(f"| peak resident memory of the process | {peak_mib:.0f} MiB |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
