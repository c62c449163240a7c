"""Counting with its uncertainty: shares with n, a minimum n, and Jeffreys intervals."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["jeffreys_interval", "Share"]


def jeffreys_interval(x: int, n: int, level: float = 0.90) -> tuple[float, float] | None:
    """Jeffreys interval for a binomial proportion ``x/n`` (None when ``n`` = 0): the central
    ``level`` range of Beta(x + 1/2, n - x + 1/2), with 0 and 1 as the ends when x = 0 or x = n
    (Brown, Cai & DasGupta 2001)."""
    if n <= 0:
        return None
    from scipy.special import betaincinv

    a = (1.0 - level) / 2.0
    lo = 0.0 if x == 0 else float(betaincinv(x + 0.5, n - x + 0.5, a))
    hi = 1.0 if x == n else float(betaincinv(x + 0.5, n - x + 0.5, 1.0 - a))
    return lo, hi


@dataclass(frozen=True)
class Share:
    """``x`` of ``n`` calls; a percentage is shown only from ``min_n`` calls on."""

    x: int
    n: int
    min_n: int = 5

    @property
    def value(self) -> float | None:
        return self.x / self.n if self.n else None

    @property
    def enough(self) -> bool:
        return self.n >= max(1, self.min_n)

    @property
    def interval(self) -> tuple[float, float] | None:
        return jeffreys_interval(self.x, self.n)
