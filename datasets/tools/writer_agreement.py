#!/usr/bin/env python3
"""Agreement of a round of writers' labels with two blind annotation passes.

    python3 datasets/tools/writer_agreement.py datasets/annotations/writers-round6 \\
        datasets/incoming/w-*.jsonl

Reads `pass-a.tsv` and `pass-b.tsv` (id, label) and `adjudicated.tsv` (id, writer, a, b, ...,
decision) from the annotation folder, and the writers' files, whose labels are the final ones.
A writer's original label is the final label, except where `adjudicated.tsv` records the
writer's own (a label changes only by adjudication). Prints observed agreement and Cohen's kappa
for writer ~ A, writer ~ B and A ~ B, overall and per writer, and the count of records with any
disagreement, which must equal the adjudicated rows.

No dependency beyond the Python standard library.
"""
import csv
import json
import os
import sys

from agreement import CLASSES, kappa  # the Fifth Tribe passes' tool: one kappa for both


def read_pass(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            assert row["label"] in CLASSES, (path, row)
            out[row["id"]] = row["label"]
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    folder, files = sys.argv[1], sys.argv[2:]
    a = read_pass(os.path.join(folder, "pass-a.tsv"))
    b = read_pass(os.path.join(folder, "pass-b.tsv"))
    with open(os.path.join(folder, "adjudicated.tsv"), encoding="utf-8") as f:
        adjudicated = {r["id"]: r for r in csv.DictReader(f, delimiter="\t")}
    writer_label, writer_of = {}, {}
    for path in files:
        for line in open(path, encoding="utf-8"):
            r = json.loads(line)
            final = r["label"]
            adj = adjudicated.get(r["id"])
            if adj is not None:
                assert adj["decision"] == final, (r["id"], adj["decision"], final)
                writer_label[r["id"]] = adj["writer"]
            else:
                writer_label[r["id"]] = final
            writer_of[r["id"]] = r["writer"]
    ids = sorted(writer_label)
    assert set(ids) == set(a) == set(b), "the passes and the files hold different ids"
    labels = {"writer": writer_label, "A": a, "B": b}
    for x, y in [("writer", "A"), ("writer", "B"), ("A", "B")]:
        po, k = kappa([(labels[x][i], labels[y][i]) for i in ids])
        print(f"{x} ~ {y}: agreement {po:.3f}, kappa {k:.3f} ({len(ids)} records)")
    for w in sorted(set(writer_of.values())):
        part = [i for i in ids if writer_of[i] == w]
        cells = []
        for x, y in [("writer", "A"), ("writer", "B"), ("A", "B")]:
            cells.append(f"{x}~{y} {kappa([(labels[x][i], labels[y][i]) for i in part])[1]:.3f}")
        print(f"{w} ({len(part)}): " + ", ".join(cells))
    disagreements = [i for i in ids if not writer_label[i] == a[i] == b[i]]
    print(f"records with any disagreement: {len(disagreements)} (adjudicated: {len(adjudicated)})")
    assert set(disagreements) == set(adjudicated), "adjudicated rows differ from the disagreements"


if __name__ == "__main__":
    main()
