"""Fitting measured sentence lengths to a target: drops, pauses, holds and the tolerance rule."""

from __future__ import annotations

import pytest

from media_pipeline.media.fit import MAX_PAUSE_S, MIN_PAUSE_S, duration_tolerance, fit_to_target


def _total(lengths: list[list[float]], plan, min_scene_s: float = 0.0) -> float:
    return sum(
        max(min_scene_s, sum(lengths[s][i] + plan.pause_s for i in kept)) + hold
        for s, (kept, hold) in enumerate(zip(plan.kept, plan.hold_s, strict=True))
    )


def test_tolerance_rule() -> None:
    assert duration_tolerance(12) == 2.0
    assert duration_tolerance(19.9) == 2.0
    assert duration_tolerance(30) == pytest.approx(3.0)
    assert duration_tolerance(60) == pytest.approx(6.0)


def test_without_target_everything_is_kept() -> None:
    plan = fit_to_target([[1.0, 2.0], [3.0]], None, pause_s=0.25, min_scene_s=2.0)
    assert (plan.kept, plan.pause_s, plan.hold_s) == ([[0, 1], [0]], 0.25, [0.0, 0.0])


def test_too_long_drops_sentences_but_keeps_each_scene_lead() -> None:
    lengths = [[2.0, 3.0, 3.0], [2.0, 4.0], [2.0, 2.5]]  # 18.5 s + pauses
    plan = fit_to_target(lengths, 10.0, pause_s=0.25, min_scene_s=0.0)
    assert all(kept[0] == 0 for kept in plan.kept)  # every scene keeps its first sentence
    assert plan.overrun_s == 0
    assert abs(_total(lengths, plan) - 10.0) < 0.01


def test_overrun_when_nothing_is_left_to_drop() -> None:
    plan = fit_to_target([[4.0, 1.0], [4.0]], 6.0, pause_s=0.25, min_scene_s=0.0)
    assert plan.kept == [[0], [0]]
    assert plan.pause_s == MIN_PAUSE_S
    assert plan.overrun_s == pytest.approx(2.2)


def test_slight_overrun_is_absorbed_by_shorter_pauses() -> None:
    plan = fit_to_target([[2.0], [2.0]], 4.3, pause_s=0.25, min_scene_s=0.0)
    assert plan.overrun_s == 0 and plan.pause_s == pytest.approx(0.15, abs=1e-6)


def test_too_short_stretches_pauses_then_holds() -> None:
    lengths = [[1.0, 1.0], [1.0]]
    slightly = fit_to_target(lengths, 4.5, pause_s=0.25, min_scene_s=0.0)
    assert 0.25 < slightly.pause_s < MAX_PAUSE_S and slightly.hold_s == [0.0, 0.0]
    assert _total(lengths, slightly) == pytest.approx(4.5, abs=1e-6)
    far = fit_to_target(lengths, 12.0, pause_s=0.25, min_scene_s=0.0)
    assert far.pause_s == MAX_PAUSE_S and far.hold_s[0] == far.hold_s[1] > 0
    assert _total(lengths, far) == pytest.approx(12.0, abs=1e-6)


def test_min_scene_padding_counts() -> None:
    lengths = [[0.5], [0.5], [0.5]]
    plan = fit_to_target(lengths, 7.0, pause_s=0.25, min_scene_s=2.0)
    assert _total(lengths, plan, 2.0) == pytest.approx(7.0, abs=1e-6)
