"""A video's script: its id and its review status (seed 002 §9: only approved scripts render)."""

from __future__ import annotations

from datetime import datetime

from media_pipeline.domain.statuses import ScriptReview


def script_id(task_id: str) -> str:
    """The id of the video's script (one per video; each render job renders it)."""
    return f"{task_id}-script"


def script_review(
    requires_approval: bool, approved_at: datetime | None, rejected_at: datetime | None
) -> ScriptReview:
    """The review status: approved by policy unless the task requires approval, else as reviewed."""
    if rejected_at is not None:
        return ScriptReview.REJECTED
    if not requires_approval or approved_at is not None:
        return ScriptReview.APPROVED
    return ScriptReview.DRAFT
