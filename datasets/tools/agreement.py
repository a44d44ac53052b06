#!/usr/bin/env python3
"""Agreement of the two annotation passes over the Fifth Tribe sample, and the final labels.

    python3 datasets/tools/agreement.py [--work target/annotate]

Pass 1 is ann-a (half 1) + ann-b (half 2); pass 2 is ann-c (half 1) + ann-d (half 2). Prints
Cohen's kappa per half and overall, the confusion of the passes, and the agreement with
chowjiahui's per-tweet labels. With --work, writes the disagreements with their text to
WORK/disagreements.tsv for adjudication. When adjudicated.tsv exists, writes labels.tsv:
the agreed label, else the adjudicated one (ids and labels only).
"""
import collections, os, sys

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "annotations", "fifthtribe")
CLASSES = ["appeal", "propaganda", "reporting", "benign"]

def read(name):
    out = {}
    for line in open(os.path.join(HERE, name), encoding="utf-8"):
        line = line.rstrip("\n")
        if not line or line.startswith("#") or line.startswith("tweetid"):
            continue
        tid, label = line.split("\t")[:2]
        assert label in CLASSES, (name, line)
        assert tid not in out, (name, tid)
        out[tid] = label
    return out

def kappa(pairs):
    n = len(pairs)
    po = sum(a == b for a, b in pairs) / n
    ca = collections.Counter(a for a, _ in pairs)
    cb = collections.Counter(b for _, b in pairs)
    pe = sum(ca[c] * cb[c] for c in CLASSES) / (n * n)
    return po, (po - pe) / (1 - pe)

def main():
    work = sys.argv[sys.argv.index("--work") + 1] if "--work" in sys.argv else None
    sample = {}
    for line in open(os.path.join(HERE, "sample.tsv")):
        if line.startswith("tweetid"):
            continue
        tid, half, chow = line.rstrip("\n").split("\t")
        sample[tid] = (half, chow)
    p1 = {**read("ann-a.tsv"), **read("ann-b.tsv")}
    p2 = {**read("ann-c.tsv"), **read("ann-d.tsv")}
    assert set(p1) == set(sample) == set(p2), "every sampled tweet has two labels"
    for half in ("1", "2", None):
        ids = [t for t in sample if half is None or sample[t][0] == half]
        po, k = kappa([(p1[t], p2[t]) for t in ids])
        print(f"{'half ' + half if half else 'all'}: n={len(ids)} observed agreement={po:.3f} Cohen's kappa={k:.3f}")
    conf = collections.Counter((p1[t], p2[t]) for t in sample)
    print("\npass 1 \\ pass 2 | " + " | ".join(CLASSES))
    for a in CLASSES:
        print(f"{a} | " + " | ".join(str(conf[(a, b)]) for b in CLASSES))
    dis = [t for t in sample if p1[t] != p2[t]]
    print(f"\ndisagreements: {len(dis)}")
    adj_path = os.path.join(HERE, "adjudicated.tsv")
    final = None
    if os.path.exists(adj_path):
        adj = read("adjudicated.tsv")
        missing = [t for t in dis if t not in adj]
        assert not missing, f"{len(missing)} disagreements not adjudicated"
        final = {t: (p1[t] if p1[t] == p2[t] else adj[t]) for t in sample}
        with open(os.path.join(HERE, "labels.tsv"), "w") as f:
            f.write("tweetid\tlabel\n")
            for t in sorted(final, key=int):
                f.write(f"{t}\t{final[t]}\n")
        print("final:", dict(collections.Counter(final.values())))
    chow = {"P": "propaganda", "N": "news", "O": "opinion"}
    for name, labels in (("pass 1", p1), ("pass 2", p2), ("final", final)):
        if labels is None:
            continue
        c = collections.Counter((chow[sample[t][1]], labels[t]) for t in sample if sample[t][1])
        print(f"\nchowjiahui vs {name}: " + ", ".join(f"{a}->{b}: {n}" for (a, b), n in sorted(c.items())))
    if work:
        texts = {}
        for h in ("half1", "half2"):
            d = os.path.join(work, h)
            for fn in sorted(os.listdir(d)):
                for line in open(os.path.join(d, fn), encoding="utf-8"):
                    tid, text = line.rstrip("\n").split("\t", 1)
                    texts[tid] = text
        with open(os.path.join(work, "disagreements.tsv"), "w", encoding="utf-8") as f:
            for t in dis:
                f.write(f"{t}\t{p1[t]}\t{p2[t]}\t{texts[t]}\n")

if __name__ == "__main__":
    main()
