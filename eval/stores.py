"""Stores for evaluating against more documents than the default corpus.

A question set written about extra documents needs them indexed, but indexing them into the default
store would change what ``rag ask`` answers from. So each set of extra folders gets a store of its
own under ``<data_dir>/eval-stores/``, holding the default corpus plus those folders, named by a
short hash of the folder list: the same folders always reuse the same store, and the indexer's
sync makes a re-run cost only the files that changed.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path

from rag.config import Settings
from rag.errors import InvalidDocument, ModelMismatch

EVAL_STORES = "eval-stores"
KEY_CHARS = 12


def corpus_roots(corpus_dir: Path, extra_dirs: Sequence[Path]) -> list[Path]:
    """The default corpus and the extra folders, resolved, without duplicates, sorted: the order or
    spelling of ``--corpus`` flags must not make a second store of the same documents."""
    return sorted({Path(p).expanduser().resolve() for p in [corpus_dir, *extra_dirs]})


def store_key(roots: Sequence[Path]) -> str:
    """Short, stable name of a folder list (hex SHA-256 prefix of the resolved paths)."""
    joined = "\n".join(str(r) for r in roots)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:KEY_CHARS]


def eval_store_settings(settings: Settings, extra_dirs: Sequence[Path]) -> Settings:
    """``settings`` pointed at the evaluation store for ``extra_dirs`` (nothing is built).

    Embedded: its own Chroma folder ``<data_dir>/eval-stores/<key>``. With a Chroma server
    (``chroma_host``) the path means nothing, so the collection gets the key as a suffix instead:
    either way the default collection is never written to.
    """
    key = store_key(corpus_roots(settings.corpus_dir, extra_dirs))
    if settings.chroma_host:
        return settings.replace(collection=f"{settings.collection}-eval-{key}")
    return settings.replace(chroma_path=Path(settings.data_dir) / EVAL_STORES / key)


def store_for(settings: Settings, extra_dirs: Sequence[Path], progress: bool = False) -> Settings:
    """Build or refresh the store holding the default corpus plus ``extra_dirs``; return settings
    that read from it.

    Raises ``InvalidDocument`` naming a folder that does not exist (before anything is indexed);
    files the indexer cannot read are reported on stderr and skipped, as ``rag ingest`` does.
    """
    from ingest.indexer import Indexer  # imported late: it loads the embedding stack

    missing = [str(p) for p in extra_dirs if not Path(p).expanduser().is_dir()]
    if missing:
        raise InvalidDocument(f"--corpus: no such folder: {', '.join(missing)}")
    target = eval_store_settings(settings, extra_dirs)
    roots = corpus_roots(settings.corpus_dir, extra_dirs)
    try:
        report = Indexer(target, progress=progress).run(roots)
    except ModelMismatch:  # built with another model or another way of making sentence vectors: this store
        report = Indexer(target, progress=progress).run(roots, rebuild=True)  # is derived data, so rebuild it
    if progress or report.errors:
        print(f"eval store: {report.summary()}", file=sys.stderr)
    return target
