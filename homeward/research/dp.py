"""Differentially private counts with OpenDP. The privacy unit is the person: each person contributes one
record (their most recent case in the dataset), so adding or removing one person changes a table of counts by
at most 1 in one cell, or by at most one per category for a field a person may have several values of
(types of exploitation): that bound is the sensitivity given to OpenDP."""

from __future__ import annotations

import math
from dataclasses import dataclass

import opendp.prelude as dp

dp.enable_features("contrib")


@dataclass
class NoisyCounts:
    counts: list[int]  # noisy, rounded, never below zero (post-processing does not weaken the guarantee)
    epsilon: float  # what OpenDP says this release costs
    scale: float  # of the discrete Laplace noise
    sensitivity: int
    error95: int  # 95% of counts are within this many of the true count


def noisy_counts(true_counts: list[int], *, epsilon: float, sensitivity: int) -> NoisyCounts:
    """Add discrete Laplace noise calibrated so that the whole vector of counts costs at most ``epsilon``."""
    if epsilon <= 0:
        raise ValueError("epsilon must be positive")
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int)
    scale = dp.binary_search_param(
        lambda s: dp.m.make_laplace(*space, scale=s), d_in=sensitivity, d_out=epsilon, T=float
    )
    measurement = dp.m.make_laplace(*space, scale=scale)
    spent = float(measurement.map(d_in=sensitivity))
    noisy = measurement([int(c) for c in true_counts])
    counts = [max(int(v), 0) for v in noisy]
    # P(|noise| > t) is about exp(-t / scale) for the discrete Laplace distribution.
    error95 = math.ceil(scale * math.log(20)) if scale > 0 else 0
    return NoisyCounts(counts=counts, epsilon=spent, scale=scale, sensitivity=sensitivity, error95=error95)


def mean_absolute_error(scale: float) -> float:
    """The expected absolute error of one count (the mean of |noise| for the discrete Laplace)."""
    q = math.exp(-1 / scale) if scale > 0 else 0.0
    return float(2 * q / (1 - q * q)) if q else 0.0
