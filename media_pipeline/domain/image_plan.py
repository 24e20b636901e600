"""What a generation's images are (seed 003 §6): one pure rule shared by the estimate and the image job.

A *role* is who or what an image shows (docs/ARCHITECTURE.md §8): a product video shows the ``product``
and its ``presenter``; any other video shows the scene's ``subject``. A task may name its own roles
(``roles``, e.g. ``GROOM``, ``BRIDE``). ``SINGLE`` makes every style × role combination; ``BATCH`` makes
exactly ``total_images``, distributed round-robin over the combinations in style-major order.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, NamedTuple

from pydantic import Field

Role = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[\w\- ]+$")]
"""A role name as options and requests accept it (letters, digits, ``_``, ``-``, spaces)."""
MAX_IMAGES = 30
"""The most images (= scenes) one generation may make."""
PRODUCT_ROLES = ("product", "presenter")
SUBJECT_ROLES = ("subject",)
ROLE_HINTS = {
    "product": "the product itself, clearly visible",
    "presenter": "a presenter showing the product",
    "subject": "the scene's subject",
}
"""How the provider prompt describes the built-in roles (other roles are named as they are)."""


class ImageMode(StrEnum):
    """How the number of images is decided: every style × role combination, or exactly a total."""

    SINGLE = "SINGLE"
    BATCH = "BATCH"


class PlannedImage(NamedTuple):
    """One image to make: its style and role."""

    style: str
    role: str


def default_roles(product: bool) -> tuple[str, ...]:
    """The roles of a video that names none: product and presenter for a product video, else the subject."""
    return PRODUCT_ROLES if product else SUBJECT_ROLES


def plan_images(
    mode: ImageMode | str, styles: Sequence[str], roles: Sequence[str], total_images: int | None
) -> list[PlannedImage]:
    """The images of a generation in order (seed 003 §6): ``SINGLE`` = styles × roles, ``BATCH`` = exactly
    ``total_images`` round-robin over the style × role combinations (style-major)."""
    combos = [PlannedImage(style, role) for style in styles for role in roles]
    if not combos:
        return []
    count = len(combos) if ImageMode(mode) is ImageMode.SINGLE else int(total_images or 0)
    return [combos[index % len(combos)] for index in range(count)]


def role_hint(role: str) -> str:
    """The provider prompt's description of ``role``."""
    return ROLE_HINTS.get(role, role)
