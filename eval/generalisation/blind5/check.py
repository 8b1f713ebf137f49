import json, os, collections
D="corpus"; KEYS={"id","question","answer","sources","articles","must_include","type","lang"}
docs={f:open(os.path.join(D,f),encoding="utf-8").read() for f in sorted(os.listdir(D))}
ok=True
def fail(m):
    global ok; ok=False; print("FAIL",m)
assert len(docs)==18
for f,t in docs.items():
    w=len(t.split())
    if not 150<=w<=260: fail(f"{f} words {w}")
ids=set(); cnt=collections.Counter(); lang=collections.Counter()
for i,line in enumerate(open("qa.jsonl",encoding="utf-8")):
    o=json.loads(line)
    if set(o)!=KEYS: fail(f"keys line {i}")
    if o["id"] in ids: fail("dup "+o["id"])
    ids.add(o["id"]); cnt[o["type"]]+=1; lang[(o["type"]=="unanswerable",o["lang"])]+=1
    if o["type"]=="unanswerable":
        if o["answer"] or o["sources"] or o["articles"] or o["must_include"]: fail(o["id"]+" unans not empty")
        continue
    if not o["answer"] or not o["sources"] or not o["must_include"]: fail(o["id"]+" empty")
    for s in o["sources"]:
        if s not in docs: fail(o["id"]+" missing src")
    txt=" ".join(docs[s] for s in o["sources"]).lower()
    for g in o["must_include"]:
        if not g: fail(o["id"]+" empty group")
        for x in g:
            if x.lower() not in txt: fail(f"{o['id']} key {x!r} not in source")
    for a in o["articles"]:
        lines=[l.strip().strip("#* ").strip() for l in docs[a["source"]].splitlines()]
        if a["title"] not in lines: fail(f"{o['id']} title {a['title']!r}")
print(dict(cnt), sum(cnt.values())); print(dict(lang))
# near-miss greps: detail keywords that must be absent from ALL docs
alltxt="\n".join(docs.values()).lower()
absent={"koszt wyjazdu do Tallina":["koszt","kosztował"],"lider grupy Tallinn 2018":["na czele","przewodnicz","kierował"],
 "faks":["faks","fax"],"kieszonkowe kwota":["kieszonkowe w wysokości","zł miesięcznie"],
 "drugi wyjazd Rodzina w centrum cel":["dublin"],"porozumienie z Drammen rok":["porozumieni"],
 "mail organizatorów Dublin":["@"],"liczba uczestników Bezpieczny dom":["uczestników konferencji","uczestniczyło w konferencji"],
 "finansowanie Timiszoara":["sfinansowa","finansowan"],"koszt broszury":["koszt druku"],"mieszkania na Kazimierzu":["kazimierz"],
 "uczestnicy kawiarenki":["uczestników kawiarenki"],"Zagrzeb październik raport":["zagrzeb"],"budżet wymiany":["budżet"],
 "koszt seminarium":["seminari"],"Poczdam przyjęci":["przyjęto","wyjechało"]}
for k,ws in absent.items():
    for w in ws:
        hits=[f for f,t in docs.items() for l in t.lower().splitlines() if w in l]
        print(f"[grep] {k} / {w!r}: {sorted(set(hits))}")
print("ALL OK" if ok else "FAILURES")
