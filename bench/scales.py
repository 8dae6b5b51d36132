"""The data set sizes the benchmark runs at (ten indicators and three engagements per situation)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    situations: int
    indicators_per_situation: int = 10
    engagements_per_situation: int = 3
    # Seconds the load client spends on each endpoint of the API measure.
    load_seconds: float = 8.0
    # How many times the fast measures are repeated (the median is kept).
    repeats: int = 3

    @property
    def indicators(self) -> int:
        return self.situations * self.indicators_per_situation

    @property
    def engagements(self) -> int:
        return self.situations * self.engagements_per_situation


SCALES = {
    # For the test suite: every measure runs, in seconds.
    "tiny": Scale("tiny", 50, load_seconds=1.0, repeats=1),
    "small": Scale("small", 1_000),
    "medium": Scale("medium", 10_000),
    "large": Scale("large", 100_000),
}
