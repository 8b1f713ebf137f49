"""Start-up benchmark of the ``rag ask`` command: N fresh processes, each answering one question.

Not a test: it prints figures for the README. Every run is a new ``rag ask`` process (first contact:
nothing is warm except what the product itself keeps on disk, and the operating system's file
cache), over an embedded store holding the shipped corpus. It reports:

- the wall time of plain ``rag ask`` processes (median and p90), the first one after the ingest
  apart (it finds no cached corpus analysis yet);
- a breakdown from separate, instrumented fresh processes that wrap the steps of
  ``Assistant.__init__`` and the first ``ask`` with timers (imports / model load / store open /
  corpus analysis / keyword index / first answer), plus the bare interpreter start;
- the machine's load average before and after, since the figures move with it.

Run: ``python -m eval.benchmarks.bench_cli_start [--runs 7] [--data-dir DIR]``
(default: a fresh temporary data dir, ingested first; the model directory of the default settings).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTION = "Kto przewodniczył delegacji z Frankfurtu w 2022 roku?"

# Runs in a fresh interpreter: the same work as `rag ask QUESTION`, with each step of
# Assistant.__init__ wrapped in a timer (names looked up in rag.assistant, so it measures the
# code as it is, before or after a change). Prints one JSON object of seconds per step.
_INSTRUMENTED = r"""
import gc, json, sys, time
T0 = time.perf_counter()
steps = {}
import rag.cli  # what the command imports before it knows the subcommand
# The command may pause the garbage collector for a one-answer process (rag.cli._collector_paused).
paused = hasattr(rag.cli, "_collector_paused")
if paused:
    gc.disable()
import rag.assistant as A
steps["imports"] = time.perf_counter() - T0

def timed(owner, name, label):
    if not hasattr(owner, name):
        return
    inner = getattr(owner, name)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            steps[label] = steps.get(label, 0.0) + time.perf_counter() - start
    setattr(owner, name, wrapper)

timed(A, "_import_nltk_without_optional_extras", "sentence splitter import (nltk)")
for name in ("load_embed_model", "load_query_model"):
    timed(A, name, "model load")
timed(A, "model_fingerprint", "model fingerprint")
timed(A, "ChunkStore", "store open")
timed(A.Corpus, "load", "corpus analysis")
timed(A, "build_retriever", "keyword index + retrievers")
from rag.config import Settings
settings = Settings.load()
start = time.perf_counter()
assistant = A.Assistant(settings)
steps["assistant (total)"] = time.perf_counter() - start
start = time.perf_counter()
answer = assistant.ask(sys.argv[1])
steps["first answer"] = time.perf_counter() - start
steps["in-process total"] = time.perf_counter() - T0
print(json.dumps(steps))
"""

ORDER = ["interpreter start", "imports", "sentence splitter import (nltk)", "model load", "model fingerprint",
         "store open", "corpus analysis", "keyword index + retrievers", "first answer"]


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])}… failed ({done.returncode}):\n{done.stderr}")
    return elapsed, done


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1] if len(values) > 1 else values[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="fresh `rag ask` processes to time (default 7)")
    parser.add_argument("--breakdown-runs", type=int, default=3, help="instrumented processes (default 3)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="data dir with (or to receive) the shipped corpus; default: a temporary one")
    parser.add_argument("--question", default=QUESTION)
    args = parser.parse_args(argv)

    import rag.offline  # noqa: F401
    from rag.config import Settings
    from rag.embedding import ensure_default_model

    model_dir = ensure_default_model(Settings.load())
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp)
        env = {**os.environ, "RAG_DATA_DIR": str(data_dir), "RAG_MODEL_DIR": str(model_dir), "RAG_CHROMA_HOST": ""}
        rag = [sys.executable, "-m", "rag.cli"]
        print(f"load average before: {_load()}  (cores: {os.cpu_count()})", flush=True)
        ingest_s, _ = _run([*rag, "ingest", "-q"], env)
        print(f"rag ingest: {ingest_s:.1f} s", flush=True)

        first_s, first = _run([*rag, "ask", args.question], env)
        walls = []
        for _ in range(args.runs):
            elapsed, done = _run([*rag, "ask", args.question], env)
            if done.stdout != first.stdout:
                raise SystemExit("two runs of the same question gave different answers")
            walls.append(elapsed)

        starts = [_run([sys.executable, "-c", "pass"], env)[0] for _ in range(args.breakdown_runs)]
        breakdowns = []
        for _ in range(args.breakdown_runs):
            _, done = _run([sys.executable, "-c", _INSTRUMENTED, args.question], env)
            breakdowns.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"load average after: {_load()}\n")

    print("| `rag ask`, fresh process | wall time |\n|---|---|")
    print(f"| first ask after the ingest | {first_s:.2f} s |")
    print(f"| median of {len(walls)} | {statistics.median(walls):.2f} s |")
    print(f"| p90 of {len(walls)} | {_p90(walls):.2f} s |")
    print(f"| all | {', '.join(f'{w:.2f}' for w in walls)} |\n")

    keys = [k for k in ORDER if k == "interpreter start" or any(k in b for b in breakdowns)]
    print(f"| step (median of {len(breakdowns)} instrumented processes) | seconds |\n|---|---|")
    for key in keys:
        values = starts if key == "interpreter start" else [b.get(key, 0.0) for b in breakdowns]
        print(f"| {key} | {statistics.median(values):.2f} |")
    in_process = statistics.median(b["in-process total"] for b in breakdowns)
    print(f"| in-process total (imports → first answer) | {in_process:.2f} |")
    rest = statistics.median(walls) - in_process - statistics.median(starts)
    print(f"| the rest: printing, exit (median wall − in-process total − interpreter start) | {rest:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
