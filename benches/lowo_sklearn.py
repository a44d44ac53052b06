#!/usr/bin/env python3
"""scikit-learn peer under leave-one-writer-out: the same data, folds and metrics as
`redflag cv --leave-one-out writer`, so the two can be compared (issue: "better than
scikit-learn trained on the same split").

    target/bench-venv/bin/python benches/lowo_sklearn.py OUT.json FILE...

For each distinct `writer`: fit TfidfVectorizer(word 1-2-grams, sublinear tf, min_df 2,
max_df 0.5) + LogisticRegression(C=1, class_weight="balanced", lbfgs) on every record
without that writer (records without a writer train every fold) and predict that writer's
records; then average precision per review class per fold and pooled, and recall at
precision 0.90 pooled. Writes OUT.json and prints a Markdown table.
"""
import json, sys, time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, precision_recall_curve


def recall_at_precision(y, s, p_min=0.9):
    p, r, _ = precision_recall_curve(y, s)
    ok = [rr for pp, rr in zip(p, r) if pp >= p_min]
    return max(ok) if ok else 0.0


def main():
    out, files = sys.argv[1], sys.argv[2:]
    recs = [json.loads(l) for f in files for l in open(f, encoding="utf-8") if l.strip()]
    writers = sorted({r["writer"] for r in recs if r.get("writer")})
    pooled_y, pooled_s = {"appeal": [], "propaganda": []}, {"appeal": [], "propaganda": []}
    folds = []
    for w in writers:
        t0 = time.time()
        train = [r for r in recs if r.get("writer") != w]
        test = [r for r in recs if r.get("writer") == w]
        vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_df=0.5)
        x = vec.fit_transform([r["text"] for r in train])
        clf = LogisticRegression(C=1.0, max_iter=200, class_weight="balanced", solver="lbfgs")
        clf.fit(x, [r["label"] for r in train])
        proba = clf.predict_proba(vec.transform([r["text"] for r in test]))
        classes = list(clf.classes_)
        row = {"writer": w, "test": len(test), "seconds": round(time.time() - t0, 1)}
        for c in ("appeal", "propaganda"):
            y = [r["label"] == c for r in test]
            s = proba[:, classes.index(c)]
            pooled_y[c] += y
            pooled_s[c] += list(s)
            row[f"{c}_ap"] = average_precision_score(y, s) if any(y) else None
        folds.append(row)
        print(f"{w}: {row}", file=sys.stderr)
    pooled = {}
    for c in ("appeal", "propaganda"):
        pooled[f"{c}_ap"] = average_precision_score(pooled_y[c], pooled_s[c])
        pooled[f"{c}_recall_at_precision_0.90"] = recall_at_precision(pooled_y[c], pooled_s[c])
    json.dump({"folds": folds, "pooled": pooled}, open(out, "w"), indent=2)
    print("| held-out writer | test | appeal AP | propaganda AP |\n|---|---:|---:|---:|")
    f = lambda v: "—" if v is None else f"{v:.3f}"
    for r in folds:
        print(f"| {r['writer']} | {r['test']} | {f(r['appeal_ap'])} | {f(r['propaganda_ap'])} |")
    print(f"| **pooled** | {sum(r['test'] for r in folds)} | {f(pooled['appeal_ap'])} | {f(pooled['propaganda_ap'])} |")
    print(f"\nrecall at precision 0.90, pooled: appeal {pooled['appeal_recall_at_precision_0.90']:.3f}, propaganda {pooled['propaganda_recall_at_precision_0.90']:.3f}")


main()
