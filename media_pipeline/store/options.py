"""Validation of draft options: task settings merged over queue defaults, plus title/description/product.

Options are one flat JSON object: ``TaskSettings`` fields (camelCase or snake_case keys) and the per-task
fields ``title``, ``description`` and ``product``. Errors are reported per field and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
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

    def columns(self) -> dict[str, Any]:
        """The values by column name (a shallow copy; ``settings`` and ``product`` are this draft's own)."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


SettingsCache = dict[
    tuple[int, int],
    tuple[Mapping[str, Any], Mapping[str, Any], tuple[TaskSettings, dict[str, Any]] | ValidationError],
]
"""Merged settings of ``build_draft`` calls of one request, by the identity of their (base, partial)."""


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
    cache: SettingsCache | None = None,
) -> DraftValues:
    """Validate one task: ``settings_partial`` merged over ``base_settings``; raises ValidationFailed.

    ``task_fields`` holds title/description/product (title falls back to ``default_title``);
    ``error_context`` (e.g. ``{"taskId": ...}``) is added to every reported error. Calls sharing a
    ``cache`` (one request's) with the same ``base_settings`` and ``settings_partial`` objects validate
    the settings once.
    """
    context = dict(error_context or {})
    errors: list[dict[str, Any]] = []
    settings: TaskSettings | None = None
    settings_json: dict[str, Any] | None = None
    product: ProductInfo | None = None
    try:
        settings, settings_json = _merged_settings(base_settings, settings_partial, cache)
    except ValidationError as exc:
        errors.extend(field_errors(exc, **context))
    if task_fields.get("product") is not None:
        try:
            product = ProductInfo.model_validate(task_fields["product"])
        except ValidationError as exc:
            errors.extend(
                {**error, "field": f"product.{error['field']}"} for error in field_errors(exc, **context)
            )
    if errors or settings is None or settings_json is None:
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
        settings=_copy_json(settings_json),
        type=spec.settings.type,
        requires_approval=spec.settings.requires_approval,
    )


def _merged_settings(
    base_settings: Mapping[str, Any], settings_partial: Mapping[str, Any], cache: SettingsCache | None
) -> tuple[TaskSettings, dict[str, Any]]:
    """``settings_partial`` merged over ``base_settings``, validated, and its JSON form (shared: copy it
    before handing it out); raises ValidationError.

    With ``cache``, calls passing the very same two objects (one request's, not changed meanwhile) validate
    them once: keyed by identity, since hashing the content costs about as much as validating it. The
    entry keeps the objects alive, so their ids are not reused while the cache exists.
    """
    key = (id(base_settings), id(settings_partial))
    hit = None if cache is None else cache.get(key)
    if hit is not None:
        result = hit[2]
        if isinstance(result, ValidationError):
            raise result.with_traceback(None)
        return result
    try:
        settings = TaskSettings.model_validate(dict(base_settings)).merged(dict(settings_partial))
    except ValidationError as exc:
        if cache is not None:
            cache[key] = (base_settings, settings_partial, exc)
        raise
    merged = settings, settings.model_dump(mode="json", by_alias=True)
    if cache is not None:
        cache[key] = (base_settings, settings_partial, merged)
    return merged


def _copy_json(value: Any) -> Any:
    """A copy of a JSON value (dicts and lists copied, scalars shared)."""
    if isinstance(value, dict):
        return {key: _copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy_json(item) for item in value]
    return value
