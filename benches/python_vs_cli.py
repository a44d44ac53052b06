#!/usr/bin/env python3
"""Python package against the CLI: 100k short texts, the same model and thread count.

    python benches/python_vs_cli.py [--records 100000] [--threads 1 2] [--bin target/release/redflag]

Needs the `redflag` wheel installed (`pip install ./python`). The texts are the project's
writers' posts, cut to at most 280 characters and cycled to `--records`. Each figure is the
best of `--repeat` runs:

- CLI: `redflag score FILE --threads N > /dev/null`, end to end (process start, model load,
  reading JSON Lines, scoring with reasons, writing JSON Lines);
- Python `score`: `model.score(texts, threads=N)` on a list of str, the same results as
  dicts with reasons (the model already loaded, as in a notebook; the load is timed apart);
- Python `predict_proba`: probabilities only, as a NumPy array.

Prints a Markdown table for benches/README.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import redflag

ROOT = Path(__file__).resolve().parents[1]


def texts(n: int) -> list[str]:
    pool = []
    for f in sorted((ROOT / "datasets" / "writers").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            pool.append(json.loads(line)["text"][:280])
    return [pool[i % len(pool)] for i in range(n)]


def best(f, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "redflag"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    data = texts(args.records)
    mb = sum(len(t.encode()) for t in data) / 1e6
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "in.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for i, t in enumerate(data):
                f.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")
        load = best(redflag.Model.default, args.repeat)
        model = redflag.Model.default()
        print(f"{args.records} texts, {mb:.1f} MB of text; Python model load {load * 1000:.0f} ms\n")
        print("| threads | CLI `score` (s) | Python `score` (s) | ratio | Python `predict_proba` (s) | ratio |")
        print("|---:|---:|---:|---:|---:|---:|")
        for n in args.threads:
            def run_cli():
                subprocess.run([args.bin, "score", str(path), "--threads", str(n)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            cli = best(run_cli, args.repeat)
            py = best(lambda: model.score(data, threads=n), args.repeat)
            proba = best(lambda: model.predict_proba(data, threads=n), args.repeat)
            print(f"| {n} | {cli:.2f} | {py:.2f} | {py / cli:.2f}× | {proba:.2f} | {proba / cli:.2f}× |")


if __name__ == "__main__":
    main()
