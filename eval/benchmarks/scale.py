"""Scale benchmark: what an archive of 10^3–10^5 chunks costs, embedded and on a ``chroma run`` server.

Not a test: it prints figures for the README. For one size it generates a corpus (``scale_corpus``),
builds a store from it (``scale_store``: real chunks and terms, sample vectors plus noise), then
measures in fresh child processes, so every figure starts cold as a user's process would:

- start-up to first answer, with the corpus cache empty (a process in another data dir than the
  ingest's, or before this code: the first process after any ingest) and warm;
- ``ask`` p50/p95 over first-contact questions in a warm process, planted-fact hit@3, peak RSS;
- re-ingest of one changed file (the whole ``rag ingest FILE`` command, the sync alone, and the part
  of it that derives and saves the corpus analysis), then start-up of the first process after it;
- store size on disk; with ``--server`` the same against ``chroma run`` over the same folder.

``ingest`` measures real ingest speed side by side with the model's own batched throughput on the
same chunks (scale-independent, run once). ``report`` turns every result into the README table and
``docs/scale-cost.png``.

Run: ``python -m eval.benchmarks.scale run --chunks 1000 [--server]``,
``python -m eval.benchmarks.scale ingest``, ``python -m eval.benchmarks.scale report``;
``RAG_FUSION=rrf python -m eval.benchmarks.scale planted --chunks 10000 [--data COPY]``: planted-fact
hit@3 and latency on a built store under one fusion.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from eval.benchmarks.scale_corpus import FIRST, LAST, TOWNS, load_questions, write_corpus
from rag.config import PROJECT_ROOT, Settings

OUT = PROJECT_ROOT / "var" / "bench-scale"
CHUNKS_PER_FILE = 2.35  # the generator's mean, measured: sizes the corpus for a target chunk count
WARM_UP = "Jak nazywa się rzeka płynąca przez miasto?"


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _settings(data: Path, port: int | None = None) -> Settings:
    from rag.embedding import ensure_default_model

    model_dir = ensure_default_model(Settings.load(chroma_host=""))
    return Settings.load(data_dir=data, model_dir=model_dir, chroma_host="127.0.0.1" if port else "",
                         chroma_port=port or 8000, store_timeout=120.0)


def _env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ, RAG_DATA_DIR=str(settings.data_dir), RAG_MODEL_DIR=str(settings.model_dir),
               RAG_CHROMA_HOST=settings.chroma_host or "", RAG_CHROMA_PORT=str(settings.chroma_port),
               RAG_STORE_TIMEOUT=str(settings.store_timeout))
    return env


def generic_questions(count: int, seed: int = 5) -> list[str]:
    """Questions about the haystack, none planted: first contact for the latency figures."""
    rnd = random.Random(seed)
    forms = ("Kto przewodniczył spotkaniu w {town}?", "Ile osób korzysta z usług Domu Pomocy Społecznej?",
             "Kiedy zaplanowano kolejne spotkanie w {town}?", "Czym zajmuje się {first} {last}?",
             "Jaki budżet miał program Teleopieka?", "Kto podpisał porozumienie z miastem Lipsk?",
             "Ilu pracowników socjalnych zatrudniono w ramach projektu?", "Gdzie szkolił się zespół z {town}?")
    return [rnd.choice(forms).format(town=rnd.choice(TOWNS), first=rnd.choice(FIRST), last=rnd.choice(LAST))
            for _ in range(count)]


# --- child processes -----------------------------------------------------------------------------

def probe(args: argparse.Namespace) -> None:
    """Child: start an assistant, answer the warm-up, then every question once; print one JSON line."""
    from rag.assistant import Assistant

    started = time.perf_counter()
    settings = Settings.load()
    assistant = Assistant(settings)
    loaded = time.perf_counter()
    assistant.ask(WARM_UP)
    first_answer_at = time.time()
    print(json.dumps({
        "first_answer_at": first_answer_at, "load_s": loaded - started, "from_cache": assistant.corpus.from_cache,
        **_ask_every_question(assistant, Path(args.corpus)), "peak_rss_mb": _peak_rss_mb(),
    }))


def _ask_every_question(assistant, corpus: Path) -> dict:
    """Each planted question and 16 generic ones, once, in a warm ``assistant``: latency percentiles,
    planted-fact hit@3, the share of answers quoting the fact, and the planted questions missed."""
    from rag.text import fold

    planted = load_questions(corpus)
    questions = [(q.question, q.source, q.expected) for q in planted] + [(q, "", "") for q in generic_questions(16)]
    latencies, hits, found, missed = [], 0, 0, []
    for question, source, expected in questions:
        start = time.perf_counter()
        answer = assistant.ask(question)
        latencies.append((time.perf_counter() - start) * 1000)
        if source:
            hit = source in [p.source for p in answer.passages[:3]]
            hits += hit
            missed += [] if hit else [question]
            found += fold(expected) in fold(answer.answer)
    q = statistics.quantiles(latencies, n=100)
    return {"ask_p50_ms": q[49], "ask_p95_ms": q[94], "questions": len(latencies), "hit_at_3": hits / len(planted),
            "answer_has_fact": found / len(planted), "planted": len(planted), "missed": missed}


def reingest(args: argparse.Namespace) -> None:
    """Child: re-ingest one file; the sync alone is timed after the model has loaded."""
    from ingest.indexer import Indexer
    from rag.embedding import load_embed_model

    settings = Settings.load()
    load_embed_model(settings)
    start = time.perf_counter()
    report = Indexer(settings, progress=False, release_model=True).run([Path(args.file)])  # as `rag ingest`
    print(json.dumps({"sync_s": time.perf_counter() - start, "corpus_s": report.corpus_s,
                      "updated": len(report.updated), "added": len(report.added),
                      "chunks_written": report.chunks_written, "peak_rss_mb": _peak_rss_mb()}))


def _peak_rss_mb() -> float:
    """This process's peak resident memory since its exec (getrusage would count the parent's, inherited
    through fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _child(command: list[str], env: dict[str, str]) -> tuple[dict, float]:
    start = time.time()
    done = subprocess.run([sys.executable, "-m", "eval.benchmarks.scale", *command], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), start


def planted(args: argparse.Namespace) -> None:
    """Planted-fact hit@3 and ``ask`` latency on a store already built, in this process: nothing is
    built. The fusion is the settings' (``RAG_FUSION``, ``RAG_COSINE_GAP``, ``RAG_DENSE_WEIGHT``,
    ``RAG_RRF_K``), so fusions compare on one store without rebuilding it. Opening a store can write
    to it (its corpus cache): to keep one untouched, copy its ``data`` folder and pass ``--data``."""
    from rag.assistant import Assistant
    from rag.retrieval import Fusion
    from rag.store import forget_embedded_clients

    root = Path(args.out).resolve() / str(args.chunks)
    settings = _settings(Path(args.data).resolve() if args.data else root / "data")
    forget_embedded_clients()  # a client this process opened before (``run``) would miss its children's writes
    started = time.perf_counter()
    assistant = Assistant(settings)
    load_s = time.perf_counter() - started
    assistant.ask(WARM_UP)
    print(json.dumps({"chunks": args.chunks, "fusion": vars(Fusion.from_settings(settings)), "load_s": load_s,
                      **_ask_every_question(assistant, root / "corpus"), "load_avg": _load()}, ensure_ascii=False))


# --- one size ------------------------------------------------------------------------------------

class ChromaRun:
    """``chroma run`` over a store folder, on a free loopback port."""

    def __init__(self, path: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        chroma = str(Path(sys.executable).with_name("chroma"))
        self.process = subprocess.Popen([chroma, "run", "--path", str(path), "--host", "127.0.0.1",
                                         "--port", str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        raise TimeoutError("chroma run did not start listening")

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _touch_file(corpus: Path, index: int) -> Path:
    """Change one sentence's number in a generated file (a realistic correction)."""
    files = sorted(corpus.rglob("*.txt"))
    path = files[index % len(files)]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n\n", f"\n\nKorekta z dnia {int(time.time()) % 28 + 1} listopada 2025 r. "
                                 "dotyczy liczby uczestników.\n\n", 1), encoding="utf-8")
    return path


def measure(settings: Settings, root: Path, mode: str, corpus: Path, log) -> dict:
    env = _env(settings)
    shutil.rmtree(settings.data_dir / "cache", ignore_errors=True)
    figures: dict = {"mode": mode}
    for state in ("cold", "warm"):
        result, start = _child(["probe", "--corpus", str(corpus)], env)
        figures[f"startup_{state}_s"] = result["first_answer_at"] - start
        figures[f"load_{state}_s"] = result["load_s"]
        figures[f"peak_rss_{state}_mb"] = result["peak_rss_mb"]
        if state == "warm":
            figures.update({k: result[k] for k in ("ask_p50_ms", "ask_p95_ms", "questions", "hit_at_3",
                                                   "answer_has_fact", "planted", "missed")})
        log(f"  {mode} {state}: {json.dumps(result)}  load {_load()}")
    path = _touch_file(corpus, 1 if mode == "embedded" else 2)
    result, start = _child(["reingest", "--file", str(path)], env)
    figures["reingest_command_s"] = time.time() - start
    figures["reingest_sync_s"] = result["sync_s"]
    figures["reingest_corpus_s"] = result.get("corpus_s", 0.0)  # 0: code that left the analysis to the next start
    figures["reingest_peak_rss_mb"] = result["peak_rss_mb"]
    log(f"  {mode} re-ingest: {json.dumps(result)}  load {_load()}")
    result, start = _child(["probe", "--corpus", str(corpus)], env)
    figures["startup_after_ingest_s"] = result["first_answer_at"] - start
    figures["after_ingest_from_cache"] = result["from_cache"]
    log(f"  {mode} first start after the re-ingest: {json.dumps(result)}  load {_load()}")
    figures["load_avg"] = _load()
    return figures


def _sample(settings: Settings, paths: list[Path], saved: Path):
    """Real vectors of a sample of generated chunks, made once and reused by every size (the throughput
    figures are those of the run that made them)."""
    import numpy as np

    from eval.benchmarks.scale_store import Sample, embed_sample

    if saved.exists():
        data = np.load(saved)
        return Sample(data["chunks"], data["sentences"], float(data["chunks_per_s"]), float(data["sentences_per_s"]))
    sample = embed_sample(settings, paths[-200:])
    np.savez(saved, chunks=sample.chunk_vectors, sentences=sample.sentence_vectors,
             chunks_per_s=sample.chunks_per_s, sentences_per_s=sample.sentences_per_s)
    return sample


def run(args: argparse.Namespace) -> None:
    from eval.benchmarks.scale_store import build_store

    root = Path(args.out).resolve() / str(args.chunks)  # file keys are resolved paths, as `rag ingest` makes them
    root.mkdir(parents=True, exist_ok=True)
    logfile = (root / "log.txt").open("a", encoding="utf-8")

    def log(line: str) -> None:
        print(line, flush=True)
        logfile.write(line + "\n")
        logfile.flush()

    corpus, data = root / "corpus", root / "data"
    settings = _settings(data)
    results_path = root / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {"chunks_target": args.chunks}
    if "build" not in results:
        shutil.rmtree(corpus, ignore_errors=True)
        files = max(4, round(args.chunks / CHUNKS_PER_FILE))
        questions = write_corpus(corpus, files, planted=min(24, max(4, files // 10)))
        paths = sorted(corpus.rglob("*.txt"))
        log(f"{args.chunks}: {len(paths)} files, {len(questions)} planted; load {_load()}")
        sample = _sample(settings, paths, Path(args.out) / "sample.npz")
        log(f"  model batched: {sample.chunks_per_s:.1f} chunks/s, {sample.sentences_per_s:.1f} sentences/s; load {_load()}")
        start = time.perf_counter()
        totals = build_store(settings, paths, sample, {q.source for q in questions}, log)
        totals["build_s"] = time.perf_counter() - start
        totals["model_chunks_per_s"], totals["model_sentences_per_s"] = sample.chunks_per_s, sample.sentences_per_s
        totals["store_bytes"] = _du(settings.chroma_dir)
        totals["load_avg"] = _load()
        results["build"] = totals
        log(f"  built: {json.dumps(totals)}")
        results_path.write_text(json.dumps(results, indent=1))
    modes = ["embedded"] + (["server"] if args.server else [])
    for mode in modes:
        if mode in results and not args.again:
            continue
        if mode == "embedded":
            results[mode] = measure(settings, root, mode, corpus, log)
        else:
            server = ChromaRun(settings.chroma_dir)
            try:
                results[mode] = measure(_settings(data, server.port), root, mode, corpus, log)
                results[mode]["server_peak_rss_mb"] = server.peak_rss_mb()
            finally:
                server.stop()
        results[mode]["store_bytes"] = _du(settings.chroma_dir)
        results_path.write_text(json.dumps(results, indent=1))
    log(json.dumps(results, indent=1))


def ingest_speed(args: argparse.Namespace) -> None:
    """Real ``rag ingest`` of generated files next to the model's batched throughput on the same chunks."""
    from llama_index.core.schema import MetadataMode

    from eval.benchmarks.scale_store import sentences_in_context
    from ingest.chunking import chunk_file
    from ingest.indexer import Indexer
    from rag.embedding import load_embed_model

    root = Path(args.out) / "ingest"
    shutil.rmtree(root, ignore_errors=True)
    write_corpus(root / "corpus", args.files, planted=0, seed=21)
    settings = _settings(root / "data")
    model = load_embed_model(settings)
    files = sorted((root / "corpus").rglob("*.txt"))
    nodes = [n for path in files for n in chunk_file(path, settings)]
    texts = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]
    sentences = [e for n in nodes for _, e in sentences_in_context(n)]
    # The yardstick: the model's own best batched call, sentence-transformers' encode over every chunk
    # at once (it sorts them by length, so batches carry little padding), at the settings' batch size.
    # llama-index's get_text_embedding_batch cuts the list into batches before that sort, and is slower.
    prefixed = [(model.text_instruction or "") + t for t in texts]
    model._model.encode(prefixed[:16], batch_size=settings.embed_batch_size, show_progress_bar=False)
    # Side by side, ``--repeat`` times, each ingest into a new store: on a shared 2-core machine one pair
    # can differ from the next by a quarter, so every pair is kept and the median reported. The first
    # ingest also pays chromadb's import (~1.4 s), as a `rag ingest` does.
    rounds = []
    for round_ in range(args.repeat):
        start = time.perf_counter()
        Indexer(_settings(root / f"data{round_}"), progress=False).run([root / "corpus"])
        ingest_s = time.perf_counter() - start
        start = time.perf_counter()
        model._model.encode(prefixed, batch_size=settings.embed_batch_size, show_progress_bar=False)
        chunks_s = time.perf_counter() - start
        sentences_s = 0.0
        if settings.sentence_vectors == "title":  # a forward pass per sentence; "passage" pools the chunks' own
            start = time.perf_counter()
            model.get_text_embedding_batch(sentences)
            sentences_s = time.perf_counter() - start
        rounds.append({
            "ingest_s": ingest_s, "ingest_chunks_per_s": len(texts) / ingest_s,
            "ingest_sentences_per_s": len(sentences) / ingest_s, "model_chunks_per_s": len(texts) / chunks_s,
            "model_sentences_per_s": len(sentences) / sentences_s if sentences_s else None,
            "ratio_to_model_chunks_only": chunks_s / ingest_s,
            "ratio_to_model_same_work": (chunks_s + sentences_s) / ingest_s, "load_avg": _load(),
        })
        print(json.dumps(rounds[-1]), flush=True)
    result = {
        "files": len(files), "chunks": len(texts), "sentences": len(sentences),
        "sentence_vectors": settings.sentence_vectors, "ingest_batch_chunks": settings.ingest_batch_chunks,
        "median_ratio_to_model_chunks_only": statistics.median(r["ratio_to_model_chunks_only"] for r in rounds),
        "median_ratio_to_model_same_work": statistics.median(r["ratio_to_model_same_work"] for r in rounds),
        "rounds": rounds,
    }
    (root / "results.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


def parts(args: argparse.Namespace) -> None:
    """What each start-up and lookup step costs on a built store, with the scans this session replaced
    measured beside their replacements (the before/after figures of the README)."""
    import difflib
    import gc
    import tempfile

    import bm25s

    from rag.corpus import SPELLINGS_KEY, TERMS_KEY, VOCABULARY_KEY, Corpus, keyword_index
    from rag.embedding import model_fingerprint
    from rag.lexical import TYPO_CUTOFF, PolishAnalyzer, Vocabulary, _root
    from rag.retrieval import _node
    from rag.store import ChunkStore, StoredChunk

    root = Path(args.out) / str(args.chunks)
    settings = _settings(root / "data")
    figures: dict = {"chunks_target": args.chunks, "load_avg_start": _load()}

    def timed(name: str, fn):
        start = time.perf_counter()
        value = fn()
        figures[name] = time.perf_counter() - start
        print(f"{name}: {figures[name]:.3f} s  (load {_load()})", flush=True)
        return value

    store = ChunkStore(settings, model_fingerprint(settings))
    chunks = timed("all_chunks_s", store.all_chunks)
    figures["chunks"] = len(chunks)
    analyzer = PolishAnalyzer()
    # Before the analysis was stored at ingest: Morfeusz over every chunk's text at load.
    sample = [StoredChunk(c.chunk_id, c.text, {TERMS_KEY: c.metadata.get(TERMS_KEY, "")}) for c in chunks[:500]]
    timed("derive_500_chunks_from_texts_s", lambda: Corpus.derive(sample, analyzer, store.chunks_by_id))
    figures["derive_all_from_texts_estimated_s"] = figures["derive_500_chunks_from_texts_s"] * len(chunks) / len(sample)
    timed("read_stored_analyses_s", lambda: store.all_chunks(metadata_keys=(TERMS_KEY, VOCABULARY_KEY, SPELLINGS_KEY),
                                                             with_text=False))
    timed("derive_from_stored_analyses_s", lambda: Corpus.load(store, analyzer))  # the whole derive, its read included
    timed("all_chunk_ids_s", store.all_chunk_ids)
    Corpus.load(store, analyzer, cache_dir=settings.data_dir / "cache")  # derives and caches, unless the probes did
    # A warm start's whole corpus step: ids, key, JSON, mapped keyword index.
    cached = timed("corpus_load_warm_s", lambda: Corpus.load(store, analyzer, cache_dir=settings.data_dir / "cache"))
    figures["corpus_load_was_warm"] = cached.from_cache
    vocabulary = cached.vocabulary
    figures["vocabulary_words"], figures["vocabulary_lemmas"] = len(vocabulary), len(vocabulary.lemmas)
    documents = [c.metadata.get(TERMS_KEY, "").split() for c in chunks]
    index = timed("bm25_build_s", lambda: keyword_index(documents))
    with tempfile.TemporaryDirectory() as folder:
        index.save(folder)
        timed("bm25_load_mmap_s", lambda: bm25s.BM25.load(folder, mmap=True, show_progress=False))
    gc.collect()
    before = _peak_rss_mb()
    nodes = timed("nodes_for_every_chunk_s", lambda: [_node(c) for c in chunks])
    figures["nodes_for_every_chunk_peak_rss_delta_mb"] = _peak_rss_mb() - before
    del nodes

    # Query words the documents do not spell exactly: typos of their words, and unknown names.
    rnd = random.Random(3)
    words = [w for w in vocabulary if len(w) >= 7]
    typos = []
    for word in rnd.sample(words, min(20, len(words))):
        at = rnd.randrange(len(word))
        typos.append(word[:at] + "x" + word[at + 1:])
    typos += ["kowalskiewicz", "przedszkolanka", "niepelnosprawnosc"]

    def scan_closest():  # the code before this session: difflib over every word, per query word
        return [difflib.get_close_matches(t, vocabulary.keys(), n=1, cutoff=TYPO_CUTOFF) for t in typos]

    def scan_family():  # likewise: every lemma's root computed and compared, per query word
        return [{t for t in set(vocabulary.values()) if _root(t) in roots} if (roots := {_root(w)} - {""}) else set()
                for w in typos]

    old = timed("typo_lookup_scan_s", scan_closest)
    fresh = Vocabulary(vocabulary)
    timed("typo_index_build_s", lambda: fresh.closest("x" * 9))
    new = timed("typo_lookup_index_s", lambda: [fresh.closest(t) for t in typos])
    figures["typo_lookups"] = len(typos)
    figures["typo_same_results"] = [vocabulary[o[0]] if o else None for o in old] == new
    timed("family_scan_s", scan_family)
    timed("family_index_s", lambda: [fresh.family([w]) for w in typos])
    figures["family_same_results"] = scan_family() == [fresh.family([w]) for w in typos]
    timed("lemma_set_rebuild_s", lambda: set(vocabulary.values()))  # what every query word paid before
    # The generated archive reuses a few hundred template words; a real one of 10^5 chunks has ~10^5
    # distinct word forms. The same lookups over a vocabulary of that size (random words):
    letters = "abcdeghijklmnoprstuwyz"
    big = Vocabulary({"".join(rnd.choice(letters) for _ in range(rnd.randint(4, 13))): f"l{i}" for i in range(100_000)})
    misspelt = [w[:3] + "q" + w[4:] for w in rnd.sample(sorted(big), 20)]
    figures["large_vocabulary_words"] = len(big)
    timed("large_typo_lookup_scan_s", lambda: [difflib.get_close_matches(t, big.keys(), n=1, cutoff=TYPO_CUTOFF)
                                               for t in misspelt])
    timed("large_typo_index_build_s", lambda: big.closest("q" * 9))
    timed("large_typo_lookup_index_s", lambda: [big.closest(t) for t in misspelt])
    figures["load_avg_end"] = _load()
    (root / "parts.json").write_text(json.dumps(figures, indent=1))
    print(json.dumps(figures, indent=1))


# --- the README table and the plot ---------------------------------------------------------------

ROWS = (
    ("chunks in the store", lambda r, m: f"{r['build']['chunks']:,}"),
    ("sentences in the store", lambda r, m: f"{r['build']['sentences']:,}"),
    ("store size on disk", lambda r, m: f"{m['store_bytes'] / 2**20:,.0f} MiB"),
    ("start-up to first answer, corpus cache empty", lambda r, m: f"{m['startup_cold_s']:.1f} s"),
    ("start-up to first answer, first process after an ingest", lambda r, m: f"{m['startup_after_ingest_s']:.1f} s"),
    ("start-up to first answer, cache warm", lambda r, m: f"{m['startup_warm_s']:.1f} s"),
    ("ask p50 / p95, first contact, warm process", lambda r, m: f"{m['ask_p50_ms']:.0f} / {m['ask_p95_ms']:.0f} ms"),
    ("peak RSS of the answering process (cold / warm start)",
     lambda r, m: f"{m['peak_rss_cold_mb']:,.0f} / {m['peak_rss_warm_mb']:,.0f} MiB"),
    ("peak RSS of `chroma run`", lambda r, m: f"{m['server_peak_rss_mb']:,.0f} MiB" if "server_peak_rss_mb" in m else "–"),
    ("planted-fact hit@3 (answer quotes the fact)", lambda r, m: f"{m['hit_at_3']:.2f} ({m['answer_has_fact']:.2f}) of {m['planted']}"),
    ("re-ingest one changed file: command / sync alone (of it: corpus analysis saved)",
     lambda r, m: f"{m['reingest_command_s']:.1f} / {m['reingest_sync_s']:.1f} ({m['reingest_corpus_s']:.1f}) s"),
    ("1-min load during the probes", lambda r, m: m["load_avg"]),
)


def report(args: argparse.Namespace) -> None:
    out = Path(args.out)
    results = sorted((json.loads(p.read_text()) for p in out.glob("*/results.json") if p.parent.name.isdigit()),
                     key=lambda r: r["chunks_target"])
    columns = [(r, mode) for r in results for mode in ("embedded", "server") if mode in r]
    print("| figure | " + " | ".join(f"{r['chunks_target']:,} {mode}" for r, mode in columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for name, cell in ROWS:
        cells = []
        for r, mode in columns:
            try:
                cells.append(cell(r, r[mode]))
            except KeyError:
                cells.append("–")
        print(f"| {name} | " + " | ".join(cells) + " |")
    speed = out / "ingest" / "results.json"
    if speed.exists():
        print("\ningest:", speed.read_text())
    if args.plot:
        plot(results, Path(args.plot))


def plot(results: list[dict], target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = (("start-up to first answer (s)", lambda m: m["startup_warm_s"], lambda m: m["startup_cold_s"]),
              ("ask p95, first contact (ms)", lambda m: m["ask_p95_ms"], None),
              ("peak RSS, answering process (MiB)", lambda m: m["peak_rss_warm_mb"], lambda m: m["peak_rss_cold_mb"]),
              ("store on disk (MiB)", lambda m: m["store_bytes"] / 2**20, None))
    fig, axes = plt.subplots(1, len(panels), figsize=(16, 4))
    for ax, (title, warm, cold) in zip(axes, panels):
        for mode, style, colour in (("embedded", "o-", "tab:blue"), ("server", "s--", "tab:orange")):
            rows = [r for r in results if mode in r and "startup_warm_s" in r[mode]]
            xs = [r["build"]["chunks"] for r in rows]
            ax.plot(xs, [warm(r[mode]) for r in rows], style, color=colour,
                    label=f"{mode}" + (", cache warm" if cold else ""))
            if cold:
                ax.plot(xs, [cold(r[mode]) for r in rows], style, color=colour, alpha=0.35, label=f"{mode}, cache empty")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("chunks in the store")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    loads = ", ".join(sorted({r[m]["load_avg"].split()[0] for r in results for m in ("embedded", "server") if m in r}))
    fig.suptitle("What the archive costs as it grows (eval/benchmarks/scale.py; 2 cores shared, 1-min load "
                 f"during the probes: {loads})", fontsize=11)
    fig.tight_layout()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="build a store of about N chunks and measure it")
    p.add_argument("--chunks", type=int, required=True)
    p.add_argument("--server", action="store_true", help="also measure against `chroma run` on the same store")
    p.add_argument("--again", action="store_true", help="measure again on the built store")
    p.set_defaults(fn=run)
    p = sub.add_parser("ingest", help="real ingest speed against the model's batched throughput")
    p.add_argument("--files", type=int, default=40)
    p.add_argument("--repeat", type=int, default=3, help="ingest and model side by side this many times")
    p.set_defaults(fn=ingest_speed)
    p = sub.add_parser("parts", help="each start-up and lookup step on a built store, old scans beside new")
    p.add_argument("--chunks", type=int, required=True)
    p.set_defaults(fn=parts)
    p = sub.add_parser("report", help="the README table (and --plot PNG) from every result")
    p.add_argument("--plot", default=None)
    p.set_defaults(fn=report)
    p = sub.add_parser("planted", help="planted-fact hit@3 and ask latency on a built store, with the settings' fusion")
    p.add_argument("--chunks", type=int, required=True)
    p.add_argument("--data", default=None, help="the store's data folder, or a copy of it (default: <out>/N/data)")
    p.set_defaults(fn=planted)
    p = sub.add_parser("probe")
    p.add_argument("--corpus", required=True)
    p.set_defaults(fn=probe)
    p = sub.add_parser("reingest")
    p.add_argument("--file", required=True)
    p.set_defaults(fn=reingest)
    for name in ("run", "ingest", "parts", "report", "planted"):
        sub.choices[name].add_argument("--out", default=str(OUT), help="results folder (default: var/bench-scale)")
    args = parser.parse_args(argv)
    args.fn(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
