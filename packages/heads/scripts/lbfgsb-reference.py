"""Writes src/fixtures/lbfgsb-reference.json: scipy's L-BFGS-B (Fortran v3.0, no bounds) on the extended
Rosenbrock function and an ill-conditioned quadratic: every evaluated point's f, then nit, nfev,
status and the final x, for src/lbfgs.test.ts.

    /usr/bin/python3 packages/heads/scripts/lbfgsb-reference.py
"""
import json
import os

import numpy as np
import scipy
from scipy.optimize import minimize


def rosenbrock(x):
    f = np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    g = np.zeros_like(x)
    g[:-1] = -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return f, g


SCALES = 10.0 ** (np.arange(50) / 49 * 4)


def quadratic(x):
    d = x - np.arange(50)
    return 0.5 * np.sum(SCALES * d * d), SCALES * d


cases = []
for name, fn, x0 in [
    ("rosenbrock-2", rosenbrock, [-1.2, 1.0]),
    ("rosenbrock-10", rosenbrock, [-1.2, 1.0] * 5),
    ("quadratic-50", quadratic, [0.0] * 50),
]:
    for maxiter in [3, 15, 15000]:
        for gtol, ftol in [(1e-5, 2.2204460492503131e-09), (1e-7, 0.0)]:
            fs = []

            def wrapped(x):
                f, g = fn(x)
                fs.append(float(f))
                return f, g

            r = minimize(wrapped, np.array(x0, dtype=float), jac=True, method="L-BFGS-B", options={"maxiter": maxiter, "gtol": gtol, "ftol": ftol})
            cases.append({"name": name, "x0": x0, "maxiter": maxiter, "gtol": gtol, "ftol": ftol, "fs": fs, "nit": int(r.nit), "nfev": int(r.nfev), "status": int(r.status), "x": r.x.tolist()})
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "fixtures", "lbfgsb-reference.json")
with open(path + ".tmp", "w") as f:
    json.dump({"scipy": scipy.__version__, "cases": cases}, f)
os.replace(path + ".tmp", path)
print("wrote", path, len(cases), "cases")
