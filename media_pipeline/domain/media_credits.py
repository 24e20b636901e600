"""Where each scene's clip came from (``media_credits.json``): author, page and licence of a stock clip,
or why a scene fell back to its still (docs/ARCHITECTURE.md §8, "Clips as scene media")."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ClipCredit(BaseModel):
    """One scene's clip: its source and licence, or ``error`` when the scene kept its still."""

    model_config = ConfigDict(frozen=True)

    scene: int
    provider: str = ""
    author: str = ""
    author_url: str = ""
    page_url: str = ""
    licence: str = ""
    attribution_asked: bool = False
    """The licence or the provider's guidelines ask for a credit line in the video description."""
    error: str = ""

    def credit_line(self) -> str:
        """``Video by <author> on <provider>: <page>``."""
        return f"Video by {self.author or 'unknown'} on {self.provider}: {self.page_url}".strip()


class MediaCredits(BaseModel):
    """The clips of one task, in scene order."""

    clips: list[ClipCredit] = []

    def description_lines(self) -> list[str]:
        """Credit lines for the video description: the used clips whose licence asks for one."""
        return [clip.credit_line() for clip in self.clips if clip.attribution_asked and not clip.error]
