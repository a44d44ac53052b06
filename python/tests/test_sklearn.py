"""redflag.sklearn.RedflagClassifier as scikit-learn sees it."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402

import redflag  # noqa: E402
from redflag.sklearn import RedflagClassifier  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def data(*writers: str):
    texts, labels = [], []
    for w in writers:
        for line in (ROOT / "datasets" / "writers" / f"{w}.jsonl").read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            texts.append(r["text"])
            labels.append(r["label"])
    return np.array(texts, dtype=object), np.array(labels)


FAST = dict(char_ngrams=False, alpha=0.1)


def test_cross_val_score_and_grid_search():
    X, y = data("w-en-stance", "w-rails-2")
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(RedflagClassifier(**FAST), X, y, cv=cv, scoring="f1_macro")
    assert scores.shape == (3,)
    # Well above chance (0.25 for four balanced classes) on held-out folds.
    assert scores.mean() > 0.5, scores
    grid = GridSearchCV(RedflagClassifier(char_ngrams=False), {"alpha": [0.03, 1.0]}, cv=cv,
                        scoring="f1_macro")
    grid.fit(X, y)
    assert grid.best_params_["alpha"] in (0.03, 1.0)
    assert set(grid.predict(X[:5])) <= set(y)


def test_the_estimator_is_the_model_redflag_train_writes():
    X, y = data("w-rails-2")
    est = RedflagClassifier(**FAST).fit(X, y)
    model = redflag.train(list(X), list(y), config={
        "analyzer": {"char_ngrams": None}, "logistic": {"alpha": 0.1},
        "classes": sorted(set(y))})
    assert est.model_.to_bytes() == model.to_bytes()
    assert list(est.classes_) == sorted(set(y))
    proba = est.predict_proba(X[:20])
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert list(est.predict(X[:20])) == list(est.classes_[proba.argmax(axis=1)])
    assert est.review(X[:20]).dtype == bool


def test_labels_of_any_type_and_column_order():
    X, y = data("w-rails-2")
    codes = {"appeal": 3, "propaganda": 1, "reporting": 2, "benign": 0}
    yi = np.array([codes[v] for v in y])
    est = RedflagClassifier(**FAST).fit(X, yi)
    assert list(est.classes_) == [0, 1, 2, 3]
    named = RedflagClassifier(**FAST).fit(X, y)
    # Column j of predict_proba is classes_[j], whatever the labels are called.
    order = [list(named.classes_).index(name) for name in ["benign", "propaganda", "reporting", "appeal"]]
    assert np.allclose(est.predict_proba(X[:10]), named.predict_proba(X[:10])[:, order])


def test_params_clone_and_pipeline():
    est = RedflagClassifier(alpha=0.5, word_ngrams=(1, 3))
    assert est.get_params()["alpha"] == 0.5
    est.set_params(alpha=0.2, min_df=1)
    assert clone(est).get_params() == est.get_params()
    X, y = data("w-rails-2")
    pipe = Pipeline([("clf", RedflagClassifier(**FAST))]).fit(X, y)
    assert len(pipe.predict(X[:3])) == 3


def test_unfitted_and_bad_input_errors():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        RedflagClassifier().predict(["text"])
    with pytest.raises(ValueError, match="at least two classes"):
        RedflagClassifier().fit(["a", "b"], ["x", "x"])
    with pytest.raises(ValueError, match="differ in length"):
        RedflagClassifier().fit(["a", "b"], ["x", "y", "z"])
    with pytest.raises(TypeError, match=r"X\[1\]: expected str, got None|texts\[1\]"):
        RedflagClassifier(**FAST).fit(np.array(["a", None], dtype=object), ["x", "y"])


# The checks of sklearn.utils.estimator_checks that apply to an estimator of raw text. The
# others fit on numeric 2-D arrays (random floats, NaN, infinities, sparse matrices, one
# feature, one sample), which are not text: scikit-learn's own generator yields none of its
# checks for an estimator whose tags say `two_d_array=False` (as CountVectorizer's do), so
# the applicable ones run here by name, and the numeric ones that matter for a text
# estimator are rewritten for text below (idempotent fit, unchanged state after predict,
# batch and order invariance, check_is_fitted). The README's Python section lists them.
APPLICABLE = [
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_estimators_unfitted",
    "check_mixin_order",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_estimator_sparse_tag",
    "check_n_features_in_after_fitting",
]


@pytest.mark.parametrize("name", APPLICABLE)
def test_applicable_sklearn_estimator_checks(name):
    from sklearn.utils import estimator_checks

    check = getattr(estimator_checks, name, None)
    if check is None:
        pytest.skip(f"this scikit-learn ({sklearn.__version__}) has no {name}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check("RedflagClassifier", RedflagClassifier(**FAST))


def test_text_versions_of_the_numeric_checks():
    from sklearn.utils.validation import check_is_fitted

    X, y = data("w-rails-2")
    est = RedflagClassifier(**FAST)
    with pytest.raises(sklearn.exceptions.NotFittedError):
        check_is_fitted(est)
    est.fit(X, y)
    check_is_fitted(est)
    state = dict(est.__dict__)
    first = est.predict_proba(X)
    est.predict(X)
    est.review(X)
    assert est.__dict__.keys() == state.keys()
    assert all(est.__dict__[k] is state[k] for k in state)
    # Fitting again on the same data gives the same model (idempotent, deterministic).
    again = clone(est).fit(X, y)
    assert np.array_equal(again.predict_proba(X), first)
    # Batch and order invariance: scores do not depend on the other texts of the batch.
    order = np.random.default_rng(0).permutation(len(X))
    assert np.array_equal(est.predict_proba(X[order]), first[order])
    one_by_one = np.vstack([est.predict_proba(X[i:i + 1]) for i in range(0, len(X), 17)])
    assert np.array_equal(one_by_one, first[::17])
    with pytest.raises(TypeError, match="numeric array"):
        est.predict(np.zeros((3, 2)))
