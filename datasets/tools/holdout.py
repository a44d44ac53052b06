#!/usr/bin/env python3
"""A quick leave-writers-out experiment: one training run instead of one per writer.

A full `redflag cv --leave-one-out writer` takes about two hours on two cores. To decide
whether a change is worth that run, hold out a *group* of writers once, train with and
without the change, and compare on the held-out writers:

    python3 datasets/tools/holdout.py split --data target/redflag-data \\
        --hold w-en-rails,w-en-faith,w0-original,w-ru-2,w-en-platform,w-ar-2 \\
        [--drop w-new-1,w-new-2] --out target/holdout
    redflag train --data target/holdout/train.jsonl --validation target/holdout/validation.jsonl \\
        --config datasets/default.toml --out target/holdout/a.rfm
    redflag score target/holdout/held.jsonl --model target/holdout/a.rfm --quiet --reasons 0 \\
        > target/holdout/a.jsonl
    ... the same with the change, into b.jsonl ...
    python3 datasets/tools/holdout.py eval --held target/holdout/held.jsonl \\
        target/holdout/a.jsonl target/holdout/b.jsonl

`split` writes the held-out writers' records (from every split) to held.jsonl, and the
train and validation splits without them (and without the `--drop` writers, to measure
what adding a writer brings) to train.jsonl and validation.jsonl. The test split's public
records are left out, as in the default model's training.

`eval` prints, per scores file: average precision of appeal and propaganda, review
precision and recall, and the review rate of the model card's slice families, all at
*fixed* thresholds (`--thresholds appeal=0.53,propaganda=0.75`, the default model's), so
that two models are compared on ranking and not on the thresholds their own validation
data chose.

`windows` and `pool` try scoring sentence windows of long posts and pooling the review
classes (issue 12): `windows` writes windows of three sentences (step two) of every held-out
record of 400 bytes or more; score them, then `pool` takes the maximum review-class score of
a record and its windows into a new scores file for `eval`.

No dependency beyond the Python standard library.
"""
import argparse
import collections
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def families():
    """The model card's slice families, read from src/card.rs."""
    src = open(os.path.join(HERE, "..", "..", "src", "card.rs"), encoding="utf-8").read()
    block = src[src.index("pub const SLICE_FAMILIES"):src.index("/// The review rate of the slices")]
    out = []
    for m in re.finditer(r'\(\s*"([^"]+)",\s*"(?:[^"\\]|\\.)*",\s*&\[(.*?)\]', block, re.S):
        out.append((m.group(1), re.findall(r'"([^"]+)"', m.group(2))))
    return out


def average_precision(labels, scores):
    pairs = sorted(zip(scores, labels), key=lambda p: -p[0])
    positives = sum(labels)
    if positives == 0:
        return float("nan")
    hits, total = 0, 0.0
    for i, (_, y) in enumerate(pairs, 1):
        if y:
            hits += 1
            total += hits / i
    return total / positives


def split(args):
    hold = set(args.hold.split(","))
    drop = set(filter(None, (args.drop or "").split(",")))
    os.makedirs(args.out, exist_ok=True)
    files = {k: open(os.path.join(args.out, k + ".jsonl"), "w", encoding="utf-8")
             for k in ("train", "validation", "held")}
    counts = collections.Counter()
    for name in ("train", "validation", "test"):
        for line in open(os.path.join(args.data, name + ".jsonl"), encoding="utf-8"):
            w = json.loads(line).get("writer")
            if w in hold:
                files["held"].write(line)
                counts["held"] += 1
            elif name != "test" and w not in drop:
                files[name].write(line)
                counts[name] += 1
    print(dict(counts))


def evaluate(args):
    thresholds = dict((k, float(v)) for k, v in (p.split("=") for p in args.thresholds.split(",")))
    held = [json.loads(l) for l in open(args.held, encoding="utf-8")]
    fams = families()
    columns = []
    for path in args.scores:
        scored = [json.loads(l) for l in open(path, encoding="utf-8")]
        if len(scored) != len(held):
            sys.exit(f"{path}: {len(scored)} results for {len(held)} held-out records")
        review = [any(p["scores"][c] >= t for c, t in thresholds.items()) for p in scored]
        col = {}
        for c in thresholds:
            col[f"{c} AP"] = "%.3f" % average_precision(
                [r["label"] == c for r in held], [p["scores"][c] for p in scored])
        harmful = [r["label"] in thresholds for r in held]
        tp = sum(h and f for h, f in zip(harmful, review))
        col["review precision"] = "%.3f" % (tp / max(1, sum(review)))
        col["review recall"] = "%.3f" % (tp / max(1, sum(harmful)))
        for name, prefixes in fams:
            n = k = 0
            for r, f in zip(held, review):
                if any((r.get("slice") or "").startswith(p) for p in prefixes):
                    n += 1
                    k += f
            if n:
                col[name] = f"{k}/{n} ({100 * k / n:.1f}%)"
        columns.append(col)
    keys = list(dict.fromkeys(k for c in columns for k in c))
    print("| | " + " | ".join(os.path.basename(p) for p in args.scores) + " |")
    print("|---|" + "---:|" * len(args.scores))
    for k in keys:
        print(f"| {k} | " + " | ".join(c.get(k, "—") for c in columns) + " |")


def windows(args):
    with open(args.out, "w", encoding="utf-8") as out:
        for i, line in enumerate(open(args.held, encoding="utf-8")):
            text = json.loads(line)["text"]
            if len(text.encode("utf-8")) < 400:
                continue
            sents = [s for s in re.split(r"(?<=[.!?؟。\n])\s+", text) if s.strip()]
            for j in range(0, len(sents), 2):
                out.write(json.dumps({"id": f"{i}:{j}", "text": " ".join(sents[j:j + 3])},
                                     ensure_ascii=False) + "\n")


def pool(args):
    per = collections.defaultdict(list)
    for line in open(args.window_scores, encoding="utf-8"):
        p = json.loads(line)
        per[int(str(p["id"]).split(":")[0])].append(p)
    classes = args.classes.split(",")
    with open(args.out, "w", encoding="utf-8") as out:
        for i, line in enumerate(open(args.scores, encoding="utf-8")):
            p = json.loads(line)
            for w in per.get(i, []):
                for c in classes:
                    p["scores"][c] = max(p["scores"][c], w["scores"][c])
            out.write(json.dumps(p) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("split")
    s.add_argument("--data", required=True)
    s.add_argument("--hold", required=True)
    s.add_argument("--drop")
    s.add_argument("--out", required=True)
    e = sub.add_parser("eval")
    e.add_argument("--held", required=True)
    e.add_argument("--thresholds", default="appeal=0.53,propaganda=0.75")
    e.add_argument("scores", nargs="+")
    w = sub.add_parser("windows")
    w.add_argument("--held", required=True)
    w.add_argument("--out", required=True)
    p = sub.add_parser("pool")
    p.add_argument("--scores", required=True)
    p.add_argument("--window-scores", required=True)
    p.add_argument("--classes", default="appeal,propaganda")
    p.add_argument("--out", required=True)
    args = ap.parse_args()
    {"split": split, "eval": evaluate, "windows": windows, "pool": pool}[args.cmd](args)


if __name__ == "__main__":
    main()
