#!/usr/bin/python3
"""PyTorch's side of deploy/benchmark (a measuring tool, never part of the build).

The same MiniLM-shaped classifier as Condense's StepBenchmark (6 layers, hidden 384, 12 heads, FFN 1536, vocabulary
30,522, mean pooling, 2 labels), eager mode, AdamW (lr 1e-5, weight decay 0.01) with gradient clipping at 1.0, timed
on the same two batches: 32 x 64 random token ids, and 32 sequences with the padded length and real lengths the Java
side printed for its SST-2 batch (token ids are random: speed does not depend on them). Weights are random too.

    deploy/reference/step_benchmark.py --threads 1 --repeats 5 --lengths 12,33,...
Needs Debian's python3-torch (and libopenblas0-pthread); run it with /usr/bin/python3.
"""
import argparse
import math
import os
import statistics
import time

import torch
from torch import nn


class Layer(nn.Module):
    def __init__(self, hidden, heads, ffn):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v = nn.Linear(hidden, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, hidden)
        self.o = nn.Linear(hidden, hidden)
        self.norm1 = nn.LayerNorm(hidden, eps=1e-12)
        self.ffn_in, self.ffn_out = nn.Linear(hidden, ffn), nn.Linear(ffn, hidden)
        self.norm2 = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x, key_bias):
        b, t, h = x.shape
        d = h // self.heads

        def split(y):
            return y.view(b, t, self.heads, d).transpose(1, 2)

        scores = split(self.q(x)) @ split(self.k(x)).transpose(-1, -2) / math.sqrt(d) + key_bias
        context = (scores.softmax(-1) @ split(self.v(x))).transpose(1, 2).reshape(b, t, h)
        x = self.norm1(x + self.o(context))
        return self.norm2(x + self.ffn_out(nn.functional.gelu(self.ffn_in(x))))


class Classifier(nn.Module):
    def __init__(self, vocab=30522, hidden=384, layers=6, heads=12, ffn=1536, positions=512, labels=2):
        super().__init__()
        self.word = nn.Embedding(vocab, hidden)
        self.position = nn.Embedding(positions, hidden)
        self.token_type = nn.Embedding(2, hidden)
        self.norm = nn.LayerNorm(hidden, eps=1e-12)
        self.layers = nn.ModuleList(Layer(hidden, heads, ffn) for _ in range(layers))
        self.head = nn.Linear(hidden, labels)

    def forward(self, ids, mask):
        t = ids.shape[1]
        x = self.norm(self.word(ids) + self.position.weight[:t] + self.token_type.weight[0])
        key_bias = ((1.0 - mask) * -1e4)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, key_bias)
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True)
        return self.head(pooled)


def batch(lengths, padded, generator):
    ids = torch.randint(1000, 21000, (len(lengths), padded), generator=generator)
    mask = torch.zeros(len(lengths), padded)
    for i, n in enumerate(lengths):
        mask[i, :n] = 1.0
    return ids, mask, torch.randint(0, 2, (len(lengths),), generator=generator)


def timed_ms(repeats, work):
    """The median of `repeats` timed runs after one warm-up run, as the Java side reports."""
    work()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--lengths", required=True, help="the SST-2 batch's real lengths, comma-separated")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    generator = torch.Generator().manual_seed(1)
    lengths = [int(n) for n in args.lengths.split(",")]
    batches = {"32x64": batch([64] * 32, 64, generator), "32xSST-2": batch(lengths, max(lengths), generator)}
    blas = os.path.realpath("/etc/alternatives/libblas.so.3-x86_64-linux-gnu")  # Debian's generic BLAS, resolved
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s), BLAS: {blas}")
    for name, (ids, mask, labels) in batches.items():
        model = Classifier()
        with torch.no_grad():
            model.eval()
            forward = timed_ms(args.repeats, lambda: model(ids, mask))
        print(f"PyTorch {name} forward{'':<26} {forward:8.1f} ms")
        model.train()
        for frozen in (False, True):
            model.word.weight.requires_grad_(not frozen)
            optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5,
                                          weight_decay=0.01)

            def step():
                optimizer.zero_grad(set_to_none=True)
                nn.functional.cross_entropy(model(ids, mask), labels).backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()

            label = f"PyTorch {name} train step" + (" (word embeddings frozen)" if frozen else "")
            print(f"{label:<48} {timed_ms(args.repeats, step):8.1f} ms")


if __name__ == "__main__":
    main()
