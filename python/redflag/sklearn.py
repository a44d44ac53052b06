"""A scikit-learn estimator over redflag's Rust pipeline.

``RedflagClassifier`` takes raw texts (a list, NumPy array or pandas Series of str) and
fits the whole redflag pipeline (analysis, TF-IDF, logistic regression, calibration) with
``redflag.train``, so it can sit in ``cross_val_score``, ``GridSearchCV`` or a
``Pipeline`` next to a scikit-learn baseline.

>>> from sklearn.model_selection import cross_val_score
>>> from redflag.sklearn import RedflagClassifier
>>> cross_val_score(RedflagClassifier(alpha=0.1), texts, labels, cv=3)  # doctest: +SKIP
"""

from __future__ import annotations

import copy
import os
from typing import Any, Mapping, Optional, Tuple, Union

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from . import Model, _texts, train

__all__ = ["RedflagClassifier"]


def _base_config(config: Any) -> dict:
    if config is None:
        return {}
    if isinstance(config, Mapping):
        return copy.deepcopy(dict(config))
    if isinstance(config, (str, os.PathLike)):
        import tomllib  # Python 3.11+

        with open(config, "rb") as f:
            return tomllib.load(f)
    raise TypeError(
        f"config: expected None, a dict or the path of a TOML file, got {type(config).__name__}"
    )


class RedflagClassifier(ClassifierMixin, BaseEstimator):
    """redflag's text classifier as a scikit-learn estimator.

    Parameters
    ----------
    config : dict, path or None
        The training configuration (the keys of a ``redflag train --config`` TOML file);
        ``None`` is redflag's default configuration. The default model's own
        configuration is ``redflag.Model.default().card()["header"]["config"]``.
    alpha : float, optional
        L2 penalty of the logistic regression (``logistic.alpha``).
    class_weight : {"balanced", "none"}, optional
        Class weighting (``logistic.class_weight``).
    word_ngrams : (int, int), optional
        Word n-gram range (``analyzer.word_ngrams``).
    char_ngrams : (int, int) or False, optional
        Character n-gram range (``analyzer.char_ngrams``); ``False`` turns them off.
    min_df : int, optional
        Minimum document frequency of a term (``features.min_df``).
    threads : int, optional
        Worker threads for fitting and scoring (default: one per core).

    Parameters left at ``None`` keep the value in ``config``. ``predict`` is the most
    probable class, as ``predict_proba``'s argmax; the review decision with the model's
    thresholds is ``review``.
    """

    def __init__(
        self,
        config: Union[None, Mapping[str, Any], str, "os.PathLike[str]"] = None,
        alpha: Optional[float] = None,
        class_weight: Optional[str] = None,
        word_ngrams: Optional[Tuple[int, int]] = None,
        char_ngrams: Union[None, bool, Tuple[int, int]] = None,
        min_df: Optional[int] = None,
        threads: Optional[int] = None,
    ) -> None:
        self.config = config
        self.alpha = alpha
        self.class_weight = class_weight
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.threads = threads

    def _config(self) -> dict:
        config = _base_config(self.config)

        def section(name: str) -> dict:
            return config.setdefault(name, {})

        if self.alpha is not None:
            section("logistic")["alpha"] = float(self.alpha)
        if self.class_weight is not None:
            section("logistic")["class_weight"] = self.class_weight
        if self.word_ngrams is not None:
            lo, hi = self.word_ngrams
            section("analyzer")["word_ngrams"] = {"min": int(lo), "max": int(hi)}
        if self.char_ngrams is False:
            section("analyzer")["char_ngrams"] = None
        elif self.char_ngrams is not None and self.char_ngrams is not True:
            lo, hi = self.char_ngrams
            section("analyzer")["char_ngrams"] = {"min": int(lo), "max": int(hi)}
        if self.min_df is not None:
            section("features")["min_df"] = int(self.min_df)
        return config

    def fit(self, X: Any, y: Any) -> "RedflagClassifier":
        """Fits redflag's pipeline on texts ``X`` and labels ``y`` (any hashable labels;
        redflag trains on their ``str``)."""
        texts = _texts(X, "X")
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"y: expected one label per text, got an array of shape {y.shape}")
        n = len(texts) if isinstance(texts, list) else None
        if n is not None and n != len(y):
            raise ValueError(f"X and y differ in length ({n} and {len(y)})")
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(
                f"y: a classifier needs at least two classes; the data has {len(classes)}"
            )
        names = [str(c) for c in classes]
        if len(set(names)) != len(names):
            raise ValueError("y: two labels have the same str(); redflag trains on labels as text")
        config = self._config()
        config["classes"] = names
        self.model_ = train(texts, [str(v) for v in y], config=config, threads=self.threads)
        self.classes_ = classes
        # Columns of the model's probabilities in the order of classes_.
        order = {c: i for i, c in enumerate(self.model_.classes)}
        self._columns = np.array([order[n] for n in names])
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probabilities, columns in the order of ``classes_``."""
        check_is_fitted(self, "model_")
        proba = self.model_.predict_proba(_texts(X, "X"), threads=self.threads)
        return proba[:, self._columns]

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each text."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def review(self, X: Any) -> np.ndarray:
        """Whether each text goes to review under the model's thresholds."""
        check_is_fitted(self, "model_")
        return self.model_.review(_texts(X, "X"), threads=self.threads)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.input_tags.one_d_array = True
        tags.classifier_tags.multi_class = True
        tags.non_deterministic = False
        return tags

    def _more_tags(self) -> dict:  # scikit-learn < 1.6
        return {"X_types": ["string"], "requires_y": True}
