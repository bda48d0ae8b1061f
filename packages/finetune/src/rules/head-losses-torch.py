"""PyTorch oracle for the head losses (rules/head-losses-torch.test.ts): reads cases as JSON on stdin,
prints each loss and its gradient with respect to the logits, computed in float64 exactly as
transformers' heads call torch.nn (CrossEntropyLoss, BCEWithLogitsLoss, MSELoss, the QA clamp)."""
import json
import sys

import torch
from torch.nn import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss

torch.set_num_threads(1)
out = []
for case in json.load(sys.stdin):
    kind = case["kind"]
    shape = case["shape"]
    logits = torch.tensor(case["logits"], dtype=torch.float64).reshape(shape).requires_grad_(True)
    if kind == "cross-entropy":  # token classification: logits.view(-1, num_labels), labels.view(-1)
        loss = CrossEntropyLoss()(logits.view(-1, shape[-1]), torch.tensor(case["labels"]).view(-1))
    elif kind == "bce":  # multi_label_classification
        loss = BCEWithLogitsLoss()(logits, torch.tensor(case["targets"], dtype=torch.float64).reshape(shape))
    elif kind == "mse":  # regression
        targets = torch.tensor(case["targets"], dtype=torch.float64)
        if shape[-1] == 1:
            loss = MSELoss()(logits.squeeze(), targets.squeeze())
        else:
            loss = MSELoss()(logits, targets.reshape(shape))
    elif kind == "span":  # *ForQuestionAnswering: logits [B, T, 2]
        start_logits, end_logits = logits.split(1, dim=-1)
        start_logits = start_logits.squeeze(-1).contiguous()
        end_logits = end_logits.squeeze(-1).contiguous()
        start_positions = torch.tensor(case["starts"])
        end_positions = torch.tensor(case["ends"])
        ignored_index = start_logits.size(1)
        start_positions = start_positions.clamp(0, ignored_index)
        end_positions = end_positions.clamp(0, ignored_index)
        loss_fct = CrossEntropyLoss(ignore_index=ignored_index)
        loss = (loss_fct(start_logits, start_positions) + loss_fct(end_logits, end_positions)) / 2
    else:
        raise SystemExit(f"unknown case {kind}")
    loss.backward()
    out.append({"loss": loss.item(), "grad": logits.grad.reshape(-1).tolist()})
json.dump(out, sys.stdout)
