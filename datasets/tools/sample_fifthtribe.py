#!/usr/bin/env python3
"""Draw the stratified sample of Fifth Tribe tweets that redflag annotates per post.

    python3 datasets/tools/sample_fifthtribe.py ../shared/corpora target/annotate

Writes datasets/annotations/fifthtribe/sample.tsv (tweet id, half, matched chowjiahui label:
ids and labels only, never tweet text) and, outside the repository, the annotators' work
files OUT/half{1,2}/chunk-NN.tsv (tweet id and text). Every account is represented in
proportion to its tweets (at least 5 each); retweets and tweets under four words once
links and handles are removed are left out, as in the recipe; every tweet that matches one
of chowjiahui's 255 per-tweet labels is included, so annotators can be checked against it.
"""
import csv, hashlib, math, os, random, re, sys

SEED = 20261201
TARGET = 4000

def norm(t):
    t = re.sub(r"https?://\S+", " ", t)
    t = re.sub(r"@\w+", " ", t)
    t = re.sub(r"^RT\s*:?", " ", t.strip())
    t = re.sub(r"[^\w]+", " ", t.lower())
    return " ".join(t.split())

def words(t):
    t = re.sub(r"https?://\S+|@\w+", " ", t)
    return len(t.split())

def main():
    corpora, out = sys.argv[1], sys.argv[2]
    repo = os.path.join(os.path.dirname(__file__), "..")
    rows = list(csv.DictReader(open(os.path.join(corpora, "fifthtribe_isis_tweets/tweets.csv"), encoding="utf-8")))
    chow = {}
    for r in csv.DictReader(open(os.path.join(corpora, "chowjiahui_isis/uniquetweets.csv"), encoding="utf-8")):
        if r["Label"].strip():
            chow.setdefault(norm(r["tweets"]), r["Label"].strip())
    seen, pool, matched = set(), {}, {}
    for r in rows:
        text = r["tweets"] or ""
        key = norm(text)
        if key in chow and r["tweetid"] not in matched.values():
            matched.setdefault(key, r["tweetid"])
        if text.startswith("RT ") or words(text) < 4 or not key or key in seen:
            continue
        seen.add(key)
        pool.setdefault(r["username"], []).append(r)
    total = sum(len(v) for v in pool.values())
    rng = random.Random(SEED)
    chosen = {}
    for acc in sorted(pool):
        tweets = pool[acc]
        k = min(len(tweets), max(5, math.ceil(TARGET * len(tweets) / total)))
        for r in rng.sample(tweets, k):
            chosen[r["tweetid"]] = r
    by_id = {r["tweetid"]: r for r in rows}
    chow_label = {}
    for key, tid in matched.items():
        chosen.setdefault(tid, by_id[tid])
        chow_label[tid] = chow[key]
    ids = sorted(chosen, key=lambda t: hashlib.sha256(f"{SEED}:{t}".encode()).hexdigest())
    half = {t: 1 + (i % 2) for i, t in enumerate(ids)}
    with open(os.path.join(repo, "annotations/fifthtribe/sample.tsv"), "w") as f:
        f.write("tweetid\thalf\tchowjiahui_label\n")
        for t in sorted(ids, key=int):
            f.write(f"{t}\t{half[t]}\t{chow_label.get(t, '')}\n")
    for h in (1, 2):
        mine = [t for t in ids if half[t] == h]
        d = os.path.join(out, f"half{h}")
        os.makedirs(d, exist_ok=True)
        for c in range(0, len(mine), 250):
            with open(os.path.join(d, f"chunk-{c // 250:02d}.tsv"), "w", encoding="utf-8") as f:
                for t in mine[c:c + 250]:
                    text = " ".join(chosen[t]["tweets"].split())
                    f.write(f"{t}\t{text}\n")
    print(f"pool {total} tweets in {len(pool)} accounts; sample {len(ids)}; chowjiahui matches {len(chow_label)} of {len(chow)}")

main()
