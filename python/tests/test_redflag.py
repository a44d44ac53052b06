"""The Python package against the CLI: same results, same model bytes, same reports; the
scikit-learn estimator; and the errors a user meets.

Run with the wheel installed: ``pytest python/tests`` (``.ci/run`` does). Tests that
compare with the CLI use ``$REDFLAG_BIN``, else ``target/release/redflag``; without it
they skip, saying so.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

import redflag

ROOT = Path(__file__).resolve().parents[2]
GOLDEN_WRITERS = ["w-en-stance", "w-faith-multi", "w-community-warn", "w-rails-2"]


def cli() -> str:
    exe = os.environ.get("REDFLAG_BIN") or str(ROOT / "target" / "release" / "redflag")
    if not os.access(exe, os.X_OK):
        pytest.skip(f"no redflag binary at {exe} (build it with `cargo build --release`, or set REDFLAG_BIN)")
    return exe


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    out = subprocess.run([cli(), *args], cwd=cwd, capture_output=True)
    assert out.returncode == 0, out.stderr.decode()
    return out


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


def writers(*names: str) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for w in names:
        for r in read_jsonl(ROOT / "datasets" / "writers" / f"{w}.jsonl"):
            texts.append(r["text"])
            labels.append(r["label"])
    return texts, labels


def golden_corpus() -> tuple[list[str], list[str]]:
    """The fixed corpus of the CLI's golden-output test: the robustness pairs, clean and
    obfuscated, and every third post of w-short-faith."""
    ids, texts = [], []
    for r in read_jsonl(ROOT / "datasets" / "robustness" / "pairs.jsonl"):
        for side in ("clean", "variant"):
            ids.append(f"{r['id']}-{side}")
            texts.append(r[side])
    for r in read_jsonl(ROOT / "datasets" / "writers" / "w-short-faith.jsonl")[::3]:
        ids.append(r["id"])
        texts.append(r["text"])
    return ids, texts


@pytest.fixture(scope="module")
def default() -> redflag.Model:
    return redflag.Model.default()


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict:
    """The golden test's model, trained by the CLI and by Python on the same data."""
    d = tmp_path_factory.mktemp("trained")
    texts, labels = writers(*GOLDEN_WRITERS)
    redflag.write_jsonl(d / "train.jsonl", texts, labels)
    config = ROOT / "tests" / "golden" / "config.toml"
    run("train", "--data", "train.jsonl", "--config", str(config), "--out", "cli.rfm",
        "--quiet", "--threads", "2", cwd=d)
    model = redflag.train(texts, labels, config=config, data_name="train.jsonl", threads=2)
    model.save(d / "py.rfm")
    return {"dir": d, "model": model, "texts": texts, "labels": labels}


# --- The same results as the CLI ------------------------------------------------------


def cli_scores(input: Path, model: str, *extra: str) -> list[dict]:
    out = run("score", str(input), "--model", model, *extra)
    return [json.loads(l) for l in out.stdout.decode().splitlines()]


def test_examples_score_exactly_as_the_cli_does(default, tmp_path):
    examples = ROOT / "datasets" / "examples.jsonl"
    records = read_jsonl(examples)
    want = cli_scores(examples, "default")
    got = default.score([r["text"] for r in records], ids=[r["id"] for r in records])
    # Same keys in the same order, same floats to the last bit, same reasons and spans.
    assert [json.dumps(g) for g in got] == [json.dumps(w) for w in want]
    assert len(got) == len(records) > 0


def test_a_fixed_corpus_scores_exactly_as_the_cli_does(trained, tmp_path):
    ids, texts = golden_corpus()
    input = tmp_path / "corpus.jsonl"
    input.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in zip(ids, texts)),
                     encoding="utf-8")
    want = cli_scores(input, str(trained["dir"] / "cli.rfm"), "--threads", "2")
    for threads in (1, 2):
        got = trained["model"].score(texts, ids=ids, threads=threads)
        assert [json.dumps(g) for g in got] == [json.dumps(w) for w in want]
    # The other entry points agree with score().
    proba = trained["model"].predict_proba(texts)
    classes = trained["model"].classes
    assert proba.shape == (len(texts), len(classes))
    assert np.array_equal(proba, np.array([[w["scores"][c] for c in classes] for w in want]))
    assert list(trained["model"].predict(texts)) == [w["label"] for w in want]
    assert list(trained["model"].review(texts)) == [w["review"] for w in want]
    assert trained["model"].explain(texts[0]) == {**want[0], "id": 0}


def test_training_in_python_writes_the_cli_model_byte_for_byte(trained):
    d = trained["dir"]
    assert (d / "py.rfm").read_bytes() == (d / "cli.rfm").read_bytes()
    card = trained["model"].card()
    assert card["header"]["meta"]["data"][0]["name"] == "train.jsonl"
    assert card["header"]["meta"]["data"][0]["records"] == len(trained["texts"])
    # A model file read back is the same model.
    assert redflag.Model.load(d / "py.rfm").to_bytes() == (d / "cli.rfm").read_bytes()


def test_validation_data_is_used_as_the_cli_uses_it(tmp_path):
    texts, labels = writers("w-rails-2")
    vtexts, vlabels = writers("w-en-stance")
    redflag.write_jsonl(tmp_path / "t.jsonl", texts, labels)
    redflag.write_jsonl(tmp_path / "v.jsonl", vtexts, vlabels)
    config = {"analyzer": {"char_ngrams": None}, "logistic": {"alpha": 0.1}}
    (tmp_path / "c.toml").write_text('[analyzer]\n[logistic]\nalpha = 0.1\n', encoding="utf-8")
    # A dict without char n-grams and a TOML file: the CLI reads only files, so compare
    # the TOML path; the dict must train too and differ from it.
    run("train", "--data", "t.jsonl", "--validation", "v.jsonl", "--config", "c.toml",
        "--out", "cli.rfm", "--quiet", cwd=tmp_path)
    model = redflag.train(texts, labels, config=tmp_path / "c.toml", validation=(vtexts, vlabels),
                          data_name="t.jsonl", validation_name="v.jsonl")
    assert model.to_bytes() == (tmp_path / "cli.rfm").read_bytes()
    no_chars = redflag.train(texts, labels, config=config)
    assert no_chars.card()["header"]["config"]["analyzer"]["char_ngrams"] is None
    assert no_chars.to_bytes() != model.to_bytes()


def test_evaluate_gives_the_cli_report(trained, tmp_path):
    texts, labels = writers("w-short-faith", "w-propaganda-2")
    data = tmp_path / "eval.jsonl"
    redflag.write_jsonl(data, texts, labels)
    model_path = str(trained["dir"] / "cli.rfm")
    want = json.loads(run("evaluate", "--model", model_path, "--data", str(data), "--json",
                          "--resamples", "50", "--quiet").stdout)
    got = redflag.evaluate(redflag.Model.load(model_path), texts, labels, resamples=50,
                           data_name=str(data))
    assert got == want
    assert got["records"] == len(texts)
    assert set(got["classes"]) >= {"appeal", "propaganda"} if "classes" in got else True


# --- Inputs ---------------------------------------------------------------------------


def test_lists_numpy_pandas_and_arrow_give_the_same_scores(default):
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    texts = ["Eid Mubarak to everyone at the mosque!", "send btc to the brothers",
             "Новости: суд арестовал сборщиков денег для боевиков", "صباح الخير"]
    want = default.predict_proba(texts)
    for variant in (
        tuple(texts),
        np.array(texts),
        np.array(texts, dtype=object),
        pd.Series(texts),
        pd.Series(texts, dtype="string"),
        pd.Series(texts, dtype="string[pyarrow]"),
        pa.array(texts),
        pa.array(texts, type=pa.large_string()),
        pa.array(texts, type=pa.string_view()),
        pa.chunked_array([texts[:1], texts[1:]]),
        [t.encode() for t in texts],
    ):
        assert np.array_equal(default.predict_proba(variant), want), type(variant)
    assert default.predict_proba([]).shape == (0, len(default.classes))


def test_the_gil_is_released_while_scoring(default):
    texts = ["a plain sentence about the weather and the weekend"] * 20000
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.001)

    t = threading.Thread(target=ticker)
    t.start()
    default.predict_proba(texts, threads=1)
    stop.set()
    t.join()
    # A scorer that held the GIL would leave the ticker one or two ticks.
    assert len(ticks) > 10


# --- Errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "texts, error, message",
    [
        (["ok", None], TypeError, "texts[1]: expected str, got None"),
        (["ok", "fine", 3], TypeError, "texts[2]: expected str, got int"),
        ([b"ok", b"\xff\xfe"], ValueError, "texts[1]: the bytes are not valid UTF-8"),
        (["\ud800"], ValueError, "texts[0]: the str cannot be encoded as UTF-8"),
        ("a single string", TypeError, "wrap it in a list"),
        (42, TypeError, "texts: expected a list of str"),
    ],
)
def test_bad_texts_name_the_record_and_the_problem(default, texts, error, message):
    with pytest.raises(error) as e:
        default.score(texts)
    assert message in str(e.value)


def test_arrow_nulls_name_the_record(default):
    pa = pytest.importorskip("pyarrow")
    with pytest.raises(TypeError, match=r"texts\[2\]: expected str, got null"):
        default.predict(pa.chunked_array([["a"], ["b", None]]))


def test_a_corrupt_model_file_raises_a_clear_error(tmp_path, default):
    good = default.to_bytes()
    cases = {
        "truncated.rfm": good[: len(good) // 2],
        "flipped.rfm": good[:-10] + bytes([good[-10] ^ 1]) + good[-9:],
        "not-a-model.rfm": b"hello, world\n" * 10,
        "empty.rfm": b"",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(redflag.ModelFileError) as e:
            redflag.Model.load(tmp_path / name)
        assert str(e.value).startswith(str(tmp_path / name) + ": "), str(e.value)
    with pytest.raises(OSError):
        redflag.Model.load(tmp_path / "missing.rfm")
    with pytest.raises(redflag.ModelFileError):
        redflag.Model.from_bytes(good[:100])


def test_training_errors_name_the_problem():
    with pytest.raises(ValueError, match="differ in length"):
        redflag.train(["a", "b"], ["benign"])
    with pytest.raises(TypeError, match=r"labels\[1\]: expected str, got None"):
        redflag.train(["a", "b"], ["benign", None])
    with pytest.raises(redflag.DataError, match=r"labels\[0\]: the label is empty"):
        redflag.train(["a", "b"], [" ", "benign"])
    with pytest.raises(redflag.ConfigError, match="alpha"):
        redflag.train(["a", "b"], ["benign", "appeal"], config={"logistic": {"alpha": -1}})
    with pytest.raises(redflag.ConfigError, match="unknown field"):
        redflag.train(["a", "b"], ["benign", "appeal"], config={"logistc": {}})
    with pytest.raises(redflag.DataError):
        redflag.train(["a", "b"], ["benign", "benign"])


def test_evaluate_names_an_unknown_label(default):
    with pytest.raises(redflag.DataError, match='label "spam"'):
        redflag.evaluate(default, ["a", "b"], ["benign", "spam"], resamples=0)


def test_long_texts_are_cut_as_the_reader_cuts_them(default):
    text = "é" * (redflag.MAX_TEXT_BYTES // 2 + 5)
    r = default.score([text], reasons=False)[0]
    assert "truncated" in r.get("warnings", [])


# --- Model object ---------------------------------------------------------------------


def test_model_facts_and_pickling(default):
    assert default.classes == ["appeal", "propaganda", "reporting", "benign"]
    assert set(default.thresholds) == {"appeal", "propaganda"}
    card = default.card()
    assert card["header"]["classes"] == default.classes
    assert len(card["sha256"]) == 64
    strict = default.with_thresholds({"appeal": 0.99})
    assert strict.thresholds["appeal"] == 0.99
    assert default.thresholds["appeal"] != 0.99
    with pytest.raises(redflag.ConfigError, match="not a review class"):
        default.with_thresholds({"benign": 0.5})
    again = pickle.loads(pickle.dumps(default))
    texts = ["send btc to the brothers at the front"]
    assert np.array_equal(again.predict_proba(texts), default.predict_proba(texts))


def test_dataframe_columns_evaluate_like_lists(default):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame([r for w in ("w-rails-2", "w-short-faith")
                       for r in read_jsonl(ROOT / "datasets" / "writers" / f"{w}.jsonl")])
    df.loc[df.index[::5], "writer"] = None  # missing values are "no writer"
    got = redflag.evaluate(default, df["text"], df["label"], writers=df["writer"], resamples=0)
    want = redflag.evaluate(default, df["text"].tolist(), df["label"].tolist(),
                            writers=["" if w is None or w != w else w for w in df["writer"].tolist()],
                            resamples=0)
    assert got == want
    assert set(got["writers"]) == {"w-rails-2", "w-short-faith"}
    codes = pd.Series(df["label"].astype("category"))
    assert redflag.evaluate(default, df["text"], codes, resamples=0)["records"] == len(df)


def test_the_package_ships_its_type_stubs():
    from importlib import resources

    package = resources.files("redflag")
    assert (package / "_redflag.pyi").is_file()
    assert (package / "py.typed").is_file()
    stub = (package / "_redflag.pyi").read_text(encoding="utf-8")
    for name in ("class Model", "def train", "def evaluate", "def predict_proba"):
        assert name in stub, name
