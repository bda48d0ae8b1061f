"""PyTorch's side of bertkit's `train` bench suite.

A standard DistilBERT-for-sequence-classification written with plain torch.nn (transformers is not
installed here): embeddings (word + position) -> LayerNorm -> dropout, then post-LayerNorm layers
(softmax attention with the padding mask, GELU FFN, dropout 0.1), the [CLS] row -> pre_classifier -> ReLU
-> dropout -> classifier, cross-entropy. AdamW (weight decay 0.01 except biases and LayerNorm weights),
clip_grad_norm_(1.0), fp32, torch.set_num_threads(threads).

Usage: train_torch.py BATCHES.json  (the file apps/bench/src/train-batches.ts writes)
Prints one JSON line: stepSeconds (timed steps), phases, losses, peakRssMb, parameters.
"""
import json
import math
import resource
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class Layer(nn.Module):
    def __init__(self, dim, heads, ffn, dropout, attention_dropout):
        super().__init__()
        self.heads = heads
        self.q_lin, self.k_lin, self.v_lin, self.out_lin = (nn.Linear(dim, dim) for _ in range(4))
        self.sa_layer_norm = nn.LayerNorm(dim, eps=1e-12)
        self.lin1, self.lin2 = nn.Linear(dim, ffn), nn.Linear(ffn, dim)
        self.output_layer_norm = nn.LayerNorm(dim, eps=1e-12)
        self.dropout = nn.Dropout(dropout)
        self.attention_dropout = nn.Dropout(attention_dropout)

    def forward(self, x, mask_bias):
        b, t, dim = x.shape
        d = dim // self.heads
        split = lambda y: y.view(b, t, self.heads, d).transpose(1, 2)
        q, k, v = split(self.q_lin(x)), split(self.k_lin(x)), split(self.v_lin(x))
        scores = torch.matmul(q / math.sqrt(d), k.transpose(2, 3)) + mask_bias
        probs = self.attention_dropout(F.softmax(scores, dim=-1))
        context = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, dim)
        x = self.sa_layer_norm(self.out_lin(context) + x)
        return self.output_layer_norm(self.dropout(self.lin2(F.gelu(self.lin1(x)))) + x)


class DistilBertClassifier(nn.Module):
    def __init__(self, c, labels=2):
        super().__init__()
        dim = c["dim"]
        self.word_embeddings = nn.Embedding(c["vocab_size"], dim)
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], dim)
        self.embeddings_norm = nn.LayerNorm(dim, eps=1e-12)
        self.dropout = nn.Dropout(c.get("dropout", 0.1))
        self.layers = nn.ModuleList(
            Layer(dim, c["n_heads"], c["hidden_dim"], c.get("dropout", 0.1), c.get("attention_dropout", 0.1)) for _ in range(c["n_layers"])
        )
        self.pre_classifier = nn.Linear(dim, dim)
        self.classifier = nn.Linear(dim, labels)
        self.classifier_dropout = nn.Dropout(c.get("seq_classif_dropout", 0.2))
        for m in self.modules():  # transformers' initialisation
            if isinstance(m, (nn.Linear, nn.Embedding)):
                m.weight.data.normal_(0.0, 0.02)
            if isinstance(m, nn.Linear):
                m.bias.data.zero_()

    def forward(self, ids, mask, labels):
        positions = torch.arange(ids.shape[1]).unsqueeze(0)
        x = self.dropout(self.embeddings_norm(self.word_embeddings(ids) + self.position_embeddings(positions)))
        mask_bias = ((1.0 - mask.float()) * torch.finfo(torch.float32).min)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, mask_bias)
        logits = self.classifier(self.classifier_dropout(F.relu(self.pre_classifier(x[:, 0]))))
        return F.cross_entropy(logits, labels)


def padded(batch):
    longest = max(len(r) for r in batch["ids"])
    ids = torch.zeros(len(batch["ids"]), longest, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, row in enumerate(batch["ids"]):
        ids[i, : len(row)] = torch.tensor(row)
        mask[i, : len(row)] = 1
    return ids, mask, torch.tensor(batch["labels"])


def main():
    spec = json.load(open(sys.argv[1]))
    torch.set_num_threads(spec["threads"])
    torch.manual_seed(1)
    model = DistilBertClassifier(spec["config"])
    model.train()
    no_decay = lambda n: "bias" in n or "norm" in n
    groups = [
        {"params": [p for n, p in model.named_parameters() if not no_decay(n)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if no_decay(n)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=spec["learningRate"], betas=(0.9, 0.999), eps=1e-8)
    batches = [padded(b) for b in spec["batches"]]
    out = {"stepSeconds": [], "phases": {"forward+backward": 0.0, "clip": 0.0, "adamw": 0.0}, "losses": []}
    cpu_start = None
    for i, (ids, mask, labels) in enumerate(batches):
        if i == spec["warmup"]:
            cpu_start = time.process_time()
        t0 = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = model(ids, mask, labels)
        loss.backward()
        t1 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        t2 = time.perf_counter()
        optimizer.step()
        t3 = time.perf_counter()
        if i < spec["warmup"]:
            continue
        out["stepSeconds"].append(t3 - t0)
        out["phases"]["forward+backward"] += t1 - t0
        out["phases"]["clip"] += t2 - t1
        out["phases"]["adamw"] += t3 - t2
        out["losses"].append(loss.item())
    out["cpuSeconds"] = time.process_time() - cpu_start if cpu_start is not None else 0.0
    out["peakRssMb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["parameters"] = sum(p.numel() for p in model.parameters())
    out["torch"] = torch.__version__
    print(json.dumps(out))


if __name__ == "__main__":
    main()
