"""Validation of draft options: task settings merged over queue defaults, plus title/description/product.

Options are one flat JSON object: ``TaskSettings`` fields (camelCase or snake_case keys) and the per-task
fields ``title``, ``description`` and ``product``. Errors are reported per field and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from media_pipeline.domain.models import ProductInfo, TaskSettings, TaskSpec, VideoType
from media_pipeline.store.errors import ValidationFailed

TASK_FIELDS = ("title", "description", "product")
"""Option keys stored on the task row itself rather than in its settings."""

_ALIASES = {name: field.alias for name, field in TaskSettings.model_fields.items() if field.alias}


@dataclass(frozen=True)
class DraftValues:
    """Validated column values of one task."""

    title: str
    description: str
    product: dict[str, Any] | None
    settings: dict[str, Any]
    type: VideoType
    requires_approval: bool


def field_errors(exc: ValidationError, **extra: Any) -> list[dict[str, Any]]:
    """``[{"field", "message", "type", **extra}]`` from a pydantic error (field paths dotted)."""
    return [
        {
            "field": ".".join(str(part) for part in error["loc"]) or "options",
            "message": error["msg"],
            "type": error["type"],
            **extra,
        }
        for error in exc.errors(include_url=False)
    ]


def split_options(options: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(task_fields, settings_partial)``; settings keys normalized to their camelCase aliases."""
    task_fields: dict[str, Any] = {}
    settings: dict[str, Any] = {}
    for key, value in (options or {}).items():
        if key in TASK_FIELDS:
            task_fields[key] = value
        else:
            settings[_ALIASES.get(key, key)] = value
    return task_fields, settings


def validate_defaults(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """Queue default options normalized (only settings keys allowed, values canonical JSON)."""
    task_fields, partial = split_options(options)
    errors = [
        {"field": key, "message": "not allowed in queue defaults", "type": "extra_forbidden"}
        for key in task_fields
    ]
    try:
        model = TaskSettings().merged(partial)
    except ValidationError as exc:
        errors.extend(field_errors(exc))
    if errors:
        raise ValidationFailed("invalid default options", {"errors": errors})
    dumped = model.model_dump(mode="json", by_alias=True)
    return {key: dumped[key] for key in partial}


def build_draft(
    task_id: str,
    base_settings: Mapping[str, Any],
    task_fields: Mapping[str, Any],
    settings_partial: Mapping[str, Any],
    *,
    default_title: str,
    error_context: Mapping[str, Any] | None = None,
) -> DraftValues:
    """Validate one task: ``settings_partial`` merged over ``base_settings``; raises ValidationFailed.

    ``task_fields`` holds title/description/product (title falls back to ``default_title``);
    ``error_context`` (e.g. ``{"taskId": ...}``) is added to every reported error.
    """
    context = dict(error_context or {})
    errors: list[dict[str, Any]] = []
    settings: TaskSettings | None = None
    product: ProductInfo | None = None
    try:
        settings = TaskSettings.model_validate(dict(base_settings)).merged(dict(settings_partial))
    except ValidationError as exc:
        errors.extend(field_errors(exc, **context))
    if task_fields.get("product") is not None:
        try:
            product = ProductInfo.model_validate(task_fields["product"])
        except ValidationError as exc:
            errors.extend(
                {**error, "field": f"product.{error['field']}"} for error in field_errors(exc, **context)
            )
    if errors or settings is None:
        raise ValidationFailed("invalid options", {"errors": errors})
    title = task_fields.get("title")
    try:
        spec = TaskSpec(
            task_id=task_id,
            title=default_title[:100] if title is None else title,
            settings=settings,
            product=product,
            description=task_fields.get("description") or "",
        )
    except ValidationError as exc:
        raise ValidationFailed("invalid options", {"errors": field_errors(exc, **context)}) from exc
    return DraftValues(
        title=spec.title,
        description=spec.description,
        product=None if spec.product is None else spec.product.model_dump(mode="json"),
        settings=spec.settings.model_dump(mode="json", by_alias=True),
        type=spec.settings.type,
        requires_approval=spec.settings.requires_approval,
    )
