"""redflag: flags posts that solicit money or material support for violent extremists,
and extremist propaganda, for human review.

The Python package runs the same Rust core, model files and thresholds as the
``redflag`` command-line tool: a result here is the result ``redflag score`` gives.

>>> import redflag
>>> model = redflag.Model.default()
>>> model.classes
['appeal', 'propaganda', 'reporting', 'benign']
>>> r = model.score(["Eid Mubarak to all our neighbours!"])[0]
>>> r["label"], r["review"]
('benign', False)

Texts may be a list of ``str``, a NumPy array or pandas Series of strings, or a
pyarrow string array (read in place, without copying). Reason spans are *byte*
offsets into the UTF-8 text, as in the CLI's output: ``text.encode()[a:b].decode()``.
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from . import _redflag
from ._redflag import (
    MAX_TEXT_BYTES,
    ConfigError,
    DataError,
    ModelFileError,
    RedflagError,
    __version__,
)

__all__ = [
    "Model",
    "train",
    "evaluate",
    "write_jsonl",
    "RedflagError",
    "ModelFileError",
    "ConfigError",
    "DataError",
    "MAX_TEXT_BYTES",
    "__version__",
]


def _texts(texts: Any, what: str = "texts") -> Any:
    """Texts as the Rust core reads them: a list (of ``str``/``bytes``, or of Arrow
    string arrays) or one Arrow array. Arrow data, including pandas columns backed by
    pyarrow, is passed through without copying; anything else becomes a list."""
    if isinstance(texts, (str, bytes)):
        raise TypeError(
            f"{what}: expected a sequence of texts, got a single {type(texts).__name__};"
            " wrap it in a list"
        )
    if isinstance(texts, list):
        return texts
    if isinstance(texts, tuple):
        return list(texts)
    module = type(texts).__module__ or ""
    if module.startswith("pyarrow"):
        if hasattr(texts, "chunks"):  # ChunkedArray
            chunks = list(texts.chunks)
            return chunks if chunks else []
        return texts
    if module.startswith("pandas"):
        array = getattr(texts, "array", None)
        pa_array = getattr(array, "_pa_array", None)  # string[pyarrow] and ArrowDtype columns
        if pa_array is not None:
            return _texts(pa_array, what)
        return texts.tolist()
    if module.startswith("scipy.sparse"):
        raise TypeError(
            f"{what}: sparse matrices are not supported: redflag takes raw texts and builds"
            " its own features"
        )
    if isinstance(texts, np.ndarray):
        if texts.dtype.kind not in "OUS":
            raise TypeError(
                f"{what}: expected texts, got a numeric array of dtype {texts.dtype}: redflag"
                " takes raw texts and builds its own features"
            )
        if texts.ndim == 2 and texts.shape[1] == 1:
            texts = texts[:, 0]
        if texts.ndim != 1:
            raise ValueError(f"{what}: expected one text per row, got an array of shape {texts.shape}")
        return texts.tolist()
    if hasattr(texts, "__arrow_c_array__"):
        return texts
    if isinstance(texts, Iterable):
        return list(texts)
    raise TypeError(
        f"{what}: expected a list of str, a NumPy array, a pandas Series or a pyarrow array,"
        f" got {type(texts).__name__}"
    )


class Model:
    """A redflag model: analyser, vocabulary, weights, calibration and review thresholds,
    from one model file. Immutable; safe to share between threads."""

    __slots__ = ("_inner",)

    def __init__(self, inner: "_redflag.Model") -> None:
        if not isinstance(inner, _redflag.Model):
            raise TypeError("use Model.default(), Model.load(path) or redflag.train(...)")
        self._inner = inner

    @classmethod
    def default(cls) -> "Model":
        """The model embedded in redflag, the one ``redflag score`` uses by default."""
        return cls(_redflag.Model.default())

    @classmethod
    def load(cls, path: Union[str, "os.PathLike[str]"]) -> "Model":
        """Reads a model file (``redflag train --out``, ``Model.save``). A file that is not
        a model, is truncated or was altered raises ``ModelFileError``."""
        return cls(_redflag.Model.load(os.fspath(path)))

    def save(self, path: Union[str, "os.PathLike[str]"]) -> None:
        """Writes the model file: the bytes ``redflag train`` writes for the same model."""
        self._inner.save(os.fspath(path))

    @property
    def classes(self) -> list:
        """Class names, in score order (the columns of ``predict_proba``)."""
        return self._inner.classes

    @property
    def thresholds(self) -> dict:
        """Review class → review threshold."""
        return self._inner.thresholds

    def with_thresholds(self, thresholds: Mapping[str, float]) -> "Model":
        """A copy with some review thresholds replaced (``redflag score --threshold``)."""
        return Model(self._inner.with_thresholds(dict(thresholds)))

    def card(self) -> dict:
        """What ``redflag inspect`` prints: name, size, checksums, and the header with the
        classes, thresholds, calibration, training configuration, training data and rows
        per class and language."""
        return self._inner.card()

    def score(
        self,
        texts: Any,
        reasons: bool = True,
        ids: Optional[Sequence[Union[int, str]]] = None,
        threads: Optional[int] = None,
    ) -> list:
        """One dict per text in the score contract of ``redflag score``: ``id`` (``ids[i]``,
        else the index), ``lang``, ``label``, ``scores``, ``review``, ``explains``,
        ``threshold``, ``reasons`` (feature, kind, weight, byte spans) and ``warnings``."""
        if ids is not None:
            ids = _pylist(ids, "ids")
        return self._inner.score(_texts(texts), reasons=reasons, ids=ids, threads=threads)

    def predict_proba(self, texts: Any, threads: Optional[int] = None) -> np.ndarray:
        """Calibrated probabilities, shape ``(len(texts), len(classes))``."""
        return self._inner.predict_proba(_texts(texts), threads=threads)

    def predict(self, texts: Any, threads: Optional[int] = None) -> np.ndarray:
        """The most probable class of each text (an array of str)."""
        return np.array(self._inner.predict(_texts(texts), threads=threads), dtype=object)

    def review(self, texts: Any, threads: Optional[int] = None) -> np.ndarray:
        """Whether each text goes to review: a review class at or above its threshold."""
        return self._inner.review(_texts(texts), threads=threads)

    def explain(self, text: str) -> dict:
        """One text's result with its reasons (``score([text])[0]``)."""
        return self._inner.explain(text)

    def to_bytes(self) -> bytes:
        """The model file's bytes."""
        return self._inner.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Model":
        """A model from a model file's bytes."""
        return cls(_redflag.Model.from_bytes(data))

    def __reduce__(self):
        return (Model.from_bytes, (self.to_bytes(),))

    def __repr__(self) -> str:
        return repr(self._inner)


def _config_args(config: Any) -> dict:
    """The configuration as the core takes it: a TOML file's text (exactly what
    ``redflag train --config FILE`` reads), or a dict as JSON."""
    if config is None:
        return {}
    if isinstance(config, Mapping):
        return {"config_json": json.dumps(config)}
    if isinstance(config, (str, os.PathLike)):
        with open(config, encoding="utf-8") as f:
            return {"config_toml": f.read()}
    raise TypeError(
        f"config: expected a dict or the path of a TOML file, got {type(config).__name__}"
    )


def train(
    texts: Any,
    labels: Any,
    config: Union[None, Mapping[str, Any], str, "os.PathLike[str]"] = None,
    validation: Optional[Tuple[Any, Any]] = None,
    *,
    description: Optional[str] = None,
    threads: Optional[int] = None,
    data_name: str = "<texts>",
    validation_name: str = "<validation texts>",
) -> Model:
    """Trains a model, as ``redflag train`` does.

    ``config`` is a dict (the keys of a ``--config`` TOML file; ``tomllib.load`` gives
    one), or the path of a TOML file; ``None`` is the default configuration.
    ``validation=(texts, labels)`` chooses the calibration and review thresholds, as
    ``--validation`` does. The model records its data as ``data_name`` with the SHA-256
    of the data's JSON Lines form (what ``write_jsonl`` writes): ``redflag train --data
    FILE --config C`` on that file, named the same, writes a byte-identical model.
    """
    kwargs = _config_args(config)
    if validation is not None:
        if not isinstance(validation, tuple) or len(validation) != 2:
            raise TypeError("validation: expected a (texts, labels) tuple")
        kwargs["validation_texts"] = _texts(validation[0], "validation texts")
        kwargs["validation_labels"] = _labels(validation[1], "validation labels")
    inner = _redflag.train(
        _texts(texts),
        _labels(labels),
        description=description,
        data_name=data_name,
        validation_name=validation_name,
        threads=threads,
        **kwargs,
    )
    return Model(inner)


def _labels(labels: Any, what: str = "labels") -> Any:
    """Labels as texts: Arrow string data passes through; other labels (NumPy integers,
    categories) become their ``str``; ``None`` stays, for the core to name."""
    labels = _texts(labels, what)
    if isinstance(labels, list) and not any(hasattr(l, "__arrow_c_array__") for l in labels[:1]):
        return [l if isinstance(l, (str, bytes)) or l is None else str(l) for l in labels]
    return labels


def _optional(values: Any, what: str) -> Optional[list]:
    """An optional per-record field as a list of str, "" where a record has none (``None``
    or NaN)."""
    if values is None:
        return None
    return ["" if v is None or v != v else str(v) for v in _pylist(values, what)]


def _pylist(values: Any, what: str) -> list:
    """One Python value per text, as a list (pyarrow arrays, NumPy arrays and pandas
    Series give their elements as Python values)."""
    if isinstance(values, list):
        return values
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{what}: expected one value per text, got a single value")
    if hasattr(values, "to_pylist"):
        return values.to_pylist()
    if hasattr(values, "tolist"):
        return values.tolist()
    return list(values)


def evaluate(
    model: Model,
    texts: Any,
    labels: Any,
    *,
    resamples: int = 1000,
    seed: int = 0x5EED,
    slices: Any = None,
    writers: Any = None,
    threads: Optional[int] = None,
    data_name: str = "<texts>",
) -> dict:
    """The report ``redflag evaluate --json`` writes, as a dict: per-class average
    precision, ROC-AUC and operating points with bootstrap intervals (``resamples``),
    the review decision's precision and recall, calibration, the confusion matrix, and
    figures per slice, writer and language."""
    if not isinstance(model, Model):
        raise TypeError(f"model: expected a redflag.Model, got {type(model).__name__}")
    report = _redflag.evaluate(
        model._inner,
        _texts(texts),
        _labels(labels),
        resamples=resamples,
        seed=seed,
        data_name=data_name,
        slices=_optional(slices, "slices"),
        writers=_optional(writers, "writers"),
        threads=threads,
    )
    return json.loads(report)


def write_jsonl(path: Union[str, "os.PathLike[str]"], texts: Any, labels: Any) -> None:
    """Writes labelled texts as JSON Lines (``{"id", "text", "label"}`` per line) for
    ``redflag train --data`` and ``redflag evaluate --data``."""
    data = _redflag.jsonl(_texts(texts), _labels(labels))
    with open(path, "wb") as f:
        f.write(data)
