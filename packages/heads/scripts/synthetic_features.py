"""Seeded synthetic "[CLS]-like" features, bit-identical to src/synthetic-features.ts.

Both sides build every value from a 32-bit counter hash and IEEE elementwise operations in one fixed
order (no reductions, no transcendental functions), so numpy and V8 produce the same float64 values
and therefore the same float32 features. The shape mimics BERT [CLS] vectors: a large common offset
with a few outlier dimensions, a low-rank anisotropic component that carries the class signal, small
isotropic noise, optional duplicated / collinear columns, and label noise so no fit separates the data.
"""
import numpy as np

M32 = 0xFFFFFFFF


def hash32(seed, stream, index):
    """lowbias32 of (index * 0x9E3779B1 + seed * 0x85EBCA77 + stream * 0xC2B2AE3D) mod 2^32."""
    base = np.uint32(((seed * 0x85EBCA77) + (stream * 0xC2B2AE3D)) & M32)
    x = np.asarray(index, dtype=np.uint32) * np.uint32(0x9E3779B1) + base
    x ^= x >> np.uint32(16)
    x *= np.uint32(0x7FEB352D)
    x ^= x >> np.uint32(15)
    x *= np.uint32(0x846CA68B)
    x ^= x >> np.uint32(16)
    return x


def gauss(seed, stream, count):
    """Irwin-Hall(4) of 12-bit uniforms, centred and scaled to about unit variance."""
    i = np.arange(count, dtype=np.uint32) * np.uint32(4)
    total = np.zeros(count, dtype=np.float64)
    for k in range(4):
        total = total + (hash32(seed, stream, i + np.uint32(k)) >> np.uint32(20)).astype(np.float64)
    return (total - 8190.0) / 2365.0


DEFAULTS = {
    "rank": 24,
    "classes": 2,
    "proportions": None,  # integer weights per class; default equal
    "signal": 0.3,
    "noise": 0.35,
    "offset": 0.4,
    "label_noise": 0.08,  # fraction of labels redrawn uniformly
    "duplicates": False,
    "sample_weight": False,
}


def generate(params):
    p = {**DEFAULTS, **params}
    seed, rows, cols, rank, K = p["seed"], p["rows"], p["cols"], p["rank"], p["classes"]
    props = p["proportions"] or [1] * K
    total = sum(props)
    cum = np.cumsum(props)
    h = hash32(seed, 1, np.arange(rows, dtype=np.uint32)) % np.uint32(total)
    y = np.searchsorted(cum, h.astype(np.int64), side="right")
    centres = gauss(seed, 3, K * rank).reshape(K, rank)
    Z = gauss(seed, 2, rows * rank).reshape(rows, rank)
    scales = 1.0 / (1.0 + np.arange(rank, dtype=np.float64))
    Z = Z * scales[None, :] + p["signal"] * centres[y]
    L = gauss(seed, 4, rank * cols).reshape(rank, cols)
    o = p["offset"] * (0.5 + gauss(seed, 5, cols))
    outliers = (np.arange(cols) % 151) == 7
    o = np.where(outliers, o * 10.0, o)
    V = np.broadcast_to(o, (rows, cols)).copy()
    for r in range(rank):
        V = V + Z[:, r : r + 1] * L[r][None, :]
    V = V + p["noise"] * gauss(seed, 6, rows * cols).reshape(rows, cols)
    X = V.astype(np.float32)
    if p["duplicates"]:
        X[:, cols - 1] = X[:, 0]
        X[:, cols - 2] = X[:, 1] * np.float32(2)
        X[:, cols - 3] = (X[:, 2].astype(np.float64) + X[:, 3].astype(np.float64)).astype(np.float32)
    flip = (hash32(seed, 7, np.arange(rows, dtype=np.uint32)) % np.uint32(1000)) < np.uint32(round(p["label_noise"] * 1000))
    redraw = (hash32(seed, 8, np.arange(rows, dtype=np.uint32)) % np.uint32(K)).astype(np.int64)
    y = np.where(flip, redraw, y)
    sw = None
    if p["sample_weight"]:
        sw = 0.25 + (hash32(seed, 9, np.arange(rows, dtype=np.uint32)) >> np.uint32(24)).astype(np.float64) / 128.0
    return X, y, sw
