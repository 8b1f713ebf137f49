"""Synchronises a set of files with the Chroma store: idempotent, each file all or nothing.

Chroma itself is the record of what was ingested: each file's manifest record (see ``rag.store``)
holds the ingest key its chunks were made from, and is written last, after the file's chunks and
sentences. llama-index's docstore strategies keep that record in a second store, which drifts when
Chroma is reset, restored or served remotely, and they have no notion of a file half written.

An ingest ends by deriving the corpus analysis of the store as it now stands and saving it in the
data dir's cache (:func:`prepare_corpus`), so the first process that answers afterwards starts warm.
"""

from __future__ import annotations

import gc
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from llama_index.core.schema import TextNode
from tqdm import tqdm

from ingest.chunking import chunk_articles, ingest_key, make_splitter
from ingest.lock import ingest_lock
from ingest.reader import read_articles, unsupported_reason
from ingest.sentence_vectors import embed_chunks
from rag.config import Settings
from rag.corpus import Corpus, cache_folder
from rag.embedding import load_embed_model, model_fingerprint, release_embed_model
from rag.errors import EmptyIndex, InvalidDocument, RagError
from rag.lexical import PolishAnalyzer
from rag.store import (STAGING_SUFFIX, ChunkStore, FileRecord, SentenceSet, drop_collections, file_facts,
                       forget_embedded_clients, swap_in)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # files that could not be indexed, with why
    not_read: list[str] = field(default_factory=list)  # files found in a folder that no reader takes
    warnings: list[str] = field(default_factory=list)  # indexed, but not exactly as written
    # file → the non-empty lines its reader left out of every article (page furniture)
    skipped: dict[str, list[str]] = field(default_factory=dict)
    chunks_written: int = 0
    chunks_total: int = 0
    corpus_s: float = 0.0  # deriving and saving the corpus analysis at the end (prepare_corpus)

    @property
    def failed(self) -> bool:
        return bool(self.errors)

    def summary(self) -> str:
        """What was done (for stdout)."""
        lines = [
            f"added {len(self.added)}, updated {len(self.updated)}, unchanged {len(self.unchanged)}, "
            f"removed {len(self.removed)} file(s); {self.chunks_written} chunk(s) written, "
            f"{self.chunks_total} in the index"
        ]
        for key, skipped in sorted(self.skipped.items()):
            chars = sum(len(line) for line in skipped)
            shown = "; ".join(f"“{line[:60]}”" for line in skipped[:3]) + ("; …" if len(skipped) > 3 else "")
            noun = "line" if len(skipped) == 1 else "lines"
            lines.append(f"  skipped {len(skipped)} {noun} of page furniture ({chars} characters) in {key}: {shown}")
        return "\n".join(lines)

    def problems(self) -> str:
        """What went wrong or was left out (for stderr); empty when nothing did."""
        return "\n".join(
            [f"error: {e}" for e in self.errors]
            + [f"not read: {e}" for e in self.not_read]
            + [f"warning: {w}" for w in self.warnings]
        )


class Indexer:
    """``run(paths)``: make the index hold exactly the current content of those files and folders."""

    def __init__(self, settings: Settings, progress: bool = True, release_model: bool = False) -> None:
        """``release_model``: the process ends with this ingest (``rag ingest``), so the embedding model
        (~0.7 GB with torch's buffers) is let go once the last batch is embedded, before that batch is
        written: writing loads Chroma's vector indexes (1.2 GB at 10^5 chunks), and the two together
        set the peak. A process that ingests again (the chat's upload, tests) keeps its model."""
        self.settings = settings
        self.progress = progress
        self.release_model = release_model

    def run(self, paths: list[Path] | None = None, rebuild: bool = False) -> IngestReport:
        """Sync the files; with ``rebuild``, build a fresh index beside the live one and swap it in at
        the end, so a running server keeps answering and a failed rebuild costs nothing."""
        with ingest_lock(self.settings):
            if not rebuild:
                report = self._sync(self.settings, paths)
            else:
                staging = self.settings.replace(collection=self.settings.collection + STAGING_SUFFIX)
                drop_collections(self.settings, staging.collection)  # what a killed rebuild left
                report = self._sync(staging, paths)
                swap_in(self.settings, staging.collection)
                ChunkStore(self.settings, model_fingerprint(self.settings)).touch()
            report.corpus_s = prepare_corpus(self.settings)
            return report

    def _sync(self, settings: Settings, paths: list[Path] | None) -> IngestReport:
        report = IngestReport()
        roots, files = find_files(paths or settings.ingest_roots(), report)
        store = ChunkStore(settings, model_fingerprint(settings), create=True)
        indexed = store.indexed_files()
        writer = _BatchWriter(settings, store, report)
        for path in tqdm(files, desc="ingest", unit="file", disable=not self.progress):
            key = str(path)
            try:
                self._read_file(path, indexed.get(key), writer)
            except InvalidDocument as error:
                report.errors.append(f"{error} (kept what was indexed before)" if key in indexed else str(error))
            except RagError:
                raise  # the store or the model failed: no later file would fare better
            except Exception as error:  # a reader or splitter bug must not cost the files after this one
                report.errors.append(_could_not_index(key, error))
        writer.flush(last=self.release_model)

        present = {str(f) for f in files}
        # Named files only (`rag ingest FILE`): no other path can be under them, so read only theirs.
        named = [str(root) for root in roots] if not any(root.is_dir() for root in roots) else None
        for key in sorted(set(indexed) | store.chunk_paths(named)):
            if key not in present and not Path(key).exists() and _under_any(key, roots):
                store.forget_file(key)
                report.removed.append(key)
        if report.added or report.updated or report.removed:
            store.touch()
        report.chunks_total = store.count()
        return report

    @staticmethod
    def _read_file(path: Path, indexed: FileRecord | None, writer: _BatchWriter) -> None:
        key = str(path)
        articles = read_articles(path, writer.settings)
        if articles.skipped:
            writer.report.skipped[key] = list(articles.skipped)
        writer.report.warnings += [f"{path}: {w}" for w in articles.warnings]
        new_key = ingest_key(articles[0], writer.settings)
        if indexed is not None and indexed.ingest_key == new_key:
            writer.report.unchanged.append(key)
            return
        writer.add(_File(key, new_key, indexed is not None,
                         chunk_articles(articles, writer.settings, writer.splitter, writer.analyzer)))


@dataclass(frozen=True)
class _File:
    """A read and chunked file waiting for its batch to be written."""

    key: str
    ingest_key: str
    updated: bool  # it had a record before (else it is added)
    nodes: list[TextNode]


class _BatchWriter:
    """Writes files a batch at a time (``settings.ingest_batch_chunks`` chunks): the batch's chunks, then
    their sentences, then drops the batch's stale chunks, then writes the batch's records.

    Records last keeps each file all-or-nothing: a file whose record is missing or old is written again
    by the next ingest, over whatever a killed one left. Batches rather than files because every Chroma
    call costs ~20 ms of its own and the model runs best on many chunks at once. A batch that fails for
    a reason other than the store or the model is written again file by file, so one bad file costs
    only itself.
    """

    def __init__(self, settings: Settings, store: ChunkStore, report: IngestReport) -> None:
        self.settings, self.store, self.report = settings, store, report
        self.vector_store = store.vector_store()
        self.splitter, self.analyzer = make_splitter(settings), PolishAnalyzer()
        self.pending: list[_File] = []

    def add(self, file: _File) -> None:
        self.pending.append(file)
        if sum(len(f.nodes) for f in self.pending) >= self.settings.ingest_batch_chunks:
            self.flush()

    def flush(self, last: bool = False) -> None:
        """Write what is pending; ``last``: nothing more will be embedded, so the model is released
        between embedding this batch and writing it (see :class:`Indexer`)."""
        batch, self.pending = self.pending, []
        if batch:
            self._write_and_report(batch, release=last)
        elif last:  # the last file filled a batch that is written already: release before deriving
            release_embed_model()

    def _write_and_report(self, batch: list[_File], release: bool = False) -> None:
        try:
            self._write(batch, release)
        except RagError:
            raise
        except Exception as error:
            if len(batch) > 1:  # written again file by file, so one bad file costs only itself
                for file in batch:  # the model, if it goes, goes after the last of them is embedded
                    self._write_and_report([file], release and file is batch[-1])
            else:
                self.report.errors.append(_could_not_index(batch[0].key, error))
            return
        for file in batch:
            (self.report.updated if file.updated else self.report.added).append(file.key)
            self.report.chunks_written += len(file.nodes)

    def _write(self, batch: list[_File], release: bool) -> None:
        """``release``: let the model go once this batch is embedded, before it is written."""
        old_ids = self.store.chunk_ids_of([f.key for f in batch])  # committed or half written
        nodes = [node for file in batch for node in file.nodes]
        embedded = dict(zip((n.id_ for n in nodes), embed_chunks(load_embed_model(self.settings), nodes,
                                                                 self.settings.sentence_vectors)))
        if release:
            release_embed_model()
        for node in nodes:
            node.embedding = embedded[node.id_].vector
        if nodes:
            self.vector_store.add(nodes)  # the new chunks first, then their sentences …
        self.store.add_sentences([SentenceSet(file.key, n.id_, embedded[n.id_].sentences,
                                              embedded[n.id_].sentence_vectors) for file in batch for n in file.nodes])
        stale = {i for ids in old_ids.values() for i in ids} - set(embedded)
        self.store.delete(sorted(stale))  # … then drop the stale ones …
        self.store.mark_indexed([  # … then commit
            FileRecord(f.key, f.ingest_key, len(f.nodes), sum(len(embedded[n.id_].sentences) for n in f.nodes),
                       **file_facts([n.metadata for n in f.nodes]))
            for f in batch])


def _could_not_index(key: str, error: Exception) -> str:
    return f"{key}: could not be indexed ({type(error).__name__}: {error})"


def prepare_corpus(settings: Settings) -> float:
    """Derive the store's corpus analysis and save it in the data dir's cache (``rag.corpus``); the
    seconds it took.

    Without this, the first process to answer after an ingest derived it before its first answer
    (and a running ``rag serve`` made its next question wait that long); the ingest, which holds the
    lock and has just changed the store, pays it instead. Deriving merges what every chunk stored at
    ingest (no Morfeusz pass), so it costs reading every chunk's metadata and building the keyword
    index (its cost at 10^4 and 10^5 chunks: the README's scale table, re-ingest row). Nothing to do
    when the cache already holds this store's analysis (an ingest that changed nothing), and nothing
    to derive from an empty store.
    """
    start = time.perf_counter()
    if not settings.chroma_host:
        # The sync left chromadb's vector indexes in memory (1.2 GB at 10^5 chunks), which deriving
        # never reads: let them go first (held in reference cycles until collected), so the ingest
        # peaks no higher than the sync did (2.7 GB at 10^5 chunks, not 3.3). An assistant in this
        # process (the library's upload) reloads anyway when it next sees the store's new version.
        forget_embedded_clients()
        gc.collect()
    try:
        Corpus.load(ChunkStore(settings, model_fingerprint(settings)), PolishAnalyzer(), cache_folder(settings),
                    store_analyses=True)
    except EmptyIndex:
        pass
    return time.perf_counter() - start


def find_files(paths: list[Path], report: IngestReport) -> tuple[list[Path], list[Path]]:
    """The resolved roots and the files under them to read; what cannot be read goes to ``report``."""
    roots = _roots(paths, report)
    return roots, _expand(roots, report)


def _roots(paths: list[Path], report: IngestReport) -> list[Path]:
    roots = []
    for path in paths:
        try:
            roots.append(Path(path).resolve(strict=True))
        except FileNotFoundError:
            report.errors.append(f"{path}: no such file or folder")
        except (OSError, RuntimeError) as error:  # a symlink loop, an unreadable parent folder
            report.errors.append(f"{path}: cannot be opened ({error})")
    return roots


def _expand(roots: list[Path], report: IngestReport) -> list[Path]:
    """The files to read; every other file met in a folder is named in the report with the reason."""
    files: list[Path] = []
    for root in roots:
        if not root.is_dir():
            files.append(root)  # named explicitly: read it, and let the reader say why not
            continue
        for folder, subfolders, names in os.walk(root, onerror=lambda e: report.errors.append(
                f"{e.filename}: folder cannot be read ({e.strerror})")):
            subfolders.sort()
            for name in sorted(names):
                path = Path(folder) / name
                reason = "a broken link or a link loop" if not path.exists() else unsupported_reason(path)
                if reason is None:
                    files.append(path)
                else:
                    report.not_read.append(f"{path}: {reason}")
            for name in subfolders:
                if (Path(folder) / name).is_symlink():  # os.walk does not follow them (no loops)
                    report.not_read.append(f"{Path(folder) / name}: a link to a folder, not followed")
    return sorted(set(files))


def _under_any(path: str, roots: list[Path]) -> bool:
    return any(path.startswith(str(root) + os.sep) or path == str(root) for root in roots)
