#!/usr/bin/env python3
"""The Python peers of redflag's end-to-end benchmark (driven by benches/compare.sh).

Not part of redflag: it runs in the throwaway venv that compare.sh makes in target/bench-venv.

    peers.py stats FILE...                               records and text bytes (stdlib only)
    peers.py sklearn-train  --data train.jsonl --out M   TfidfVectorizer + LogisticRegression
    peers.py sklearn-score  --model M FILE               predict_proba, one JSON line per record
    peers.py fasttext-train --data train.jsonl --out M --threads N
    peers.py fasttext-score --model M FILE               predict(k=-1), one JSON line per record
    peers.py versions                                    Python, library versions, BLAS kernel
    peers.py render --results TSV ...                    compare.sh's Markdown table (stdlib only)

Every command reads the same JSON Lines as redflag (`text`, `label`, optional `id`) with the
standard library's json module, so parsing counts for the peers as it does for redflag. The
scorers write one line per record to standard output, like `redflag score --no-reasons`:

    {"id":"...","label":"benign","scores":{"appeal":...,"propaganda":...,"reporting":...,"benign":...}}

(the id echoed, else the 1-based record number; probabilities as Python's shortest round-trip
repr, as serde_json writes them). On standard error each command ends with one line
`peers-stages: {...}` giving the seconds spent in each stage, for the "where the time goes" notes.
"""

import argparse
import json
import os
import sys
import time

BATCH = 8192  # records per predict call: bounded memory on any input size


class Stages:
    """Wall seconds per stage, printed as one JSON line on standard error at the end."""

    def __init__(self, name):
        self.name = name
        self.t = {}
        self.extra = {}
        self.start = time.perf_counter()
        self.last = self.start

    def lap(self, stage):
        now = time.perf_counter()
        self.t[stage] = self.t.get(stage, 0.0) + (now - self.last)
        self.last = now

    def done(self):
        out = {"peer": self.name, "total": round(time.perf_counter() - self.start, 3)}
        out.update({k: round(v, 3) for k, v in self.t.items()})
        out.update(self.extra)
        print("peers-stages: " + json.dumps(out), file=sys.stderr, flush=True)


def read_batches(path, want_label=False):
    """Yields (ids, texts, labels) batches of at most BATCH records, in file order."""
    loads = json.loads
    ids, texts, labels = [], [], []
    n = 0
    with open(path, "r", encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                continue
            n += 1
            rec = loads(line)
            ids.append(rec.get("id", n))
            texts.append(rec["text"])
            if want_label:
                labels.append(rec["label"])
            if len(texts) == BATCH:
                yield ids, texts, labels
                ids, texts, labels = [], [], []
    if texts:
        yield ids, texts, labels


def read_all(path):
    texts, labels = [], []
    for _, t, l in read_batches(path, want_label=True):
        texts.extend(t)
        labels.extend(l)
    return texts, labels


def write_batch(out, ids, classes, best, rows):
    """One JSON line per record: id, most probable class, the probabilities in class order."""
    dumps = json.dumps
    keys = ['"%s":' % c for c in classes]
    lines = []
    for rid, b, row in zip(ids, best, rows):
        scores = ",".join(k + repr(p) for k, p in zip(keys, row))
        lines.append('{"id":%s,"label":"%s","scores":{%s}}\n' % (dumps(rid), classes[b], scores))
    out.write("".join(lines))


# ------------------------------------------------------------------ stats


def cmd_stats(args):
    """Records, file bytes and UTF-8 text bytes of each file, as JSON on standard output."""
    for path in args.files:
        records = text_bytes = 0
        with open(path, "r", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.strip():
                    records += 1
                    text_bytes += len(json.loads(line)["text"].encode("utf-8"))
        print(json.dumps({"file": path, "records": records,
                          "file_bytes": os.path.getsize(path), "text_bytes": text_bytes}))


# ------------------------------------------------------------------ scikit-learn


def cmd_sklearn_train(args):
    import pickle

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    st = Stages("sklearn-train")
    texts, labels = read_all(args.data)
    st.lap("parse")
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_df=0.5)
    x = vec.fit_transform(texts)
    st.lap("vectorize")
    # lbfgs, multinomial loss for more than two classes (the only multi-class loss it has).
    clf = LogisticRegression(C=1.0, max_iter=200, class_weight="balanced", solver="lbfgs")
    clf.fit(x, labels)
    st.lap("fit")
    # Older releases keep every pruned term in stop_words_: drop it, it is not needed to score.
    if getattr(vec, "stop_words_", None) is not None:
        vec.stop_words_ = None
    with open(args.out, "wb") as f:
        pickle.dump({"vectorizer": vec, "classifier": clf}, f, protocol=pickle.HIGHEST_PROTOCOL)
    st.lap("save")
    st.extra.update(records=len(texts), features=len(vec.vocabulary_),
                    iterations=int(max(clf.n_iter_)), classes=list(map(str, clf.classes_)))
    st.done()


def cmd_sklearn_score(args):
    import pickle

    import numpy as np

    st = Stages("sklearn-score")
    with open(args.model, "rb") as f:
        m = pickle.load(f)
    vec, clf = m["vectorizer"], m["classifier"]
    classes = [str(c) for c in clf.classes_]
    st.lap("load")
    out = sys.stdout
    n = 0
    for ids, texts, _ in read_batches(args.file):
        st.lap("parse")
        x = vec.transform(texts)
        st.lap("vectorize")
        p = clf.predict_proba(x)
        best = np.argmax(p, axis=1).tolist()
        rows = p.tolist()
        st.lap("predict")
        write_batch(out, ids, classes, best, rows)
        st.lap("write")
        n += len(texts)
    out.flush()
    st.lap("write")
    st.extra["records"] = n
    st.done()


# ------------------------------------------------------------------ fastText

PREFIX = "__label__"


def one_line(text):
    # fastText reads one example per line and splits words on whitespace only.
    return text.replace("\n", " ").replace("\r", " ")


def cmd_fasttext_train(args):
    import fasttext

    st = Stages("fasttext-train")
    tmp = args.out + ".train.txt"
    records = 0
    with open(tmp, "w", encoding="utf-8") as f:
        for _, texts, labels in read_batches(args.data, want_label=True):
            f.write("".join("%s%s %s\n" % (PREFIX, l, one_line(t)) for t, l in zip(texts, labels)))
            records += len(texts)
    st.lap("parse")
    model = fasttext.train_supervised(input=tmp, wordNgrams=2, epoch=args.epoch,
                                      thread=args.threads, verbose=0)
    st.lap("fit")
    os.remove(tmp)
    model.save_model(args.out)
    st.lap("save")
    st.extra.update(records=records, words=len(model.words), threads=args.threads,
                    labels=[l[len(PREFIX):] for l in model.labels])
    st.done()


def cmd_fasttext_score(args):
    import fasttext

    st = Stages("fasttext-score")
    model = fasttext.load_model(args.model)
    # Output in a fixed class order, as the other tools write it.
    classes = [l[len(PREFIX):] for l in model.labels]
    index = {l: i for i, l in enumerate(model.labels)}
    k = len(classes)
    predict = model.f.predict
    st.lap("load")
    out = sys.stdout
    n = 0
    for ids, texts, _ in read_batches(args.file):
        st.lap("parse")
        # model.predict(text, k=-1) is this call plus np.array(probs, copy=False), which numpy 2
        # refuses; its list form (multilinePredict) returns the same probability repeated for
        # every label with the fasttext-wheel 0.9.2 build. So: the binding itself, per record,
        # which gives [(probability, label), ...] for all labels (k=-1), most probable first.
        best, rows = [], []
        for t in texts:
            row = [0.0] * k
            pairs = predict(one_line(t) + "\n", -1, 0.0, "strict")
            for p, l in pairs:
                row[index[l]] = p
            rows.append(row)
            best.append(index[pairs[0][1]] if pairs else 0)
        st.lap("predict")
        write_batch(out, ids, classes, best, rows)
        st.lap("write")
        n += len(texts)
    out.flush()
    st.lap("write")
    st.extra["records"] = n
    st.done()


# ------------------------------------------------------------------ versions and the table


def cmd_versions(args):
    from importlib import metadata

    out = {"python": sys.version.split()[0]}
    for dist in ["numpy", "scipy", "scikit-learn", "fasttext-wheel"]:
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    try:
        import numpy  # noqa: F401  (loads its OpenBLAS so threadpoolctl sees it)
        import threadpoolctl

        out["blas"] = sorted({"%s %s" % (i.get("internal_api"), i.get("architecture", ""))
                              for i in threadpoolctl.threadpool_info()
                              if i.get("user_api") == "blas"})
    except ImportError:
        pass
    print(json.dumps(out))


def cmd_render(args):
    import csv

    mb = lambda b: b / 1e6
    inputs = {}
    with open(args.inputs) as f:
        for key, path, copies, records, fbytes, tbytes in csv.reader(f, delimiter="\t"):
            inputs[key] = dict(path=path, copies=int(copies), records=int(records),
                               file_bytes=int(fbytes), text_bytes=int(tbytes))
    rows = []
    with open(args.results) as f:
        for r in csv.reader(f, delimiter="\t"):
            kind, inp, tool, threads, wall, cpu, rss, status, model_bytes, stages = r
            stages_list, pos, dec = [], 0, json.JSONDecoder()
            while "{" in stages[pos:]:  # the peers-stages objects, space-separated
                obj, pos = dec.raw_decode(stages, stages.index("{", pos))
                stages_list.append(obj)
            rows.append(dict(kind=kind, input=inp, tool=tool, threads=int(threads), status=status,
                             wall=float(wall) if wall else None, cpu=float(cpu) if cpu else None,
                             rss=int(rss) * 1024 if rss else None,
                             model_bytes=int(model_bytes) if model_bytes else None,
                             stages=stages_list[0] if stages_list else None, raw=stages.strip()))
    versions = json.load(open(args.versions))
    t_records, t_bytes, t_text = map(int, args.train.split(","))

    def find(kind, inp, tool, threads):
        for r in rows:
            if (r["kind"], r["input"], r["tool"], r["threads"]) == (kind, inp, tool, threads) \
                    and r["status"] == "ok":
                return r
        return None

    def ratio(me, peer):
        if me is None or peer is None or me["status"] != "ok":
            return "—"
        return "%.2f× / %.2f×" % (peer["wall"] / me["wall"], me["rss"] / peer["rss"])

    def threads_label(r):
        if r["tool"] in ("scikit-learn", "fastText") and r["kind"] == "score" and r["threads"] > 1:
            return "%d processes" % r["threads"]
        return str(r["threads"])

    o = []
    w = o.append
    w("## End-to-end comparison")
    w("")
    w("Measured %s on %s. The machine may be shared: other processes used %s cores on average "
      "during the measurements (busy CPU time in /proc/stat less the benchmark's own); load "
      "average before / after: %s. redflag %s, `%s` profile." % (
          args.date, args.machine, args.others, args.load, args.revision, args.profile))
    if versions:
        v = ", ".join("%s %s" % (k, versions[k]) for k in
                      ["python", "numpy", "scipy", "scikit-learn", "fasttext-wheel"] if k in versions)
        if versions.get("blas"):
            v += "; BLAS: " + ", ".join(versions["blas"])
        w("Peers: " + v + ".")
    w("")
    w("MB are 10^6 bytes. *Input MB* is the JSON Lines file, *text MB* the UTF-8 bytes of the "
      "`text` fields in it; MB/s is input file bytes per second of wall time. Peak RSS of a "
      "two-process run is the sum of both processes. *redflag/peer* is redflag's speed (docs/s) "
      "over the peer's, then redflag's peak RSS over the peer's, at the same thread or process "
      "count: 3.00× / 0.50× means three times as fast in half the memory. Scoring: fastest of "
      "%s runs." % args.runs)
    w("")
    w("| scoring input | records | input MB | text MB |")
    w("|---|--:|--:|--:|")
    for key, i in inputs.items():
        name = "all splits" if i["copies"] == 1 else "all splits × %d" % i["copies"]
        w("| %s | %d | %.1f | %.1f |" % (name, i["records"], mb(i["file_bytes"]), mb(i["text_bytes"])))
    w("")
    w("### Scoring")
    w("")
    w("| input | tool | threads | wall s | CPU s | docs/s | MB/s | peak RSS MB "
      "| redflag/sklearn | redflag/fastText |")
    w("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    for key, i in inputs.items():
        for r in [r for r in rows if r["kind"] == "score" and r["input"] == key]:
            name = "%.0f MB" % mb(i["file_bytes"])
            if r["status"] != "ok":
                w("| %s | %s | %s | failed | | | | | | |" % (name, r["tool"], threads_label(r)))
                continue
            me = r if r["tool"].startswith("redflag") else None
            w("| %s | %s | %s | %.2f | %.2f | %s | %.1f | %.0f | %s | %s |" % (
                name, r["tool"], threads_label(r), r["wall"], r["cpu"],
                "{:,.0f}".format(i["records"] / r["wall"]), mb(i["file_bytes"]) / r["wall"],
                mb(r["rss"]),
                ratio(me, find("score", key, "scikit-learn", r["threads"])) if me else "",
                ratio(me, find("score", key, "fastText", r["threads"])) if me else ""))
    w("")
    w("### Training")
    w("")
    w("train.jsonl: %d records, %.1f input MB, %.1f text MB (docs/s and MB/s count train.jsonl "
      "only; redflag also reads validation.jsonl)." % (t_records, mb(t_bytes), mb(t_text)))
    w("")
    w("| tool | threads | wall s | CPU s | docs/s | MB/s | peak RSS MB | model MB "
      "| redflag/sklearn | redflag/fastText |")
    w("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in [r for r in rows if r["kind"] == "train"]:
        if r["status"] != "ok":
            w("| %s | %d | failed | | | | | | | |" % (r["tool"], r["threads"]))
            continue
        me = r if r["tool"].startswith("redflag") else None
        sk = [x for x in rows if x["kind"] == "train" and x["tool"] == "scikit-learn"
              and x["status"] == "ok"]
        w("| %s | %d | %.2f | %.2f | %s | %.2f | %.0f | %.1f | %s | %s |" % (
            r["tool"], r["threads"], r["wall"], r["cpu"], "{:,.0f}".format(t_records / r["wall"]),
            mb(t_bytes) / r["wall"], mb(r["rss"]), mb(r["model_bytes"] or 0),
            ratio(me, sk[0] if sk else None) if me else "",
            ratio(me, find("train", "train", "fastText", r["threads"])) if me else ""))
    w("")
    w("### Where the peers spend their time")
    w("")
    last = list(inputs)[-1]
    w("Seconds per stage, from the peers' own clocks (single process; scoring on the %.0f MB "
      "input). *load*: unpickle / load the model; *parse*: read and `json.loads` the JSON Lines "
      "(and, for fastText training, write its text file); *vectorize*: `TfidfVectorizer`; "
      "*predict*: `predict_proba` / fastText's predict; *fit*: the solver; *write*: format and "
      "write the output lines." % mb(inputs[last]["file_bytes"]))
    w("")
    w("| run | load | parse | vectorize | predict / fit | write / save | total | notes |")
    w("|---|--:|--:|--:|--:|--:|--:|---|")
    g = lambda s, k: ("%.2f" % s[k]) if k in s else ""
    for r in rows:
        s = r["stages"]
        if r["status"] != "ok" or not s:
            continue
        if r["kind"] == "score" and (r["input"] != last or r["threads"] != 1):
            continue
        if r["kind"] == "train":
            notes = "%s features" % "{:,}".format(s.get("features", s.get("words", 0)))
            if "iterations" in s:
                notes += ", lbfgs %d iterations" % s["iterations"]
            if "words" in s:
                notes = "%s words in the dictionary, thread=%d" % ("{:,}".format(s["words"]), s["threads"])
            w("| %s train | | %s | %s | %s | %s | %s | %s |" % (
                r["tool"], g(s, "parse"), g(s, "vectorize"), g(s, "fit"), g(s, "save"),
                g(s, "total"), notes))
        else:
            w("| %s score | %s | %s | %s | %s | %s | %s | |" % (
                r["tool"], g(s, "load"), g(s, "parse"), g(s, "vectorize"), g(s, "predict"),
                g(s, "write"), g(s, "total")))
    notes = ["%s: %s" % (r["tool"], r["raw"].strip(";").replace(";", ", ")) for r in rows
             if r["kind"] == "train" and r["tool"].startswith("redflag") and r["raw"]
             and r["threads"] == 2]
    if notes:
        w("")
        w("redflag train (from its log): " + "; ".join(notes) + ".")
    print("\n".join(o))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("stats")
    p.add_argument("files", nargs="+")
    p.set_defaults(fn=cmd_stats)
    for name, fn in [("sklearn-train", cmd_sklearn_train), ("fasttext-train", cmd_fasttext_train)]:
        p = sub.add_parser(name)
        p.add_argument("--data", required=True)
        p.add_argument("--out", required=True)
        if name == "fasttext-train":
            p.add_argument("--threads", type=int, default=2)
            p.add_argument("--epoch", type=int, default=5)
        p.set_defaults(fn=fn)
    for name, fn in [("sklearn-score", cmd_sklearn_score), ("fasttext-score", cmd_fasttext_score)]:
        p = sub.add_parser(name)
        p.add_argument("--model", required=True)
        p.add_argument("file")
        p.set_defaults(fn=fn)
    p = sub.add_parser("versions")
    p.set_defaults(fn=cmd_versions)
    p = sub.add_parser("render")
    for opt in ["results", "inputs", "versions", "date", "machine", "load", "others", "revision",
                "profile",
                "train"]:
        p.add_argument("--" + opt, required=True)
    p.add_argument("--runs", type=int, default=2)
    p.set_defaults(fn=cmd_render)
    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
