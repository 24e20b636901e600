"""Request and response bodies of the library routes (``/api/library``; camelCase JSON)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, HttpUrl

from media_pipeline.api.schemas import _CAMEL, ApiModel, UtcTimes
from media_pipeline.domain.library import MAX_SOURCE_URLS, LibraryFields, LibraryProduct
from media_pipeline.domain.models import VideoType
from media_pipeline.store import LibraryItemView, LibraryTaskView, ThumbnailRef

CoverKind = Literal["upload", "thumbnail", "placeholder"]


class LibraryTask(UtcTimes, LibraryTaskView):
    """A task made from the item (its history)."""

    model_config = _CAMEL


class Thumbnail(ThumbnailRef):
    """The latest produced thumbnail of a task made from the item."""

    model_config = _CAMEL


class LibraryFile(ApiModel):
    """An uploaded image or clip of the item (sanitized name, MIME type sniffed from its bytes)."""

    name: str
    mime: str
    size: int
    url: str = Field(description="Downloads the file (bearer token or download token).")


class CoverPlaceholder(ApiModel):
    """What the generated placeholder cover shows: a client draws it itself instead of downloading it."""

    letter: str = Field(description="The title's first character, upper-cased (``?`` for none), in white.")
    color: str = Field(description="The background colour (``#rrggbb``), chosen from the item id.")


class LibraryItem(UtcTimes, LibraryItemView):
    """A library item: what a video is made from, its files, cover and the tasks made from it."""

    model_config = _CAMEL
    history: list[LibraryTask] = Field(default_factory=list)  # type: ignore[assignment]
    thumbnail: Thumbnail | None = None
    files: list[LibraryFile] = Field(default_factory=list)
    cover: CoverKind = Field(
        default="placeholder",
        description="Where ``coverUrl`` comes from: the first uploaded image, else the latest produced "
        "thumbnail, else a generated placeholder.",
    )
    cover_url: str = ""
    placeholder: CoverPlaceholder = Field(
        description="The generated placeholder cover, drawn from these two: when ``cover`` is "
        "``placeholder`` the console draws it without downloading ``coverUrl`` (docs/ARCHITECTURE.md §7)."
    )


class LibraryItemBody(LibraryFields):
    """A new library item."""


class LibraryItemPatch(ApiModel):
    """Changed fields of a library item (the result is validated as a whole)."""

    title: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    type: VideoType | None = None
    product: LibraryProduct | None = None
    source_urls: Annotated[list[HttpUrl], Field(max_length=MAX_SOURCE_URLS)] | None = None
