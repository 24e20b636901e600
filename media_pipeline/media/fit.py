"""Fitting narration to a target duration from MEASURED sentence lengths: drop optional sentences while
the track is too long, then stretch the pauses between sentences, then hold scenes a little longer."""

from __future__ import annotations

from dataclasses import dataclass

MIN_PAUSE_S = 0.1
MAX_PAUSE_S = 0.9
SHORT_TARGET_S = 20.0
SHORT_TOLERANCE_S = 2.0
TOLERANCE = 0.10
HOLD_EPSILON_S = 0.001


def duration_tolerance(target_s: float) -> float:
    """Allowed deviation from the target: ±2 s under 20 s, else ±10 %."""
    return SHORT_TOLERANCE_S if target_s < SHORT_TARGET_S else TOLERANCE * target_s


@dataclass(frozen=True)
class FitPlan:
    """Which sentences of each scene are spoken, the pause after each sentence and extra hold per scene."""

    kept: list[list[int]]
    pause_s: float
    hold_s: list[float]
    overrun_s: float = 0.0
    """How far the planned track still exceeds the target (nothing left to drop)."""


def _scene_length(lengths: list[float], kept: list[int], pause_s: float, min_scene_s: float) -> float:
    return max(min_scene_s, sum(lengths[i] + pause_s for i in kept))


def _total(lengths: list[list[float]], kept: list[list[int]], pause_s: float, min_scene_s: float) -> float:
    return sum(_scene_length(s, k, pause_s, min_scene_s) for s, k in zip(lengths, kept, strict=True))


def _removable(kept: list[list[int]]) -> list[tuple[int, int]]:
    """(scene, sentence) pairs that may be dropped: any but a scene's first sentence."""
    return [(scene, i) for scene, indexes in enumerate(kept) for i in indexes[1:]]


def _drop_to_fit(
    lengths: list[list[float]], target_s: float, pause_s: float, min_scene_s: float
) -> list[list[int]]:
    kept = [list(range(len(scene))) for scene in lengths]
    while True:
        current = abs(_total(lengths, kept, pause_s, min_scene_s) - target_s)
        best: tuple[float, list[list[int]]] | None = None
        for scene, index in _removable(kept):
            trial = [list(k) for k in kept]
            trial[scene].remove(index)
            error = abs(_total(lengths, trial, pause_s, min_scene_s) - target_s)
            if error < current and (best is None or error < best[0]):
                best = (error, trial)
        if best is None:
            return kept
        kept = best[1]


def _pause_for(
    lengths: list[list[float]], kept: list[list[int]], target_s: float, min_scene_s: float
) -> float:
    """The longest pause in [MIN_PAUSE_S, MAX_PAUSE_S] keeping the total at or below the target
    (bisection; MIN_PAUSE_S when even that is too long)."""
    if _total(lengths, kept, MAX_PAUSE_S, min_scene_s) <= target_s:
        return MAX_PAUSE_S
    if _total(lengths, kept, MIN_PAUSE_S, min_scene_s) >= target_s:
        return MIN_PAUSE_S
    low, high = MIN_PAUSE_S, MAX_PAUSE_S
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (
            (middle, high) if _total(lengths, kept, middle, min_scene_s) <= target_s else (low, middle)
        )
    return low


def fit_to_target(
    lengths: list[list[float]], target_s: float | None, *, pause_s: float, min_scene_s: float
) -> FitPlan:
    """Plan for sentence ``lengths`` (seconds, per scene) so the track lasts ``target_s`` where possible.

    Without a target everything is kept with ``pause_s`` pauses. Too long: sentences are dropped (never a
    scene's first) while that brings the total closer to the target; what still remains over the target
    is ``overrun_s`` after the pauses shrink to ``MIN_PAUSE_S``. Too short: pauses grow up to
    ``MAX_PAUSE_S``, and the rest is spread over the scenes as extra hold time.
    """
    if target_s is None:
        return FitPlan([list(range(len(s))) for s in lengths], pause_s, [0.0] * len(lengths))
    kept = _drop_to_fit(lengths, target_s, pause_s, min_scene_s)
    pause = _pause_for(lengths, kept, target_s, min_scene_s)
    overrun = _total(lengths, kept, pause, min_scene_s) - target_s
    if overrun > HOLD_EPSILON_S:
        return FitPlan(kept, pause, [0.0] * len(lengths), overrun)
    shortfall = target_s - _total(lengths, kept, pause, min_scene_s)
    shortfall = shortfall if shortfall > HOLD_EPSILON_S else 0.0  # bisection leaves sub-ms remainders
    return FitPlan(kept, pause, [shortfall / len(lengths)] * len(lengths))
