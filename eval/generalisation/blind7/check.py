#!/usr/bin/env python3
"""Standalone validator for the blind7 evaluation set. Run from inside blind7/."""
import glob, json, os, re, sys
from collections import Counter

KEYS = {"id", "question", "answer", "sources", "articles", "must_include", "type", "lang"}
TYPES = {"factoid", "list", "two_part", "paraphrase", "typo", "english", "unanswerable"}
errors = []

docs = sorted(glob.glob(os.path.join("corpus", "*.txt")))
if len(docs) != 18:
    errors.append(f"expected 18 documents, found {len(docs)}")
texts = {}
for p in docs:
    name = os.path.basename(p)
    if not re.match(r"^g(0[1-9]|1[0-8])_[a-z0-9_]+\.txt$", name):
        errors.append(f"bad file name: {name}")
    try:
        t = open(p, encoding="utf-8").read()
    except UnicodeDecodeError:
        errors.append(f"{name}: not UTF-8")
        continue
    texts[name] = t
    n = len(t.split())
    if not 150 <= n <= 260:
        errors.append(f"{name}: {n} words (need 150-260)")

def strip_line(s):
    return s.strip().strip("#* ").strip()

rows = []
with open("qa.jsonl", encoding="utf-8") as fh:
    for ln, line in enumerate(fh, 1):
        if not line.strip():
            continue
        try:
            rows.append((ln, json.loads(line)))
        except json.JSONDecodeError as e:
            errors.append(f"line {ln}: invalid JSON ({e})")

ids = Counter()
for ln, q in rows:
    tag = f"line {ln} ({q.get('id')})"
    if set(q) != KEYS:
        errors.append(f"{tag}: keys {sorted(q)}")
        continue
    ids[q["id"]] += 1
    if not re.match(r"^k\d{3}$", q["id"]):
        errors.append(f"{tag}: bad id")
    if q["type"] not in TYPES:
        errors.append(f"{tag}: bad type {q['type']}")
    if q["lang"] not in ("pl", "en"):
        errors.append(f"{tag}: bad lang {q['lang']}")
    if q["type"] == "english" and q["lang"] != "en":
        errors.append(f"{tag}: english type must have lang en")
    if not q["question"].strip():
        errors.append(f"{tag}: empty question")
    if q["type"] == "unanswerable":
        if q["answer"] != "" or q["sources"] or q["articles"] or q["must_include"]:
            errors.append(f"{tag}: unanswerable entry must be empty")
        continue
    if not q["answer"].strip():
        errors.append(f"{tag}: empty answer")
    if not q["sources"]:
        errors.append(f"{tag}: no sources")
    for s in q["sources"]:
        if s not in texts:
            errors.append(f"{tag}: unknown source {s}")
    src_text = [texts.get(s, "").lower() for s in q["sources"]]
    if not q["must_include"]:
        errors.append(f"{tag}: empty must_include")
    for fact in q["must_include"]:
        if not isinstance(fact, list) or not fact:
            errors.append(f"{tag}: fact must be a non-empty list")
            continue
        for alt in fact:
            if not any(alt.lower() in t for t in src_text):
                errors.append(f"{tag}: '{alt}' not found in sources")
    if q["type"] == "two_part" and len(q["must_include"]) < 2:
        errors.append(f"{tag}: two_part needs >=2 facts")
    if not q["articles"]:
        errors.append(f"{tag}: no articles")
    for art in q["articles"]:
        if set(art) != {"source", "title"}:
            errors.append(f"{tag}: bad article keys")
            continue
        if art["source"] not in q["sources"]:
            errors.append(f"{tag}: article source not in sources")
        lines = {strip_line(l) for l in texts.get(art["source"], "").splitlines()}
        if art["title"] not in lines:
            errors.append(f"{tag}: title not an exact line: {art['title']!r}")

for i, c in ids.items():
    if c > 1:
        errors.append(f"duplicate id {i}")

total = len(rows)
types = Counter(q.get("type") for _, q in rows)
langs = Counter(q.get("lang") for _, q in rows)
unans = types.get("unanswerable", 0)
print(f"documents: {len(docs)}")
print(f"questions: {total}")
print("by type:", dict(sorted(types.items())))
print("by lang:", dict(sorted(langs.items())))
ul = Counter(q["lang"] for _, q in rows if q.get("type") == "unanswerable")
print("unanswerable by lang:", dict(sorted(ul.items())))
print(f"unanswerable share: {unans}/{total} = {unans / max(total, 1):.1%}")
if not 96 <= total <= 110:
    errors.append(f"question count {total} outside 96-110")
if not 0.25 <= unans / max(total, 1) <= 0.35:
    errors.append("unanswerable share outside 25-35%")
if errors:
    print(f"FAILED: {len(errors)} problem(s)")
    for e in errors:
        print("  -", e)
    sys.exit(1)
print("OK: all checks passed")
