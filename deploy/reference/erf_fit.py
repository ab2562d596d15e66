#!/usr/bin/python3
"""Fits the rational erf that GeluKernel evaluates in float (a measuring tool, never a dependency of Condense).

erf(z) ~ z * P(t) / Q(t), t = (z/4)^2, 0 <= z <= 4, P and Q of degree 5 with Q(0) = 1: linearised least squares
(Sanathanan-Koerner: divide each row by the previous Q), then Lawson reweighting towards the minimax error; the
best fit seen is kept. Prints the coefficients and the largest error in double and evaluated in float32 (numpy).
    /usr/bin/python3 deploy/reference/erf_fit.py
"""
from math import erf

import numpy as np

RANGE = 4.0
DEGREE = 5


def fit(z, f):
    t = (z / RANGE) ** 2
    weights = np.ones_like(z)
    previous_q = np.ones_like(z)
    best = None
    for iteration in range(60):
        rows = np.hstack([z[:, None] * t[:, None] ** np.arange(DEGREE + 1),
                          -(f[:, None] * t[:, None] ** np.arange(1, DEGREE + 1))])
        scale = weights / previous_q
        solution, *_ = np.linalg.lstsq(rows * scale[:, None], f * scale, rcond=None)
        p = solution[:DEGREE + 1]
        q = np.concatenate([[1.0], solution[DEGREE + 1:]])
        previous_q = np.polyval(q[::-1], t)
        residual = z * np.polyval(p[::-1], t) / previous_q - f
        error = np.abs(residual).max()
        if best is None or error < best[0]:
            best = (error, p, q)
        if iteration >= 10:
            weights = weights * (np.abs(residual) / error + 1e-3) ** 0.3
            weights /= weights.max()
    return best


def in_float(p, q, z):
    z = z.astype(np.float32)
    t = ((z / np.float32(RANGE)) ** 2).astype(np.float32)
    num = np.zeros_like(t)
    den = np.zeros_like(t)
    for c in p[::-1].astype(np.float32):
        num = (num * t + c).astype(np.float32)
    for c in q[::-1].astype(np.float32):
        den = (den * t + c).astype(np.float32)
    return (z * num / den).astype(np.float32)


def main():
    nodes = np.concatenate([(np.cos(np.linspace(0, np.pi, 6000)) + 1) * RANGE / 2, np.linspace(0, RANGE, 6000)])
    error, p, q = fit(nodes, np.array([erf(v) for v in nodes]))
    grid = np.linspace(0, RANGE, 400001)
    exact = np.array([erf(v) for v in grid])
    print("P:", ", ".join("%.9e" % c for c in p))
    print("Q:", ", ".join("%.9e" % c for c in q))
    print("max error: %.3g in double, %.3g in float32" % (error, np.abs(in_float(p, q, grid) - exact).max()))


if __name__ == "__main__":
    main()
