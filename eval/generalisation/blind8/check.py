#!/usr/bin/env python3
"""Validator for the blind8 evaluation set. Run from inside blind8/: python3 check.py"""
import json
import os
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
QA = os.path.join(HERE, "qa.jsonl")
KEYS = ["id", "question", "answer", "sources", "articles", "must_include", "type", "lang"]
TYPES = {"factoid", "list", "two_part", "paraphrase", "typo", "english", "unanswerable"}
LANGS = {"pl", "en"}
NAME_RE = re.compile(r"^h(0[1-9]|1[0-8])_[a-z0-9]+(?:_[a-z0-9]+)*\.txt$")
MIN_WORDS, MAX_WORDS = 150, 260

errors = []


def err(msg):
    errors.append(msg)


def word_count(text):
    # a word is a whitespace-separated token holding at least one letter or digit
    return sum(1 for tok in text.split() if re.search(r"\w", tok))


# ---- corpus -------------------------------------------------------------
docs = {}
if not os.path.isdir(CORPUS):
    err("corpus/ folder missing")
else:
    names = sorted(os.listdir(CORPUS))
    for n in names:
        p = os.path.join(CORPUS, n)
        if not os.path.isfile(p):
            err(f"corpus/{n}: not a plain file")
            continue
        if not NAME_RE.match(n):
            err(f"corpus/{n}: name does not match hNN_<slug>.txt")
        try:
            with open(p, encoding="utf-8") as fh:
                docs[n] = fh.read()
        except UnicodeDecodeError:
            err(f"corpus/{n}: not valid UTF-8")
    if len(names) != 18:
        err(f"corpus/: expected 18 documents, found {len(names)}")
    numbers = sorted(n[:3] for n in names if NAME_RE.match(n))
    expected = [f"h{i:02d}" for i in range(1, 19)]
    if numbers != expected:
        err(f"corpus/: document numbers are {numbers}, expected h01..h18 once each")
    for n, t in sorted(docs.items()):
        wc = word_count(t)
        if not MIN_WORDS <= wc <= MAX_WORDS:
            err(f"corpus/{n}: {wc} words, outside {MIN_WORDS}-{MAX_WORDS}")

# ---- questions ----------------------------------------------------------
rows = []
if not os.path.isfile(QA):
    err("qa.jsonl missing")
else:
    with open(QA, encoding="utf-8") as fh:
        for ln, line in enumerate(fh, 1):
            if not line.strip():
                err(f"qa.jsonl line {ln}: empty line")
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                err(f"qa.jsonl line {ln}: invalid JSON ({e})")
                continue
            if not isinstance(row, dict):
                err(f"qa.jsonl line {ln}: not a JSON object")
                continue
            rows.append((ln, row))

ids = Counter()
for ln, r in rows:
    where = f"qa.jsonl line {ln} ({r.get('id', '?')})"
    if list(r.keys()) != KEYS and set(r.keys()) != set(KEYS):
        err(f"{where}: keys {sorted(r.keys())} != {KEYS}")
        continue
    ids[r["id"]] += 1
    if not (isinstance(r["id"], str) and re.fullmatch(r"b\d{3}", r["id"])):
        err(f"{where}: bad id")
    for k in ("question", "answer"):
        if not isinstance(r[k], str) or not r[k].strip():
            err(f"{where}: '{k}' must be a non-empty string")
    if r["type"] not in TYPES:
        err(f"{where}: bad type {r['type']!r}")
    if r["lang"] not in LANGS:
        err(f"{where}: bad lang {r['lang']!r}")
    if r["type"] == "english" and r["lang"] != "en":
        err(f"{where}: english question must have lang 'en'")
    if r["type"] in {"factoid", "list", "two_part", "paraphrase", "typo"} and r["lang"] != "pl":
        err(f"{where}: {r['type']} question must have lang 'pl'")
    srcs, arts, mi = r["sources"], r["articles"], r["must_include"]
    if not isinstance(srcs, list) or not all(isinstance(s, str) for s in srcs):
        err(f"{where}: sources must be a list of strings")
        continue
    if not isinstance(arts, list) or not all(
            isinstance(a, dict) and set(a.keys()) == {"source", "title"}
            and isinstance(a["source"], str) and isinstance(a["title"], str) for a in arts):
        err(f"{where}: articles must be a list of {{source, title}} objects")
        continue
    if not isinstance(mi, list) or not all(
            isinstance(f, list) and f and all(isinstance(x, str) and x.strip() for x in f) for f in mi):
        err(f"{where}: must_include must be a list of non-empty lists of strings")
        continue
    if r["type"] == "unanswerable":
        if srcs or arts or mi:
            err(f"{where}: unanswerable row must have empty sources/articles/must_include")
        continue
    if not srcs:
        err(f"{where}: answerable row without sources")
    if not mi:
        err(f"{where}: answerable row without must_include")
    if not arts:
        err(f"{where}: answerable row without articles")
    if len(set(srcs)) != len(srcs):
        err(f"{where}: duplicate sources")
    for s in srcs:
        if s not in docs:
            err(f"{where}: source {s} does not exist in corpus/")
    for a in arts:
        if a["source"] not in srcs:
            err(f"{where}: article source {a['source']} not listed in sources")
        if a["source"] in docs:
            lines = [l.strip() for l in docs[a["source"]].splitlines()]
            if a["title"].strip() not in lines:
                err(f"{where}: title {a['title']!r} is not a line of {a['source']}")
    src_text = [docs[s].lower() for s in srcs if s in docs]
    for fact in mi:
        for alt in fact:
            if not any(alt.lower() in t for t in src_text):
                err(f"{where}: must_include alternative {alt!r} not found in its sources")
    if r["type"] == "two_part" and len(mi) < 2:
        err(f"{where}: two_part question needs at least two must_include facts")

for i, c in ids.items():
    if c > 1:
        err(f"id {i} used {c} times")

# ---- report -------------------------------------------------------------
types = Counter(r["type"] for _, r in rows if isinstance(r.get("type"), str))
langs = Counter(r["lang"] for _, r in rows if isinstance(r.get("lang"), str))
tl = Counter((r.get("type"), r.get("lang")) for _, r in rows)
total = len(rows)
print(f"documents: {len(docs)}")
print(f"questions: {total}")
print("by type:")
for t in sorted(TYPES):
    print(f"  {t:13s} {types.get(t, 0):3d}   (pl {tl.get((t, 'pl'), 0)}, en {tl.get((t, 'en'), 0)})")
print("by language:")
for l in sorted(LANGS):
    print(f"  {l:13s} {langs.get(l, 0):3d}")
if total:
    print(f"unanswerable share: {types.get('unanswerable', 0) / total:.1%}")

if errors:
    print(f"\nFAILED with {len(errors)} error(s):")
    for e in errors:
        print("  - " + e)
    sys.exit(1)
print("\nOK: all checks passed")
