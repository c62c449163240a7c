"""callcheck.intervals: invariants on random interval sets (seeded), and the cases the pipeline relies on."""

from __future__ import annotations

import numpy as np
import pytest

from callcheck import intervals as iv
from callcheck.dsp.timebase import HOP_S
from callcheck.types import Interval as I

RNG = np.random.default_rng(20240917)
DUR = 20.0


def _random_set(n_max=12, *, grid=False):
    """Unsorted, overlapping, touching and empty intervals inside [0, DUR]."""
    out = []
    for _ in range(int(RNG.integers(0, n_max))):
        a = float(RNG.uniform(0, DUR))
        d = float(RNG.choice([0.0, RNG.uniform(0, 0.3), RNG.uniform(0, 4.0)]))
        b = min(DUR, a + d)
        if grid:
            a, b = round(a / HOP_S) * HOP_S, round(b / HOP_S) * HOP_S
        out.append(I(a, b))
    if out and RNG.random() < 0.3:  # a touching neighbour
        out.append(I(out[0].end_s, min(DUR, out[0].end_s + 1.0)))
    return out


def _normal(xs):
    """sorted, disjoint, not touching, no empty interval"""
    return all(x.end_s > x.start_s for x in xs) and all(a.end_s < b.start_s for a, b in zip(xs, xs[1:]))


def _covered(xs, t):
    return any(x.start_s <= t < x.end_s for x in xs)


def _probe_times(*sets):
    edges = sorted({e for s in sets for x in s for e in (x.start_s, x.end_s)} | {0.0, DUR})
    mids = [0.5 * (a + b) for a, b in zip(edges, edges[1:])]
    return mids + list(RNG.uniform(0, DUR, 50))


@pytest.mark.parametrize("trial", range(60))
def test_set_operations_are_normal_and_pointwise_right(trial):
    a, b = _random_set(), _random_set()
    m, sub, inter = iv.merge(a), iv.subtract(a, b), iv.intersect(a, b)
    comp = iv.complement(a, start_s=0.0, end_s=DUR)
    for res in (m, sub, inter, comp, iv.clip(a, 2.0, 7.0), iv.erode(a, 0.1)):
        assert _normal(res), res
        assert all(0.0 <= x.start_s and x.end_s <= DUR for x in res)
    for t in _probe_times(a, b):
        in_a, in_b = _covered(a, t), _covered(b, t)
        assert _covered(m, t) == in_a
        assert _covered(sub, t) == (in_a and not in_b)
        assert _covered(inter, t) == (in_a and in_b)
        assert _covered(comp, t) == (not in_a)
        assert _covered(iv.clip(a, 2.0, 7.0), t) == (in_a and 2.0 <= t < 7.0)
    # subtract and intersect partition merge(a); complement and merge(a) partition [0, DUR]
    assert iv.total_s(sub) + iv.total_s(inter) == pytest.approx(iv.total_s(a), abs=1e-9)
    assert iv.total_s(comp) + iv.total_s(a) == pytest.approx(DUR, abs=1e-9)
    assert iv.merge(sub + inter) == m
    assert iv.total_s(a) == pytest.approx(sum(x.duration_s for x in m), abs=1e-12)
    assert iv.merge(m) == m  # idempotent


@pytest.mark.parametrize("trial", range(30))
def test_mask_round_trip_on_the_grid(trial):
    a = iv.merge(_random_set(grid=True))
    a = tuple(x for x in a if x.end_s - x.start_s > HOP_S / 2)
    n = int(round(DUR / HOP_S)) + 1
    mask = iv.to_mask(a, n)
    back = iv.from_mask(mask, ndigits=3)
    assert back == tuple(I(round(x.start_s, 3), round(x.end_s, 3)) for x in a)
    np.testing.assert_array_equal(iv.to_mask(back, n), mask)
    assert mask.sum() * HOP_S == pytest.approx(iv.total_s(a), abs=1e-6)


def test_merge_gap_and_erode_and_min_piece():
    a = [I(3.0, 4.0), I(0.0, 1.0), I(1.2, 2.0), I(2.0, 2.0)]
    assert iv.merge(a) == (I(0.0, 1.0), I(1.2, 2.0), I(3.0, 4.0))
    assert iv.merge(a, max_gap_s=0.25) == (I(0.0, 2.0), I(3.0, 4.0))
    assert iv.erode([I(0.0, 1.0), I(2.0, 2.25)], 0.1, min_s=0.1) == (I(0.1, 0.9),)  # 0.25 s is not > 0.3 s
    b = [I(0.5, 1.0), I(1.98, 3.5)]
    x = [I(0.0, 2.0), I(3.0, 4.0)]
    # the pipeline's solo speech: pieces shorter than min_s dropped
    assert iv.subtract(x, b, min_s=0.05) == (I(0.0, 0.5), I(1.0, 1.98), I(3.5, 4.0))
    assert iv.subtract(x, [I(1.97, 2.5)], min_s=0.05) == (I(0.0, 1.97), I(3.0, 4.0))
    assert iv.subtract(x, [I(0.0, 1.99)], min_s=0.05) == (I(3.0, 4.0),)  # a 0.01 s crumb is dropped
    assert iv.subtract(x, [], min_s=0.05) == tuple(x)
    assert iv.subtract(x, [I(1.0, 1.5), I(1.4, 3.2)]) == (I(0.0, 1.0), I(3.2, 4.0))  # overlapping b
    assert iv.complement([I(1.0, 2.0), I(2.0, 3.0)], start_s=0.0, end_s=4.0) == (I(0.0, 1.0), I(3.0, 4.0))
    assert iv.complement([], start_s=0.0, end_s=4.0) == (I(0.0, 4.0),)
    assert iv.runs(np.array([0, 0, 1, -1, -1])) == [(0, 0, 2), (1, 2, 3), (-1, 3, 5)]
    assert iv.runs(np.array([], dtype=int)) == []
    assert iv.from_mask(np.array([False, True, True, False, True]), frame_s=0.032) == (I(0.032, 0.096), I(0.128, 0.16))
