"""The embedding model's forward pass in numpy, for processes that embed a few questions and exit.

Why: ``rag ask`` embeds one question. Through sentence-transformers that costs the import of
sentence-transformers itself (it imports scikit-learn, pandas, torch, and transformers' model code,
which pulls in torch.distributed and dynamo): several seconds before a weight is read, more than a
whole answer should take. The model the project builds (``build.py``) is a plain ``BertModel``
followed by mean pooling and L2 normalisation; that is about forty lines of numpy over the same
``model.safetensors`` (the encoder's 85 MB read at load, the 384 MB word-embedding table memory-
mapped: a question touches a few dozen of its rows).

Two things keep it exact:

- **Tokens are identical**: the model's own ``tokenizer.json`` runs (its normaliser, pre-tokeniser,
  special tokens and post-processor, through the ``tokenizers`` library), but its Unigram model is
  built per text from the pieces that occur in the text, not from all 250 002 pieces (building that
  trie takes seconds). Viterbi can only use pieces that occur in the text, so the segmentation is the
  same; the vocabulary's lowest-scoring piece is always kept, since it sets the score of an unknown
  character. The pieces are parsed once from ``tokenizer.json`` and kept under the data dir
  (``cache/tokenizer-<format>-<checksum>/``: their bytes sorted for binary search, ids, scores).
- **Vectors agree with sentence-transformers to float32 rounding** (largest difference 1.3e-7 on
  the shipped corpus; ``tests/rag/embedding/test_fast.py`` checks every chunk and question, and the
  128 answers of eval/qa*.jsonl came out byte-identical).

Only the layout the builder writes is accepted (see :func:`supports`); any other model directory
(``RAG_MODEL_DIR``) goes through sentence-transformers as before. Ingest keeps sentence-transformers
for its batches: the passages in the store and the questions are embedded by the same weights.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import re
import secrets
import threading
from pathlib import Path

import numpy as np

_MODULES = [
    ("sentence_transformers.models.Transformer", ""),
    ("sentence_transformers.models.Pooling", "1_Pooling"),
    ("sentence_transformers.models.Normalize", "2_Normalize"),
]
_MEAN_ONLY = {
    "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
    "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_weightedmean_tokens": False,
    "pooling_mode_lasttoken": False,
}
CACHE_FORMAT = "2"


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def supports(model_dir: Path) -> bool:
    """Whether ``model_dir`` has exactly the layout this module computes: a BERT encoder with
    absolute positions and erf GELU, mean pooling over every token, L2 normalisation, a Unigram
    ``tokenizer.json`` and float32 safetensors weights."""
    modules = _read_json(model_dir / "modules.json")
    if not isinstance(modules, list) or [(m.get("type"), m.get("path")) for m in modules] != _MODULES:
        return False
    config = _read_json(model_dir / "config.json") or {}
    if (config.get("model_type"), config.get("position_embedding_type", "absolute"), config.get("hidden_act")) != (
        "bert", "absolute", "gelu"
    ):
        return False
    pooling = _read_json(model_dir / "1_Pooling" / "config.json") or {}
    if any(pooling.get(k, False) != v for k, v in _MEAN_ONLY.items()):
        return False
    st_config = _read_json(model_dir / "sentence_bert_config.json") or {}
    if st_config.get("do_lower_case"):
        return False
    if _tokenizer_model_type(model_dir / "tokenizer.json") != "Unigram":
        return False
    return (model_dir / "model.safetensors").is_file()


def _tokenizer_model_type(path: Path) -> str | None:
    """The model type of a ``tokenizer.json`` without parsing its 17 MB: tokenizers writes the
    ``"model"`` section last, after the small ones, and its ``"type"`` first."""
    try:
        with path.open("rb") as f:
            head = f.read(1 << 20).decode("utf-8", "replace")
    except OSError:
        return None
    match = re.search(r'"model"\s*:\s*\{\s*"type"\s*:\s*"(\w+)"', head)
    return match.group(1) if match else None


class SafeTensors:
    """float32 tensors of a ``.safetensors`` file, memory-mapped (the format: a little-endian u64
    header length, a JSON header of name → dtype, shape, byte offsets, then the raw data)."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as f:
            length = int.from_bytes(f.read(8), "little")
            header = json.loads(f.read(length))
        header.pop("__metadata__", None)
        self._data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + length)
        self._header = header

    def __contains__(self, name: str) -> bool:
        return name in self._header

    def names(self) -> list[str]:
        return list(self._header)

    def __getitem__(self, name: str) -> np.ndarray:
        """A read-only view into the mapped file: pages are read when first touched."""
        entry = self._entry(name)
        start, end = entry["data_offsets"]
        return np.asarray(self._data[start:end]).view(np.float32).reshape(entry["shape"])

    def read(self, names: list[str]) -> dict[str, np.ndarray]:
        """The tensors ``names`` copied into memory with sequential reads: for weights that every
        call uses in full, one read costs less than a page fault per 4 KiB."""
        out: dict[str, np.ndarray] = {}
        with open(self._data.filename, "rb") as f:
            for name in sorted(names, key=lambda n: self._entry(n)["data_offsets"][0]):
                entry = self._entry(name)
                start, end = entry["data_offsets"]
                array = np.empty(entry["shape"], dtype=np.float32)
                f.seek(self._data.offset + start)
                if f.readinto(memoryview(array).cast("B")) != end - start:
                    raise ValueError(f"{name}: the file is shorter than its header says")
                out[name] = array
        return out

    def _entry(self, name: str) -> dict:
        entry = self._header[name]
        if entry["dtype"] != "F32":
            raise ValueError(f"{name} is {entry['dtype']}, not F32")
        return entry


class PieceTokenizer:
    """``tokenizer.json`` applied exactly, with a Unigram model of only the pieces a text contains."""

    def __init__(self, path: Path, max_length: int, cache_dir: Path | None = None,
                 checksum: str | None = None) -> None:
        from tokenizers import Tokenizer

        self.index = PieceIndex.load(path, cache_dir, checksum)
        shell = self.index.shell
        self.shell = Tokenizer.from_str(shell)
        data = json.loads(shell)
        model = data["model"]
        self.unk = model["vocab"][0][0] if model.get("unk_id") is not None else None  # the shell's one piece
        self.byte_fallback = bool(model.get("byte_fallback"))
        # The ids the file gives its special tokens (the shell renumbers them around its one piece).
        self.added_ids = {t["content"]: int(t["id"]) for t in data.get("added_tokens") or []}
        added = sorted(self.added_ids, key=len, reverse=True)
        self.added = re.compile("|".join(map(re.escape, added))) if added else None
        self.shell.enable_truncation(max_length=max_length)
        self.shell.no_padding()

    def encode(self, text: str) -> list[int]:
        from tokenizers.models import Unigram

        found = self.index.find(self._substrings(text) | {p for p in (self.unk, self.index.floor) if p is not None})
        wanted = sorted(found, key=lambda p: found[p][0])  # in the file's order
        vocab = [(p, found[p][1]) for p in wanted]
        unk_id = wanted.index(self.unk) if self.unk is not None else None
        self.shell.model = Unigram(vocab, unk_id, self.byte_fallback)
        unk = found[self.unk][0] if self.unk is not None else None
        # Token strings, not ids: the model's ids number the pieces of this text only. A token that
        # is no piece is an unknown character (Unigram reports its text).
        return [self.added_ids[t] if t in self.added_ids else found[t][0] if t in found else unk
                for t in self.shell.encode(text).tokens]

    def _substrings(self, text: str) -> set[str]:
        """Every substring (up to the longest piece) of what the Unigram model will see: a superset
        of the pieces Viterbi can use. Special tokens are cut out first, as the tokenizer does; each
        segment is normalised and pre-tokenised as the tokenizer does (a "▁" that only the first
        segment gets is added to every one: a superset still)."""
        longest = self.index.longest
        out: set[str] = set()
        segments = self.added.split(text) if self.added else [text]
        normalizer, pre_tokenizer = self.shell.normalizer, self.shell.pre_tokenizer
        for segment in segments:
            normalized = normalizer.normalize_str(segment) if normalizer else segment
            splits = [s for s, _ in pre_tokenizer.pre_tokenize_str(normalized)] if pre_tokenizer else [normalized]
            for s in splits:
                n = len(s)
                out.update(s[i:j] for i in range(n) for j in range(i + 1, min(n, i + longest) + 1))
        return out


class PieceIndex:
    """The vocabulary of a Unigram ``tokenizer.json``, searchable without building a dict of its
    250 002 pieces: their UTF-8 bytes sorted in a memory-mapped numpy array (binary search), with
    each one's id and every id's score. Kept under the cache dir by the file's checksum."""

    def __init__(self, keys: np.ndarray, ids: np.ndarray, scores: np.ndarray, meta: dict, shell: str) -> None:
        self.keys, self.ids, self.scores, self.shell = keys, ids, scores, shell
        self.longest = int(meta["longest"])  # in characters
        self.floor = str(meta["floor"])  # the lowest-scoring piece: it sets the score of an unknown character

    def find(self, strings: set[str]) -> dict[str, tuple[int, float]]:
        """piece → (id, score) for the strings that are pieces."""
        if not strings:
            return {}
        width = self.keys.dtype.itemsize
        candidates = [s for s in strings if len(s.encode("utf-8", "surrogatepass")) <= width]
        if not candidates:
            return {}
        wanted = np.array([s.encode("utf-8", "surrogatepass") for s in candidates], dtype=self.keys.dtype)
        at = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        hit = self.keys[at] == wanted
        return {s: (int(self.ids[i]), float(self.scores[self.ids[i]]))
                for s, i, ok in zip(candidates, at.tolist(), hit.tolist()) if ok}

    @classmethod
    def load(cls, path: Path, cache_dir: Path | None, checksum: str | None) -> PieceIndex:
        folder = cache_dir / f"tokenizer-{CACHE_FORMAT}-{checksum[:16]}" if cache_dir and checksum else None
        if folder is not None:
            try:
                keys = np.load(folder / "keys.npy", mmap_mode="r", allow_pickle=False)
                ids = np.load(folder / "ids.npy", mmap_mode="r", allow_pickle=False)
                scores = np.load(folder / "scores.npy", allow_pickle=False)
                meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
                shell = (folder / "shell.json").read_text(encoding="utf-8")
                if len(keys) == len(ids) == len(scores) == int(meta["pieces"]) and keys.dtype.kind == "S":
                    return cls(keys, ids, scores, meta, shell)
            except (OSError, ValueError, KeyError, TypeError):
                pass
        index = cls.parse(path)
        if folder is not None:
            index.save(folder)
        return index

    @classmethod
    def parse(cls, path: Path) -> PieceIndex:
        data = json.loads(path.read_text(encoding="utf-8"))
        model = data["model"]
        if model.get("type") != "Unigram":
            raise ValueError(f"{path} is not a Unigram tokenizer")
        pieces = [p for p, _ in model["vocab"]]
        scores = np.array([s for _, s in model["vocab"]], dtype=np.float64)
        encoded = [p.encode("utf-8", "surrogatepass") for p in pieces]
        if any(e.endswith(b"\0") for e in encoded):  # numpy's bytes would drop it
            raise ValueError(f"{path} has a piece ending in NUL")
        keys = np.array(encoded, dtype=f"S{max(map(len, encoded))}")
        order = np.argsort(keys, kind="stable")
        if len(np.unique(keys)) != len(keys):
            raise ValueError(f"{path} lists a piece twice")
        meta = {"pieces": len(pieces), "longest": max(map(len, pieces)), "floor": pieces[int(np.argmin(scores))]}
        model["vocab"] = [[pieces[model["unk_id"]], 0.0]] if model.get("unk_id") is not None else [["<unk>", 0.0]]
        model["unk_id"] = 0 if model.get("unk_id") is not None else None
        shell = json.dumps(data, ensure_ascii=False)
        return cls(keys[order], order.astype(np.int32), scores, meta, shell)

    def save(self, folder: Path) -> None:
        """Written to a temporary folder renamed into place (a damaged one is replaced); a failure
        (a read-only data dir) only means parsing ``tokenizer.json`` again next time."""
        import shutil

        tmp = folder.with_name(f".{folder.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            tmp.mkdir(parents=True)
            np.save(tmp / "keys.npy", np.ascontiguousarray(self.keys), allow_pickle=False)
            np.save(tmp / "ids.npy", np.ascontiguousarray(self.ids), allow_pickle=False)
            np.save(tmp / "scores.npy", self.scores, allow_pickle=False)
            meta = {"pieces": len(self.keys), "longest": self.longest, "floor": self.floor}
            (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
            (tmp / "shell.json").write_text(self.shell, encoding="utf-8")
            if folder.exists():
                old = folder.with_name(f".{folder.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
                folder.rename(old)
                shutil.rmtree(old, ignore_errors=True)
            tmp.rename(folder)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)


_EMBEDDING = threading.Lock()


@functools.lru_cache(maxsize=1)
def _blas_controller():
    """threadpoolctl's view of the loaded BLAS libraries, found once per process: finding them reads
    /proc/self/maps, ~5 ms, which ``threadpool_limits`` did again for every question."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # scikit-learn's dependency; without it, OpenBLAS's own default
        return None
    return ThreadpoolController()


@contextlib.contextmanager
def _one_blas_thread():
    """OpenBLAS on one thread while a text is embedded, one text at a time in the process.

    The matrices here are at most 512 × 1536: a second thread saves little on an idle machine, and
    on a busy one (two cores, other work) threads spinning while they wait for each other made one
    question take 2 s instead of 0.1 s. One thread also makes a vector the same whatever the load.
    The limit is process-wide, so embeddings are serialised (the chat's users wait ~0.1 s at most):
    overlapping ones would restore each other's limits out of order.
    """
    with _EMBEDDING:
        controller = _blas_controller()
        if controller is None:
            yield
            return
        with controller.limit(limits=1, user_api="blas"):
            yield


_QKV = "attention.self.qkv"
_INPUT_MAJOR = ".weight_in_out"
_LINEAR = ("attention.output.dense", "intermediate.dense", "output.dense")


def _prepared(w: dict[str, np.ndarray], prefix: str, layers: int) -> dict[str, np.ndarray]:
    """The weights laid out for ``x @ W``: each linear layer's (out, in) matrix stored transposed and
    contiguous, and a layer's query, key and value projections joined into one (in, 3 × out) matrix,
    so a layer makes four matrix products instead of six. Done once at load, in place of the
    originals (no second copy in memory)."""
    for layer in range(layers):
        lp = f"{prefix}encoder.layer.{layer}."
        parts = [lp + f"attention.self.{name}" for name in ("query", "key", "value")]
        w[lp + _QKV + _INPUT_MAJOR] = np.ascontiguousarray(np.concatenate([w.pop(p + ".weight") for p in parts]).T)
        w[lp + _QKV + ".bias"] = np.concatenate([w.pop(p + ".bias") for p in parts])
        for name in _LINEAR:
            w[lp + name + _INPUT_MAJOR] = np.ascontiguousarray(w.pop(lp + name + ".weight").T)
    return w


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.float32(math.sqrt(2.0))))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + np.float32(eps)) * weight + bias


class NumpyEncoder:
    """BertModel → mean pooling → L2 normalisation, one text at a time (no padding)."""

    def __init__(self, model_dir: Path, cache_dir: Path | None = None, tokenizer_checksum: str | None = None) -> None:
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        st_config = _read_json(model_dir / "sentence_bert_config.json") or {}
        self.layers = int(config["num_hidden_layers"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        max_length = int(st_config.get("max_seq_length") or config["max_position_embeddings"])
        max_length = min(max_length, int(config["max_position_embeddings"]))
        self.tokenizer = PieceTokenizer(model_dir / "tokenizer.json", max_length, cache_dir, tokenizer_checksum)
        tensors = SafeTensors(model_dir / "model.safetensors")
        self.p = "bert." if "bert.embeddings.word_embeddings.weight" in tensors else ""
        self.words = tensors[self.p + "embeddings.word_embeddings.weight"]  # 250 037 rows, a few used per text
        self.w = _prepared(tensors.read([n for n in tensors.names() if n.startswith((self.p + "embeddings.", self.p + "encoder."))
                                         and n != self.p + "embeddings.word_embeddings.weight"]), self.p, self.layers)

    def embed(self, text: str) -> np.ndarray:
        """The normalised float32 vector of ``text`` (any prompt already prepended)."""
        with _one_blas_thread():
            return self._embed(text)

    def _embed(self, text: str) -> np.ndarray:
        ids = np.asarray(self.tokenizer.encode(text), dtype=np.int64)
        w, p = self.w, self.p
        x = (self.words[ids]
             + w[p + "embeddings.position_embeddings.weight"][: len(ids)]
             + w[p + "embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w[p + "embeddings.LayerNorm.weight"], w[p + "embeddings.LayerNorm.bias"], self.eps)
        n, hidden = x.shape
        d = hidden // self.heads
        scale = np.float32(1.0 / math.sqrt(d))
        for layer in range(self.layers):
            lp = f"{p}encoder.layer.{layer}."

            def linear(name: str, v: np.ndarray) -> np.ndarray:
                return v @ w[lp + name + _INPUT_MAJOR] + w[lp + name + ".bias"]

            q, k, v = linear(_QKV, x).reshape(n, 3, self.heads, d).transpose(1, 2, 0, 3)
            scores = (q @ k.transpose(0, 2, 1)) * scale
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            probs = scores / scores.sum(-1, keepdims=True)
            context = (probs @ v).transpose(1, 0, 2).reshape(n, hidden)
            x = _layer_norm(linear("attention.output.dense", context) + x,
                            w[lp + "attention.output.LayerNorm.weight"], w[lp + "attention.output.LayerNorm.bias"],
                            self.eps)
            inner = _gelu(linear("intermediate.dense", x))
            x = _layer_norm(linear("output.dense", inner) + x,
                            w[lp + "output.LayerNorm.weight"], w[lp + "output.LayerNorm.bias"], self.eps)
        pooled = x.mean(0)
        return (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)
