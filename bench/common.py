"""Shared pieces of the benchmark modules: options, result sections, statistics and table formatting."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
WORK_DIR = BENCH_DIR / ".work"
MB = 1024 * 1024


@dataclass(frozen=True)
class BenchOptions:
    """What every benchmark module gets from :mod:`bench.run_all`."""

    runs: int = 3
    quick: bool = False
    work_dir: Path = WORK_DIR


@dataclass
class Section:
    """One benchmark's results: a markdown block for the README and JSON-ready data."""

    title: str
    markdown: str
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_any(cls, key: str, value: Any) -> Section:
        """A Section from a Section or from a dict with ``title``, ``markdown`` and ``data`` keys."""
        if isinstance(value, Section):
            return value
        if isinstance(value, dict):
            return cls(
                title=str(value.get("title", key)),
                markdown=str(value.get("markdown", "")),
                data=dict(value.get("data", {})),
            )
        return cls(title=key, markdown=f"```\n{value}\n```")


def median(values: Iterable[float | None]) -> float | None:
    """Median of the non-None values, or None when there are none."""
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def spread(values: Iterable[float | None]) -> tuple[float, float] | None:
    """(min, max) of the non-None values, or None."""
    present = [v for v in values if v is not None]
    return (min(present), max(present)) if present else None


def fmt(value: float | None, digits: int = 1, unit: str = "") -> str:
    """``value`` rounded for a table cell; ``–`` when missing."""
    if value is None:
        return "–"
    return f"{value:.{digits}f}{unit}"


def fmt_range(values: Sequence[float | None], digits: int = 1) -> str:
    """``median [min–max]`` of several runs (just the value for one run)."""
    mid = median(values)
    bounds = spread(values)
    if mid is None or bounds is None:
        return "–"
    if len([v for v in values if v is not None]) < 2:
        return fmt(mid, digits)
    return f"{fmt(mid, digits)} [{fmt(bounds[0], digits)}–{fmt(bounds[1], digits)}]"


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator`` or None when either is missing or the denominator is zero."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A GitHub markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def target_line(label: str, value: float | None, limit: float, *, at_least: bool, unit: str = "×") -> str:
    """``- label: value (target ≥/≤ limit) — met/missed`` for the results block."""
    if value is None:
        return f"- {label}: not measured (target {'≥' if at_least else '≤'} {limit:g}{unit})"
    met = value >= limit if at_least else value <= limit
    sign = "≥" if at_least else "≤"
    return f"- {label}: **{value:.2f}{unit}** (target {sign} {limit:g}{unit}) — {'met' if met else 'MISSED'}"
