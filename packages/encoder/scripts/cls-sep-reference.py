"""Hidden states of the shared stand-in models for the ids [CLS] [SEP] (what an empty string encodes to),
from a NumPy forward pass independent of the ONNX graphs, written to src/testing/cls-sep-reference.json.

The forward pass is first checked against every row of the models' PyTorch reference.json (1e-5), so the
fixture is only written by an implementation that reproduces PyTorch.

    python3 packages/encoder/scripts/cls-sep-reference.py [../shared]
"""
import json
import math
import os
import struct
import sys

import numpy as np

SHARED = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BERTKIT_SHARED", os.path.join(os.path.dirname(__file__), "../../../../shared"))
OUT = os.path.join(os.path.dirname(__file__), "../src/testing/cls-sep-reference.json")


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        dtype = {"F32": np.float32, "I64": np.int64}[meta["dtype"]]
        out[name] = np.frombuffer(data[a:b], dtype=dtype).reshape(meta["shape"]).astype(np.float64 if dtype == np.float32 else dtype)
    return out


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def gelu(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def attention(x, mask, q, k, v, heads):
    n, hidden = x.shape
    d = hidden // heads
    split = lambda t: t.reshape(n, heads, d).transpose(1, 0, 2)
    scores = split(q) @ split(k).transpose(0, 2, 1) / math.sqrt(d)
    scores = scores + np.where(mask[None, None, :] == 1, 0.0, np.finfo(np.float32).min)
    scores = np.exp(scores - scores.max(-1, keepdims=True))
    scores /= scores.sum(-1, keepdims=True)
    return (scores @ split(v)).transpose(1, 0, 2).reshape(n, hidden)


def forward(name, ids, types, mask):
    config = json.load(open(os.path.join(SHARED, "models", name, "config.json")))
    w = load_safetensors(os.path.join(SHARED, "models", name, "model.safetensors"))
    lin = lambda x, key: x @ w[key + ".weight"].T + w[key + ".bias"]
    ids = np.array(ids)
    n = len(ids)
    eps = config.get("layer_norm_eps", 1e-12)
    if config["model_type"] == "distilbert":
        p = "distilbert."
        x = w[p + "embeddings.word_embeddings.weight"][ids] + w[p + "embeddings.position_embeddings.weight"][:n]
        x = layer_norm(x, w[p + "embeddings.LayerNorm.weight"], w[p + "embeddings.LayerNorm.bias"], 1e-12)
        states = [x]
        for i in range(config["n_layers"]):
            L = f"{p}transformer.layer.{i}."
            a = attention(x, mask, lin(x, L + "attention.q_lin"), lin(x, L + "attention.k_lin"), lin(x, L + "attention.v_lin"), config["n_heads"])
            x = layer_norm(lin(a, L + "attention.out_lin") + x, w[L + "sa_layer_norm.weight"], w[L + "sa_layer_norm.bias"], 1e-12)
            x = layer_norm(lin(gelu(lin(x, L + "ffn.lin1")), L + "ffn.lin2") + x, w[L + "output_layer_norm.weight"], w[L + "output_layer_norm.bias"], 1e-12)
            states.append(x)
        return states
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] + w["embeddings.token_type_embeddings.weight"][np.array(types)]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    states = [x]
    for i in range(config["num_hidden_layers"]):
        L = f"encoder.layer.{i}."
        a = attention(x, mask, lin(x, L + "attention.self.query"), lin(x, L + "attention.self.key"), lin(x, L + "attention.self.value"), config["num_attention_heads"])
        x = layer_norm(lin(a, L + "attention.output.dense") + x, w[L + "attention.output.LayerNorm.weight"], w[L + "attention.output.LayerNorm.bias"], eps)
        x = layer_norm(lin(gelu(lin(x, L + "intermediate.dense")), L + "output.dense") + x, w[L + "output.LayerNorm.weight"], w[L + "output.LayerNorm.bias"], eps)
        states.append(x)
    return states


out = {}
for name in ["tiny-random-bert", "tiny-random-distilbert"]:
    worst = 0.0
    for batch in json.load(open(os.path.join(SHARED, "models", name, "reference.json"))):
        for r, ids in enumerate(batch["input_ids"]):
            states = forward(name, ids, batch["token_type_ids"][r], np.array(batch["attention_mask"][r]))
            for layer, s in enumerate(states):
                worst = max(worst, float(np.abs(s - np.array(batch["hidden_states"][layer][r])).max()))
    assert worst < 1e-5, f"{name}: NumPy forward differs from reference.json by {worst}"
    print(f"{name}: NumPy forward matches reference.json within {worst:.2e}")
    cls, sep = 101, 102
    states = forward(name, [cls, sep], [0, 0], np.array([1, 1]))
    out[name] = {"input_ids": [cls, sep], "hidden_states": [np.round(s, 7).tolist() for s in states]}

tmp = OUT + ".tmp"
with open(tmp, "w") as f:
    json.dump(out, f)
os.replace(tmp, OUT)
print("wrote", os.path.relpath(OUT))
