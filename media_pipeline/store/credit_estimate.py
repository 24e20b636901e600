"""What a generation makes and costs before it is queued (seed 003 §6): the estimate endpoint."""

from __future__ import annotations

from collections.abc import Sequence

from media_pipeline.domain import MediaMode
from media_pipeline.domain.image_plan import ImageMode, plan_images
from media_pipeline.store.credits import Pricing
from media_pipeline.store.views import EstimateView


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def estimate(
    mode: ImageMode | str,
    media_mode: MediaMode,
    styles: Sequence[str],
    roles: Sequence[str],
    total_images: int | None,
    pricing: Pricing,
) -> EstimateView:
    """What a generation makes and costs (seed 003 §6): ``SINGLE`` makes every style × role combination,
    ``BATCH`` exactly ``total_images``, distributed round-robin over the combinations; the same plan as the
    image job's (``domain.image_plan``)."""
    mode = ImageMode(mode)
    plan = [planned._asdict() for planned in plan_images(mode, styles, roles, total_images)]
    count = len(plan)
    price = pricing.price(media_mode)
    credits = price * count
    shape = f"{_plural(len(styles), 'style')} × {_plural(len(roles), 'role')}"
    summary = (
        f"{shape} = {_plural(count, 'image')} · {_plural(credits, 'credit')}"
        if mode is ImageMode.SINGLE
        else f"{_plural(count, 'image')} round-robin over {shape} · {_plural(credits, 'credit')}"
    )
    return EstimateView(
        mode=mode.value,
        media_mode=media_mode.value,
        styles=len(styles),
        roles=len(roles),
        images=count,
        price_per_image=price,
        credits=credits,
        summary=summary,
        plan=plan,
    )
