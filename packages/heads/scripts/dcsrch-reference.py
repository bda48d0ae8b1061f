"""Writes src/fixtures/dcsrch-reference.json: the trial steps of MINPACK-2's Fortran dcsrch (as compiled
into scipy) on the test functions of Moré & Thuente (1994), for src/line-search.test.ts.

    /usr/bin/python3 packages/heads/scripts/dcsrch-reference.py
"""
import json
import os

import numpy as np
import scipy
from scipy.optimize import _minpack2 as minpack2


def f1(a, b=2.0):  # (5.1): phi = -a / (a^2 + b)
    return -a / (a * a + b), (a * a - b) / (a * a + b) ** 2


def f2(a, b=0.004):  # (5.2): phi = (a + b)^5 - 2 (a + b)^4
    return (a + b) ** 5 - 2 * (a + b) ** 4, 5 * (a + b) ** 4 - 8 * (a + b) ** 3


def f3(a, b=0.01, l=39):  # (5.3)
    def phi0(x):
        if x <= 1 - b:
            return 1 - x, -1.0
        if x >= 1 + b:
            return x - 1, 1.0
        return (x - 1) ** 2 / (2 * b) + b / 2, (x - 1) / b

    p, d = phi0(a)
    return p + 2 * (1 - b) / (l * np.pi) * np.sin(l * np.pi / 2 * a), d + (1 - b) * np.cos(l * np.pi / 2 * a)


FUNCTIONS = {"f1": f1, "f2": f2, "f3": f3}


def run(name, stp, ftol, gtol, xtol, stpmin, stpmax, maxfev=30):
    fn = FUNCTIONS[name]
    f, g = fn(0.0)
    isave = np.zeros((2,), np.intc)
    dsave = np.zeros((13,), float)
    task = b"START"
    steps = []
    for _ in range(maxfev):
        stp, f, g, task = minpack2.dcsrch(stp, f, g, ftol, gtol, xtol, task, stpmin, stpmax, isave, dsave)
        if task[:2] != b"FG":
            break
        steps.append(float(stp))
        f, g = fn(stp)
    return {"function": name, "ftol": ftol, "gtol": gtol, "xtol": xtol, "stpmin": stpmin, "stpmax": stpmax, "steps": steps, "task": task.decode().strip().split(":")[0].strip()}


cases = []
for name in FUNCTIONS:
    for stp0 in [1e-3, 1e-1, 1e1, 1e3]:
        cases.append(run(name, stp0, 1e-3, 0.1, 0.1, 0.0, 1e10))  # the paper's settings
        cases.append(run(name, stp0, 1e-3, 0.9, 0.1, 0.0, 1e10))  # L-BFGS-B's
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "fixtures", "dcsrch-reference.json")
with open(path + ".tmp", "w") as f:
    json.dump({"scipy": scipy.__version__, "cases": cases}, f, indent=0)
os.replace(path + ".tmp", path)
print("wrote", path, len(cases), "cases")
