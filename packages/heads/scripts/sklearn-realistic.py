"""scikit-learn LogisticRegression(solver='lbfgs') on realistic synthetic [CLS]-like features (768-d,
thousands of rows, correlated, large offsets), the oracle for @bertkit/heads' L-BFGS-B iteration.

    /usr/bin/python3 packages/heads/scripts/sklearn-realistic.py          # writes src/fixtures/sklearn-realistic.json
    echo '{"data": {...}, "fit": {...}}' | /usr/bin/python3 .../sklearn-realistic.py --live   # one case, JSON on stdout

Features are not stored: both sides regenerate them from the seed (synthetic_features.py and
src/synthetic-features.ts are bit-identical). Stored per case: coef/intercept (float32, base64), n_iter,
the objective, and the training predictions (one class index per character).
"""
import base64
import hashlib
import json
import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synthetic_features import generate  # noqa: E402

CASES = [
    # The SST-2 shape: 6,920 x 768, C=1, default max_iter: stopped at 100 iterations, not converged.
    {"name": "sst2-shaped-binary-C1", "data": {"seed": 11, "rows": 6920, "cols": 768}, "fit": {"C": 1.0}},
    {"name": "binary-C1", "data": {"seed": 12, "rows": 3000, "cols": 768}, "fit": {"C": 1.0}},
    {"name": "binary-sample-weight-C0.1", "data": {"seed": 13, "rows": 2500, "cols": 768, "sample_weight": True}, "fit": {"C": 0.1}},
    {"name": "binary-imbalanced-class-weight-dict", "data": {"seed": 14, "rows": 3000, "cols": 768, "proportions": [4, 1]}, "fit": {"C": 1.0, "class_weight": {"0": 1.0, "1": 3.5}}},
    {"name": "multinomial-4-balanced", "data": {"seed": 15, "rows": 3000, "cols": 768, "classes": 4, "proportions": [5, 3, 2, 1]}, "fit": {"C": 1.0, "class_weight": "balanced"}},
    {"name": "multinomial-5-collinear-dict-weights", "data": {"seed": 16, "rows": 2000, "cols": 768, "classes": 5, "duplicates": True, "sample_weight": True}, "fit": {"C": 0.5, "class_weight": {"0": 2.0, "3": 0.5}}},
    {"name": "multinomial-4-max-iter-20", "data": {"seed": 17, "rows": 2000, "cols": 768, "classes": 4}, "fit": {"C": 1.0, "max_iter": 20}},
    {"name": "binary-converged-C1e-4", "data": {"seed": 18, "rows": 3000, "cols": 768}, "fit": {"C": 1e-4}},
    {"name": "multinomial-3-converged-C1e-4", "data": {"seed": 19, "rows": 2000, "cols": 768, "classes": 3, "duplicates": True}, "fit": {"C": 1e-4}},
]


def f32_b64(a):
    return base64.b64encode(np.asarray(a, dtype="<f4").tobytes()).decode()


def fit_case(case, live=False):
    X, y, sw = generate(case["data"])
    fit = case["fit"]
    cw = fit.get("class_weight")
    if isinstance(cw, dict):
        cw = {int(k): v for k, v in cw.items()}
    model = LogisticRegression(C=fit.get("C", 1.0), class_weight=cw, max_iter=fit.get("max_iter", 100), tol=fit.get("tol", 1e-4), solver="lbfgs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y, sample_weight=sw)
    pred = model.predict(X)
    index = np.searchsorted(model.classes_, pred)
    proba = model.predict_proba(X)
    # The objective L-BFGS minimised, at the returned point: sum_i sw_i * cw_yi * loss_i + ||W||^2 / (2C).
    from sklearn.utils.class_weight import compute_class_weight

    w = np.ones(len(y)) if sw is None else sw.copy()
    if cw is not None:
        w = w * compute_class_weight(cw, classes=model.classes_, y=y)[np.searchsorted(model.classes_, y)]
    loss = -np.log(proba[np.arange(len(y)), np.searchsorted(model.classes_, y)])
    objective = float(np.sum(w * loss) + np.sum(model.coef_ ** 2) / (2 * fit.get("C", 1.0)))
    predictions = "".join(str(int(v)) for v in index)
    # scikit-learn against itself: the same fit on row-permuted data differs only by rounding (BLAS sums
    # in another order). On ill-conditioned fits stopped at max_iter, L-BFGS amplifies that noise
    # (about x1.4 per iteration), so no reimplementation can be closer than this floor.
    self_noise, self_disagreements = 0.0, 0
    for k in range(1 if live else 3):
        perm = np.random.default_rng(k).permutation(len(y))
        other = LogisticRegression(C=fit.get("C", 1.0), class_weight=cw, max_iter=fit.get("max_iter", 100), tol=fit.get("tol", 1e-4), solver="lbfgs")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            other.fit(X[perm], y[perm], sample_weight=None if sw is None else sw[perm])
        self_noise = max(self_noise, float(np.linalg.norm(other.coef_ - model.coef_) / np.linalg.norm(model.coef_)))
        self_disagreements = max(self_disagreements, int(np.sum(other.predict(X) != pred)))
    return {
        "name": case.get("name", "live"),
        "data": case["data"],
        "fit": fit,
        "classes": model.classes_.tolist(),
        "n_iter": int(model.n_iter_[0]),
        "objective": objective,
        "coef_shape": list(model.coef_.shape),
        "coef": f32_b64(model.coef_.ravel()),
        "intercept": model.intercept_.tolist(),
        "predictions": predictions,
        "self_noise": self_noise,
        "self_disagreements": self_disagreements,
        "predictions_sha256": hashlib.sha256(predictions.encode()).hexdigest(),
        # A feature checksum, so a drift between the Python and TypeScript generators shows as itself.
        "x_sha256": hashlib.sha256(np.ascontiguousarray(X, dtype="<f4").tobytes()).hexdigest(),
    }


if __name__ == "__main__":
    if "--live" in sys.argv:
        json.dump({"sklearn": sklearn.__version__, **fit_case(json.load(sys.stdin), live=True)}, sys.stdout)
        sys.exit(0)
    out = {"sklearn": sklearn.__version__, "numpy": np.__version__, "cases": []}
    for case in CASES:
        result = fit_case(case)
        print(case["name"], "n_iter", result["n_iter"], file=sys.stderr)
        out["cases"].append(result)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "fixtures", "sklearn-realistic.json")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f)
    os.replace(tmp, path)
    print("wrote", path, len(out["cases"]), "cases", file=sys.stderr)
