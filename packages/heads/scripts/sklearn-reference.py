"""Writes src/fixtures/sklearn-logreg.json: scikit-learn LogisticRegression(solver='lbfgs') results on small
seeded problems, for the parity tests of @bertkit/heads. Run once with scikit-learn installed
(Debian: apt install python3-sklearn; made with scikit-learn 1.2.1):

    /usr/bin/python3 packages/heads/scripts/sklearn-reference.py  # Debian python, where python3-sklearn lives
"""
import json
import os

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression

rng = np.random.default_rng(20261124)


def problem(name, n, d, k, separation, imbalance=None, string_labels=False):
    centers = rng.normal(size=(k, d)) * separation
    if imbalance is None:
        y = rng.integers(0, k, size=n)
    else:
        y = rng.choice(k, size=n, p=imbalance)
    X = centers[y] + rng.normal(size=(n, d)) * np.linspace(0.5, 3.0, d)  # uneven feature scales
    X = X.astype(np.float32).astype(np.float64)  # what a Float32Array holds
    labels = [["neg", "pos", "mid", "other"][v] for v in y] if string_labels else y.tolist()
    return {"name": name, "X": X.round(6).tolist(), "y": labels}


def objective(model, X, y, C, class_weight):
    """scikit-learn's lbfgs objective at the fitted point: sum_i sw_i * log_loss_i + ||W||^2 / (2C)."""
    from sklearn.utils.class_weight import compute_class_weight

    classes = model.classes_
    idx = np.searchsorted(classes, y)
    sw = np.ones(len(y)) if class_weight is None else compute_class_weight(class_weight, classes=classes, y=y)[idx]
    proba = model.predict_proba(X)
    loss = -np.log(proba[np.arange(len(y)), idx])
    W = model.coef_
    if len(classes) > 2:
        return float(np.sum(sw * loss) + np.sum(W * W) / (2 * C))
    return float(np.sum(sw * loss) + np.sum(W * W) / (2 * C))


problems = [
    problem("binary", 160, 6, 2, 0.8),
    problem("binary-strings", 120, 4, 2, 1.0, string_labels=True),
    problem("multinomial", 180, 5, 3, 1.0),
    problem("multinomial-imbalanced", 200, 4, 4, 1.2, imbalance=[0.55, 0.25, 0.15, 0.05]),
]

out = {"sklearn": sklearn.__version__, "cases": []}
for p in problems:
    X = np.array(p["X"])
    y = np.array(p["y"])
    holdout = X[::7] * 1.1
    for C in [0.01, 1.0, 100.0]:
        for class_weight in [None, "balanced"]:
            case = {"problem": p["name"], "C": C, "class_weight": class_weight}
            default = LogisticRegression(C=C, class_weight=class_weight, solver="lbfgs").fit(X, y)
            exact = LogisticRegression(C=C, class_weight=class_weight, solver="lbfgs", tol=1e-10, max_iter=100000).fit(X, y)
            case["classes"] = default.classes_.tolist()
            case["default"] = {
                "predict_train": default.predict(X).tolist(),
                "predict_holdout": default.predict(holdout).tolist(),
                "n_iter": int(default.n_iter_[0]),
            }
            case["exact"] = {
                "objective": objective(exact, X, y, C, class_weight),
                "coef": exact.coef_.tolist(),
                "intercept": exact.intercept_.tolist(),
                "proba_holdout": exact.predict_proba(holdout).tolist(),
                "predict_holdout": exact.predict(holdout).tolist(),
                "score_train": exact.score(X, y),
            }
            out["cases"].append(case)
out["problems"] = problems

path = os.path.join(os.path.dirname(__file__), "..", "src", "fixtures", "sklearn-logreg.json")
with open(path, "w") as f:
    json.dump(out, f)
print("wrote", path, len(out["cases"]), "cases")
