#!/usr/bin/env python3
"""Validator for the blind9 evaluation set (standard library only).

Run:  cd eval/generalisation/blind9 && python3 check.py
Exits with status 1 and lists the problems if anything is wrong.
"""
import collections
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
QA = os.path.join(HERE, "qa.jsonl")

NAME_RE = re.compile(r"^h(0[1-9]|1[0-8])_[a-z0-9]+(_[a-z0-9]+)*\.txt$")
WORD_RE = re.compile(r"[^\W_]", re.UNICODE)  # a token holding a letter or digit
KEYS = ["id", "question", "answer", "sources", "articles", "must_include", "type", "lang"]
TYPES = {
    "unanswerable": (30, 35),
    "english": (16, 20),
    "paraphrase": (16, 16),
    "typo": (12, 12),
    "two_part": (12, 12),
    "factoid": (12, 12),
    "list": (6, 6),
}
LANGS = {"pl", "en"}
MIN_WORDS, MAX_WORDS = 150, 260
N_DOCS = 18
MIN_QUESTIONS = 100

errors = []


def err(msg):
    errors.append(msg)


def count_words(text):
    return sum(1 for tok in text.split() if WORD_RE.search(tok))


# ---------------------------------------------------------------- corpus
docs = {}
if not os.path.isdir(CORPUS):
    err("missing corpus/ folder")
else:
    names = sorted(os.listdir(CORPUS))
    for name in names:
        path = os.path.join(CORPUS, name)
        if not os.path.isfile(path):
            err(f"corpus/{name}: not a plain file")
            continue
        if not NAME_RE.match(name):
            err(f"corpus/{name}: bad file name (want hNN_<slug>.txt)")
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except UnicodeDecodeError:
            err(f"corpus/{name}: not valid UTF-8")
            continue
        n = count_words(text)
        if not MIN_WORDS <= n <= MAX_WORDS:
            err(f"corpus/{name}: {n} words (want {MIN_WORDS}-{MAX_WORDS})")
        docs[name] = text
    prefixes = collections.Counter(n[:3] for n in docs)
    for p, c in prefixes.items():
        if c > 1:
            err(f"corpus: prefix {p} used {c} times")
    expected = {f"h{i:02d}" for i in range(1, N_DOCS + 1)}
    missing = expected - set(prefixes)
    if missing:
        err(f"corpus: missing documents {sorted(missing)}")
    if len(docs) != N_DOCS:
        err(f"corpus: {len(docs)} documents (want {N_DOCS})")

lower_docs = {k: v.lower() for k, v in docs.items()}

# ---------------------------------------------------------------- qa.jsonl
records = []
if not os.path.isfile(QA):
    err("missing qa.jsonl")
else:
    with open(QA, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                err(f"qa.jsonl:{lineno}: empty line")
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                err(f"qa.jsonl:{lineno}: invalid JSON ({e})")
                continue
            records.append((lineno, rec))

ids = collections.Counter()
type_counts = collections.Counter()
lang_counts = collections.Counter()
type_lang = collections.Counter()

for lineno, rec in records:
    where = f"qa.jsonl:{lineno}"
    if not isinstance(rec, dict):
        err(f"{where}: not a JSON object")
        continue
    if list(rec.keys()) != KEYS and set(rec.keys()) != set(KEYS):
        err(f"{where}: keys {sorted(rec.keys())} != {KEYS}")
        continue
    rid = rec["id"]
    where = f"{where} ({rid})"
    if not (isinstance(rid, str) and re.fullmatch(r"c\d{3}", rid)):
        err(f"{where}: bad id")
    ids[rid] += 1
    for k in ("question", "answer", "type", "lang"):
        if not isinstance(rec[k], str) or not rec[k].strip():
            err(f"{where}: '{k}' must be a non-empty string")
    for k in ("sources", "articles", "must_include"):
        if not isinstance(rec[k], list):
            err(f"{where}: '{k}' must be a list")
    if errors and errors[-1].startswith(where):
        continue
    typ, lang = rec["type"], rec["lang"]
    if typ not in TYPES:
        err(f"{where}: unknown type {typ!r}")
    if lang not in LANGS:
        err(f"{where}: unknown lang {lang!r}")
    if typ == "english" and lang != "en":
        err(f"{where}: english question must have lang 'en'")
    if typ not in ("english", "unanswerable") and lang != "pl":
        err(f"{where}: {typ} question must have lang 'pl'")
    type_counts[typ] += 1
    lang_counts[lang] += 1
    type_lang[(typ, lang)] += 1

    sources = rec["sources"]
    articles = rec["articles"]
    must = rec["must_include"]

    if typ == "unanswerable":
        if sources or articles or must:
            err(f"{where}: unanswerable must have empty sources/articles/must_include")
        continue

    if not sources:
        err(f"{where}: answerable question without sources")
    if len(sources) > 2:
        err(f"{where}: more than two source documents")
    if len(set(sources)) != len(sources):
        err(f"{where}: duplicate sources")
    for s in sources:
        if not isinstance(s, str) or s not in docs:
            err(f"{where}: source {s!r} does not exist in corpus/")
    if not articles:
        err(f"{where}: answerable question without articles")
    art_sources = set()
    for a in articles:
        if not (isinstance(a, dict) and set(a.keys()) == {"source", "title"}):
            err(f"{where}: article entry must be {{source, title}}: {a!r}")
            continue
        src, title = a["source"], a["title"]
        art_sources.add(src)
        if src not in sources:
            err(f"{where}: article source {src!r} not listed in sources")
        if src in docs and (not isinstance(title, str) or title not in docs[src]):
            err(f"{where}: title {title!r} not found in {src}")
    for s in sources:
        if s not in art_sources:
            err(f"{where}: source {s!r} has no article entry")
    if not must:
        err(f"{where}: answerable question without must_include")
    for fact in must:
        if not (isinstance(fact, list) and fact and all(isinstance(x, str) and x.strip() for x in fact)):
            err(f"{where}: must_include fact must be a non-empty list of strings: {fact!r}")
            continue
        for alt in fact:
            low = alt.lower()
            if not any(low in lower_docs.get(s, "") for s in sources):
                err(f"{where}: must_include alternative {alt!r} not found in any source file")
            if len(alt.split()) > 3:
                err(f"{where}: must_include alternative {alt!r} longer than 3 words")

for rid, c in ids.items():
    if c > 1:
        err(f"qa.jsonl: id {rid} used {c} times")
expected_ids = [f"c{i:03d}" for i in range(1, len(records) + 1)]
if sorted(ids) != expected_ids:
    err("qa.jsonl: ids are not consecutive c001, c002, ...")
if len(records) < MIN_QUESTIONS:
    err(f"qa.jsonl: {len(records)} questions (want at least {MIN_QUESTIONS})")
for typ, (lo, hi) in TYPES.items():
    if not lo <= type_counts[typ] <= hi:
        err(f"qa.jsonl: {type_counts[typ]} questions of type {typ} (want {lo}-{hi})")

# ---------------------------------------------------------------- report
print(f"documents: {len(docs)}")
for name in sorted(docs):
    print(f"  {name}: {count_words(docs[name])} words")
print(f"questions: {len(records)}")
print("per type:")
for typ in TYPES:
    parts = ", ".join(f"{l}={type_lang[(typ, l)]}" for l in sorted(LANGS) if type_lang[(typ, l)])
    print(f"  {typ:13s} {type_counts[typ]:3d}  ({parts})")
print("per language:")
for l in sorted(LANGS):
    print(f"  {l}: {lang_counts[l]}")

if errors:
    print(f"\nFAILED: {len(errors)} problem(s)")
    for e in errors:
        print("  - " + e)
    sys.exit(1)
print("\nOK: all checks passed")
