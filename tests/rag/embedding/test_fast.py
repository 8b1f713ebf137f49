"""The numpy forward pass (rag/embedding/fast.py) against sentence-transformers on the same model
directory: the same tokens exactly, vectors equal to float32 rounding; anything but the built
layout goes through sentence-transformers."""

from __future__ import annotations

import json
import random
import shutil

import numpy as np
import pytest
from tokenizers import Tokenizer

from ingest.chunking import corpus_chunk_texts
from rag.config import PROJECT_ROOT
from rag.embedding import load_embed_model, load_query_model
from rag.embedding.fast import NumpyEncoder, PieceTokenizer, supports


# The same texts as test_parity.py.
TRICKY = [
    "Azylový dům pro ženy matky s dětmi",
    "Zażółć gęślą jaźń. ŻÓŁW, ŹDŹBŁO, Łódź",
    "Zazolc gesla jazn",
    "“smart quotes”, „polskie cudzysłowy”, «guillemets», ‘single’ — en–dash … ellipsis",
    "non\u00a0breaking\u00a0\u00a0spaces, narrow\u202fno-break, figure\u2007space",
    "emoji 😀🎉 👨‍👩‍👧 ❤️ 1️⃣",
    "multiple     spaces\t\ttabs\n\nnew lines",
    "Windows\r\nline endings\r\n",
    "  leading spaces",
    "trailing space ",
    "   ",
    "",
    "ﬁ ligature, ½, x², 3 ℃, № 5, ＡＢＣ１２３ fullwidth, ™",
    "zero\u200bwidth\u200djoiner\ufeffbom soft\u00adhyphen",
    "decomposed e\u0301 and precomposed é, Å vs A\u030a",
    "MOPS, ul. Józefińska 14, 30-529 Kraków, tel. 12 616 54 00, sekretariat@mops.krakow.pl, https://mops.krakow.pl/",
    "§ 3 ust. 2 pkt 1) ustawy z dnia 12 marca 2004 r. o pomocy społecznej (Dz.U. 2023 poz. 901)",
    "Україна, дом, ΑΒΓ, مرحبا, हिन्दी, 한국어, 日本語のテキスト",
    "𠀀𠀁𠀂 unknown characters in a row, \uf0b7 private-use bullet",
    "<s> literal </s> and <pad> and <mask>",
]

# Where our tokenizer knowingly differs from e5.c (test_parity.py): here they must still match the full one.
KNOWN_DIFFERENT = ["a literal <unk> token", "ｅ\u0301 fullwidth e with a combining accent"]

MAX_ABS_DIFFERENCE = 1e-5  # float32 rounding, 12 layers deep (seen: 1.3e-7)


@pytest.fixture(scope="module")
def chunks(e5) -> list[str]:
    return corpus_chunk_texts(e5.settings)


@pytest.fixture(scope="module")
def questions() -> list[str]:
    found = []
    for name in ("qa.jsonl", "qa_holdout.jsonl"):
        lines = (PROJECT_ROOT / "eval" / name).read_text(encoding="utf-8").splitlines()
        found += [json.loads(line)["question"] for line in lines if line.strip()]
    return found


@pytest.fixture(scope="module")
def long_text() -> str:
    return "\n\n".join(p.read_text(encoding="utf-8") for p in sorted((PROJECT_ROOT / "data" / "corpus").glob("*.txt")))


def _random_texts(corpus_text: str, n: int = 1500) -> list[str]:
    """Corpus characters, random code points (most in no piece), special tokens, combining marks."""
    rnd = random.Random(5)
    alphabet = list(corpus_text) + [chr(rnd.randrange(0x20, 0x3000)) for _ in range(2000)]
    alphabet += ["<s>", "</s>", "<unk>", "<mask>", "<pad>", "\u0301", "  ", "\t", "\n", "\u2581", "ｅ"]
    return ["".join(rnd.choice(alphabet) for _ in range(rnd.randrange(1, 60))) for _ in range(n)]


def test_tokens_are_the_full_tokenizers_exactly(e5, chunks, questions, long_text, tmp_path):
    full = Tokenizer.from_file(str(e5.model_dir / "tokenizer.json"))
    full.enable_truncation(max_length=512)
    ours = PieceTokenizer(e5.model_dir / "tokenizer.json", 512, tmp_path, "0" * 64)
    texts = TRICKY + KNOWN_DIFFERENT + chunks + [long_text] + _random_texts(long_text)
    texts += [e5.settings.query_prefix + q for q in questions] + [e5.settings.passage_prefix + c for c in chunks]
    mismatches = [t for t in texts if ours.encode(t) != full.encode(t).ids]
    assert mismatches == []
    assert len(ours.encode(long_text)) == 512  # truncated as sentence-transformers truncates


def test_the_piece_list_is_cached_by_checksum_and_a_damaged_cache_is_rebuilt(e5, tmp_path):
    path = e5.model_dir / "tokenizer.json"
    PieceTokenizer(path, 512, tmp_path, "a" * 64)
    (folder,) = tmp_path.glob("tokenizer-*-aaaaaaaaaaaaaaaa")
    assert {p.name for p in folder.iterdir()} == {"keys.npy", "ids.npy", "scores.npy", "meta.json", "shell.json"}
    (folder / "scores.npy").write_bytes(b"damaged")
    tokenizer = PieceTokenizer(path, 512, tmp_path, "a" * 64)
    assert tokenizer.encode("Azylový dům") == [0, 1155, 8613, 5087, 144182, 2]
    assert PieceTokenizer(path, 512, tmp_path, "b" * 64).encode("Azylový dům") == [0, 1155, 8613, 5087, 144182, 2]
    assert len(list(tmp_path.glob("tokenizer-*"))) == 2  # another tokenizer.json, another entry


def test_query_vectors_equal_sentence_transformers(e5, questions):
    fast, reference = load_query_model(e5.settings), load_embed_model(e5.settings)
    assert type(fast).__name__ == "NumpyEmbedding"
    texts = questions + TRICKY
    ours = np.array([fast.get_query_embedding(t) for t in texts])
    theirs = np.array([reference.get_query_embedding(t) for t in texts])
    assert np.abs(ours - theirs).max() < MAX_ABS_DIFFERENCE
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-6)


def test_passage_vectors_equal_sentence_transformers(e5, chunks, long_text):
    fast, reference = load_query_model(e5.settings), load_embed_model(e5.settings)
    texts = chunks[:12] + [long_text]  # the long one: cut at 512 tokens like sentence-transformers
    ours = np.array(fast.get_text_embedding_batch(texts))
    theirs = np.array(reference.get_text_embedding_batch(texts))
    assert np.abs(ours - theirs).max() < MAX_ABS_DIFFERENCE


def test_only_the_built_layout_is_computed_here(e5, tmp_path):
    assert supports(e5.model_dir)
    for change in ("pooling", "modules", "activation"):
        other = tmp_path / change
        shutil.copytree(e5.model_dir, other, ignore=shutil.ignore_patterns("model.safetensors"))
        (other / "model.safetensors").symlink_to(e5.model_dir / "model.safetensors")
        if change == "pooling":
            config = json.loads((other / "1_Pooling" / "config.json").read_text())
            config.update(pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
            (other / "1_Pooling" / "config.json").write_text(json.dumps(config))
        elif change == "modules":
            modules = json.loads((other / "modules.json").read_text())
            (other / "modules.json").write_text(json.dumps(modules[:2]))  # no Normalize
        else:
            config = json.loads((other / "config.json").read_text())
            (other / "config.json").write_text(json.dumps(dict(config, hidden_act="gelu_new")))
        assert not supports(other), change


def test_another_model_directory_loads_through_sentence_transformers(e5, tmp_path):
    other = tmp_path / "office-model"
    shutil.copytree(e5.model_dir, other, ignore=shutil.ignore_patterns("model.safetensors"))
    (other / "model.safetensors").symlink_to(e5.model_dir / "model.safetensors")
    (other / "modules.json").write_text(json.dumps(json.loads((other / "modules.json").read_text())[:2]))
    model = load_query_model(e5.settings.replace(model_dir=other))
    assert type(model).__name__ == "HuggingFaceEmbedding"


def test_one_text_at_a_time_needs_no_padding_and_is_deterministic(e5, tmp_path):
    encoder = NumpyEncoder(e5.model_dir, tmp_path, "c" * 64)
    a = encoder.embed("query: Kto przewodniczył delegacji?")
    assert a.dtype == np.float32 and a.shape == (384,)
    assert np.array_equal(a, encoder.embed("query: Kto przewodniczył delegacji?"))
