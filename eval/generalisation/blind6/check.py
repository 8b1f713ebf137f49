#!/usr/bin/env python3
"""Standalone validator for the blind6 evaluation set. Run from inside blind6/."""
import json
import os
import re
import sys
from collections import Counter

KEYS = {"id", "question", "answer", "sources", "articles", "must_include", "type", "lang"}
TYPES = {"factoid", "list", "two_part", "paraphrase", "typo", "english", "unanswerable"}
errors = []


def err(msg):
    errors.append(msg)


docs = {}
names = sorted(n for n in os.listdir("corpus") if n.endswith(".txt"))
if len(names) != 18:
    err(f"expected 18 documents, found {len(names)}")
for i, n in enumerate(names, 1):
    if not re.fullmatch(rf"g{i:02d}_[a-z0-9_]+\.txt", n):
        err(f"bad file name or numbering: {n}")
    with open(os.path.join("corpus", n), encoding="utf-8") as f:
        text = f.read()
    docs[n] = text
    wc = len(text.split())
    if not 150 <= wc <= 260:
        err(f"{n}: {wc} words (needs 150-260)")


def clean(line):
    return line.strip().strip("#* ").strip()


lines_of = {n: {clean(l) for l in t.splitlines() if clean(l)} for n, t in docs.items()}

rows = []
with open("qa.jsonl", encoding="utf-8") as f:
    for ln, raw in enumerate(f, 1):
        if not raw.strip():
            continue
        try:
            rows.append((ln, json.loads(raw)))
        except json.JSONDecodeError as e:
            err(f"line {ln}: invalid JSON ({e})")

ids = Counter()
for ln, q in rows:
    qid = q.get("id", f"line{ln}")
    if set(q) != KEYS:
        err(f"{qid}: keys {sorted(q)} != {sorted(KEYS)}")
        continue
    ids[qid] += 1
    if not re.fullmatch(r"h\d{3}", qid):
        err(f"{qid}: bad id")
    if q["type"] not in TYPES:
        err(f"{qid}: bad type {q['type']}")
    if q["lang"] not in ("pl", "en"):
        err(f"{qid}: bad lang {q['lang']}")
    if q["type"] == "english" and q["lang"] != "en":
        err(f"{qid}: english question must have lang en")
    if not q["question"].strip():
        err(f"{qid}: empty question")
    if q["type"] == "unanswerable":
        if q["answer"] != "" or q["sources"] or q["articles"] or q["must_include"]:
            err(f"{qid}: unanswerable entry must have empty answer/sources/articles/must_include")
        continue
    if not q["answer"].strip() or not q["sources"] or not q["articles"] or not q["must_include"]:
        err(f"{qid}: answerable entry missing answer/sources/articles/must_include")
        continue
    for s in q["sources"]:
        if s not in docs:
            err(f"{qid}: unknown source {s}")
    srcs = [docs[s].lower() for s in q["sources"] if s in docs]
    for fact in q["must_include"]:
        if not isinstance(fact, list) or not fact:
            err(f"{qid}: each must_include fact must be a non-empty list")
            continue
        for alt in fact:
            if not isinstance(alt, str) or not alt.strip():
                err(f"{qid}: empty alternative")
            elif not any(alt.lower() in t for t in srcs):
                err(f"{qid}: '{alt}' not found in sources {q['sources']}")
    for a in q["articles"]:
        if set(a) != {"source", "title"}:
            err(f"{qid}: article keys {sorted(a)}")
            continue
        if a["source"] not in q["sources"]:
            err(f"{qid}: article source {a['source']} not in sources")
        if a["source"] in lines_of and clean(a["title"]) not in lines_of[a["source"]]:
            err(f"{qid}: title '{a['title']}' is not a line of {a['source']}")
    for s in q["sources"]:
        if s not in {a["source"] for a in q["articles"]}:
            err(f"{qid}: source {s} has no article entry")

for qid, c in ids.items():
    if c > 1:
        err(f"duplicate id {qid}")

total = len(rows)
types = Counter(q.get("type") for _, q in rows)
langs = Counter(q.get("lang") for _, q in rows)
tl = Counter((q.get("type"), q.get("lang")) for _, q in rows)
unans = types.get("unanswerable", 0)
print(f"documents: {len(docs)}  words: " + ", ".join(f"{n[:3]}={len(t.split())}" for n, t in docs.items()))
print(f"questions: {total}")
print("by type:  " + ", ".join(f"{t}={types[t]}" for t in sorted(types)))
print("by lang:  " + ", ".join(f"{l}={langs[l]}" for l in sorted(langs)))
print("by type/lang: " + ", ".join(f"{t}/{l}={c}" for (t, l), c in sorted(tl.items())))
share = unans / total if total else 0
print(f"unanswerable share: {unans}/{total} = {share:.1%}")
if not 96 <= total <= 110:
    err(f"question count {total} outside 96-110")
if not 0.25 <= share <= 0.35:
    err(f"unanswerable share {share:.1%} outside 25-35 %")
if errors:
    print(f"\nFAILED: {len(errors)} problem(s)")
    for e in errors:
        print("  - " + e)
    sys.exit(1)
print("\nOK: all checks passed")
