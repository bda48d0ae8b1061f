"""PyTorch oracle for the task graphs (model/task-torch.test.ts): transformers' DistilBert/Bert/Roberta/
Electra/Albert/MPNet For{SequenceClassification,TokenClassification,QuestionAnswering,MaskedLM} in eval mode,
re-implemented in torch
(transformers is not installed here) from their modeling files, in float64. Reads on stdin a list of
{model_dir, family, task, num_labels, problem_type, head: {name: {shape, values}}, batch: {...}} and prints,
for each, the loss, the logits and d(loss)/d(parameter) under Hugging Face names (word embeddings: used
rows only). One process for every case: importing torch costs seconds."""
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss

torch.set_num_threads(1)


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", entry["dtype"]
        start, end = entry["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[start:end], dtype="<f4").astype(np.float64).reshape(entry["shape"]))
    return out


def relative_position_bucket(relative_position, num_buckets=32, max_distance=128):
    """transformers' MPNetEncoder.relative_position_bucket."""
    ret = 0
    n = -relative_position
    num_buckets //= 2
    ret += (n < 0).to(torch.long) * num_buckets
    n = torch.abs(n)
    max_exact = num_buckets // 2
    is_small = n < max_exact
    val_if_large = max_exact + (torch.log(n.float() / max_exact) / math.log(max_distance / max_exact) * (num_buckets - max_exact)).to(torch.long)
    val_if_large = torch.min(val_if_large, torch.full_like(val_if_large, num_buckets - 1))
    return ret + torch.where(is_small, n, val_if_large)


def run(req):
    family, task = req["family"], req["task"]
    config = json.load(open(req["model_dir"] + "/config.json"))
    prefix = family + "."
    P = {}
    for name, t in read_safetensors(req["model_dir"] + "/model.safetensors").items():
        # Base-model keys may come without the family prefix; head keys never have it.
        bare = name.startswith(("embeddings.", "encoder.", "pooler.", "transformer.", "embeddings_project."))
        P[prefix + name if bare else name] = t
    for name, values in req["head"].items():
        P[name] = torch.tensor(values["values"], dtype=torch.float64).view(values["shape"])
    for t in P.values():
        t.requires_grad_(True)

    b = req["batch"]
    B, T = b["batch_size"], b["seq_length"]
    ids = torch.tensor(b["input_ids"]).view(B, T)
    mask = torch.tensor(b["attention_mask"]).view(B, T)
    types = torch.tensor(b["token_type_ids"]).view(B, T)


    def lin(x, name):
        return F.linear(x, P[name + ".weight"], P[name + ".bias"])


    def ln(x, name, eps):
        return F.layer_norm(x, x.shape[-1:], P[name + ".weight"], P[name + ".bias"], eps)


    def gelu_new(x):  # transformers' NewGELUActivation
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


    act = gelu_new if config.get("hidden_act", "gelu_new" if family == "albert" else "gelu") == "gelu_new" else F.gelu


    def attention(x, names, heads, additive, position_bias=None):
        hidden = x.shape[-1]
        dh = hidden // heads
        split = lambda t: t.view(B, T, heads, dh).transpose(1, 2)
        q, k, v = (split(lin(x, n)) for n in names)
        scores = q @ k.transpose(-1, -2) / math.sqrt(dh)
        if position_bias is not None:  # MPNet: before the mask
            scores = scores + position_bias
        if additive:  # BERT: extended mask (1 - mask) * finfo.min added
            scores = scores + (1.0 - mask[:, None, None, :].double()) * torch.finfo(torch.float64).min
        else:  # DistilBERT: masked_fill with finfo.min
            scores = scores.masked_fill((mask == 0)[:, None, None, :], torch.finfo(torch.float64).min)
        probs = scores.softmax(-1)
        return (probs @ v).transpose(1, 2).reshape(B, T, hidden)


    if family == "distilbert":
        eps = 1e-12
        heads, layers = config["n_heads"], config["n_layers"]
        e = "distilbert.embeddings."
        x = P[e + "word_embeddings.weight"][ids] + P[e + "position_embeddings.weight"][:T][None]
        x = ln(x, e + "LayerNorm", eps)
        for i in range(layers):
            p = f"distilbert.transformer.layer.{i}."
            a = lin(attention(x, [p + "attention.q_lin", p + "attention.k_lin", p + "attention.v_lin"], heads, False), p + "attention.out_lin")
            x = ln(a + x, p + "sa_layer_norm", eps)
            x = ln(lin(F.gelu(lin(x, p + "ffn.lin1")), p + "ffn.lin2") + x, p + "output_layer_norm", eps)
    elif family == "mpnet":
        eps = config.get("layer_norm_eps", 1e-12)
        heads, layers = config["num_attention_heads"], config["num_hidden_layers"]
        e = "mpnet.embeddings."
        pad = config.get("pad_token_id", 1)
        real = ids.ne(pad).long()
        positions = torch.cumsum(real, dim=1) * real + pad
        x = ln(P[e + "word_embeddings.weight"][ids] + P[e + "position_embeddings.weight"][positions], e + "LayerNorm", eps)
        relative = torch.arange(T)[None, :] - torch.arange(T)[:, None]  # key - query
        bias = P["mpnet.encoder.relative_attention_bias.weight"][relative_position_bucket(relative)].permute(2, 0, 1)[None]
        for i in range(layers):
            p = f"mpnet.encoder.layer.{i}."
            s = p + "attention.attn."
            a = lin(attention(x, [s + "q", s + "k", s + "v"], heads, True, bias), s + "o")
            x = ln(a + x, p + "attention.LayerNorm", eps)
            x = ln(lin(act(lin(x, p + "intermediate.dense")), p + "output.dense") + x, p + "output.LayerNorm", eps)
    else:  # bert, roberta, electra, albert
        eps = config.get("layer_norm_eps", 1e-12)
        heads, layers = config["num_attention_heads"], config["num_hidden_layers"]
        e = family + ".embeddings."
        if family == "roberta":  # create_position_ids_from_input_ids
            pad = config.get("pad_token_id", 1)
            real = ids.ne(pad).long()
            positions = torch.cumsum(real, dim=1) * real + pad
        else:
            positions = torch.arange(T)[None].expand(B, T)
        x = P[e + "word_embeddings.weight"][ids] + P[e + "position_embeddings.weight"][positions] + P[e + "token_type_embeddings.weight"][types]
        x = ln(x, e + "LayerNorm", eps)
        if family == "electra" and "electra.embeddings_project.weight" in P:
            x = lin(x, "electra.embeddings_project")
        if family == "albert":
            x = lin(x, "albert.encoder.embedding_hidden_mapping_in")
        for i in range(layers):
            if family == "albert":  # one shared layer, applied `layers` times
                p = "albert.encoder.albert_layer_groups.0.albert_layers.0."
                a = lin(attention(x, [p + "attention.query", p + "attention.key", p + "attention.value"], heads, True), p + "attention.dense")
                x = ln(a + x, p + "attention.LayerNorm", eps)
                x = ln(lin(act(lin(x, p + "ffn")), p + "ffn_output") + x, p + "full_layer_layer_norm", eps)
                continue
            p = f"{family}.encoder.layer.{i}."
            s = p + "attention.self."
            a = lin(attention(x, [s + "query", s + "key", s + "value"], heads, True), p + "attention.output.dense")
            x = ln(a + x, p + "attention.output.LayerNorm", eps)
            x = ln(lin(act(lin(x, p + "intermediate.dense")), p + "output.dense") + x, p + "output.LayerNorm", eps)

    num_labels = req["num_labels"]
    if task == "sequence-classification":
        first = x[:, 0]
        if family == "distilbert":
            logits = lin(F.relu(lin(first, "pre_classifier")), "classifier")
        elif family in ("roberta", "mpnet"):  # RobertaClassificationHead, MPNetClassificationHead
            logits = lin(torch.tanh(lin(first, "classifier.dense")), "classifier.out_proj")
        elif family == "electra":  # ElectraClassificationHead
            logits = lin(F.gelu(lin(first, "classifier.dense")), "classifier.out_proj")
        elif family == "albert":  # pooler (tanh) -> classifier
            logits = lin(torch.tanh(lin(first, "albert.pooler")), "classifier")
        else:
            logits = lin(torch.tanh(lin(first, "bert.pooler.dense")), "classifier")
        problem = req["problem_type"]
        if problem == "regression":
            labels = torch.tensor(b["float_labels"], dtype=torch.float64)
            loss = MSELoss()(logits.squeeze(), labels.squeeze()) if num_labels == 1 else MSELoss()(logits, labels.view(B, num_labels))
        elif problem == "multi_label_classification":
            loss = BCEWithLogitsLoss()(logits, torch.tensor(b["float_labels"], dtype=torch.float64).view(B, num_labels))
        else:
            loss = CrossEntropyLoss()(logits.view(-1, num_labels), torch.tensor(b["labels"]).view(-1))
    elif task == "masked-lm":
        labels = torch.tensor(b["labels"]).view(-1)
        rows = x.reshape(B * T, -1)[labels != -100]
        dense, norm, bias, head_act = {
            "distilbert": ("vocab_transform", "vocab_layer_norm", "vocab_projector.bias", F.gelu),
            "bert": ("cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm", "cls.predictions.bias", act),
            "roberta": ("lm_head.dense", "lm_head.layer_norm", "lm_head.bias", F.gelu),
            "mpnet": ("lm_head.dense", "lm_head.layer_norm", "lm_head.bias", F.gelu),
            "electra": ("generator_predictions.dense", "generator_predictions.LayerNorm", "generator_lm_head.bias", F.gelu),
            "albert": ("predictions.dense", "predictions.LayerNorm", "predictions.bias", act),
        }[family]
        hidden = ln(head_act(lin(rows, dense)), norm, eps)
        logits = hidden @ P[family + ".embeddings.word_embeddings.weight"].t() + P[bias]  # the decoder tied to the word table
        loss = CrossEntropyLoss()(logits, labels[labels != -100])
    elif task == "token-classification":
        logits = lin(x, "classifier")
        loss = CrossEntropyLoss()(logits.view(-1, num_labels), torch.tensor(b["labels"]).view(-1))
    else:
        logits = lin(x, "qa_outputs")
        start_logits, end_logits = logits.split(1, dim=-1)
        start_logits, end_logits = start_logits.squeeze(-1).contiguous(), end_logits.squeeze(-1).contiguous()
        ignored_index = start_logits.size(1)
        sp = torch.tensor(b["start_positions"]).clamp(0, ignored_index)
        ep = torch.tensor(b["end_positions"]).clamp(0, ignored_index)
        loss_fct = CrossEntropyLoss(ignore_index=ignored_index)
        loss = (loss_fct(start_logits, sp) + loss_fct(end_logits, ep)) / 2

    loss.backward()
    used = sorted(set(ids.view(-1).tolist()))
    grads = {}
    for name, t in P.items():
        if t.grad is None:
            continue  # not part of this model (e.g. a pooler in the checkpoint of a token classifier)
        if name.endswith("word_embeddings.weight"):
            # Lookups reach the used rows only; masked LM's tied decoder reaches every row: those sampled
            # (every 97th, the used ones and the targets) keep the output small.
            rows = used if task != "masked-lm" else sorted(set(used) | set(range(0, t.shape[0], 97)) | set(b["labels"]) - {-100})
            grads[name] = {"rows": rows, "values": t.grad[rows].reshape(-1).tolist()}
        else:
            grads[name] = t.grad.reshape(-1).tolist()
    return {"loss": loss.item(), "logits": logits.detach().reshape(-1).tolist(), "grads": grads}


json.dump([run(r) for r in json.load(sys.stdin)], sys.stdout)
