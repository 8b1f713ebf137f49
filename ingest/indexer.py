"""Synchronises a set of files with the Chroma collection: idempotent, never duplicating a chunk.

Chroma itself is the record of what was ingested (each chunk carries its file's path and hash).
llama-index's docstore strategies keep that record in a second store, which drifts when Chroma is
reset, restored or served remotely; comparing against Chroma's own metadata cannot drift.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from llama_index.core.ingestion import IngestionPipeline
from tqdm import tqdm

from ingest.chunking import chunk_articles, corpus_files, ingest_key, make_splitter
from ingest.reader import read_articles
from rag.config import Settings
from rag.embedding import load_embed_model, model_fingerprint
from rag.errors import InvalidDocument
from rag.lexical import PolishAnalyzer
from rag.store import ChunkStore, drop_collection
from rag.text import passage_sentences


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # file → the non-empty lines its reader left out of every article (page furniture)
    skipped: dict[str, list[str]] = field(default_factory=dict)
    chunks_written: int = 0
    chunks_total: int = 0

    def summary(self) -> str:
        lines = [
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"removed {len(self.removed)} file(s); {self.chunks_written} chunk(s) written, "
            f"{self.chunks_total} in the index"
        ]
        lines += [f"  error: {e}" for e in self.errors]
        for key, skipped in sorted(self.skipped.items()):
            chars = sum(len(line) for line in skipped)
            shown = "; ".join(f"“{line[:60]}”" for line in skipped[:3]) + ("; …" if len(skipped) > 3 else "")
            noun = "line" if len(skipped) == 1 else "lines"
            lines.append(f"  skipped {len(skipped)} {noun} of page furniture ({chars} characters) in {key}: {shown}")
        return "\n".join(lines)


class Indexer:
    """``run(paths)``: make the index hold exactly the current content of those files and folders."""

    def __init__(self, settings: Settings, progress: bool = True) -> None:
        self.settings = settings
        self.progress = progress

    def run(self, paths: list[Path] | None = None, rebuild: bool = False) -> IngestReport:
        report = IngestReport()
        roots = [Path(p).resolve() for p in (paths or [self.settings.corpus_dir])]
        files = self._expand(roots, report)
        fingerprint = model_fingerprint(self.settings)
        if rebuild:
            drop_collection(self.settings)
        store = ChunkStore(self.settings, fingerprint, create=True)
        stored = store.ingest_keys()
        embed_model = load_embed_model(self.settings)
        pipeline = IngestionPipeline(transformations=[embed_model], vector_store=store.vector_store())
        splitter, analyzer = make_splitter(self.settings), PolishAnalyzer()

        for path in tqdm(files, desc="ingest", unit="file", disable=not self.progress):
            key = str(path)
            try:
                articles = read_articles(path)
            except InvalidDocument as error:
                report.errors.append(f"{error} (kept what was indexed before)" if key in stored else str(error))
                continue
            if articles.skipped:
                report.skipped[key] = list(articles.skipped)
            if stored.get(key) == {ingest_key(articles[0], self.settings)}:
                report.unchanged.append(key)
                continue
            old_ids = set(store.chunk_ids(key))
            nodes = chunk_articles(articles, self.settings, splitter, analyzer)
            pipeline.run(nodes=nodes)  # embed + write the new chunks first …
            for node in nodes:
                sentences = passage_sentences(node.text)
                # Embedded under their article's title, so "W składzie delegacji znaleźli się…" is
                # known to be about the 2016 Frankfurt visit, as the question will be.
                in_context = [f"{node.metadata['title']}\n{s}" for s in sentences]
                store.add_sentences(node.id_, key, sentences, embed_model.get_text_embedding_batch(in_context))
            store.delete(sorted(old_ids - {n.id_ for n in nodes}))  # … then drop the stale ones
            (report.updated if key in stored else report.added).append(key)
            report.chunks_written += len(nodes)

        present = {str(f) for f in files}
        for key in stored:
            if key not in present and not Path(key).exists() and _under_any(key, roots):
                store.delete(store.chunk_ids(key))
                report.removed.append(key)
        report.chunks_total = store.count()
        return report

    @staticmethod
    def _expand(roots: list[Path], report: IngestReport) -> list[Path]:
        files: list[Path] = []
        for root in roots:
            if root.is_dir():
                files += corpus_files(root)
            elif root.exists():
                files.append(root)
            else:
                report.errors.append(f"{root}: no such file or folder")
        return sorted(set(files))


def _under_any(path: str, roots: list[Path]) -> bool:
    return any(path.startswith(str(root) + os.sep) or path == str(root) for root in roots)
