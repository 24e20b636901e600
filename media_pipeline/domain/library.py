"""What a library item holds (seed 000's asset): the fields a creator fills in for a video to be made.

A library item becomes a draft through the queue (docs/ARCHITECTURE.md §3): its title, type, product fields,
source URLs (mediaMode ``crawl``) and uploaded images (mediaMode ``upload``) are the draft's.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from media_pipeline.domain.models import VideoType

LIBRARY_ID_PATTERN = r"^lib[0-9a-f]{12}$"
"""Library item ids (``lib`` + 12 hex digits); any other asset id is a free-text reference."""
_LIBRARY_ID_RE = re.compile(LIBRARY_ID_PATTERN)
MAX_SOURCE_URLS = 30
_PRICE_RE = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")


def is_library_id(value: str) -> bool:
    """True if ``value`` has the form of a library item id."""
    return bool(_LIBRARY_ID_RE.match(value))


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class LibraryProduct(_Fields):
    """The product a ``product`` video advertises; ``price`` is a number (sent as a number or a numeric
    string), ``link`` an http(s) URL."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    price: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)] | None = None
    features: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=10)] = []
    link: HttpUrl | None = None

    @field_validator("price", mode="before")
    @classmethod
    def _numeric_price(cls, value: Any) -> Any:
        if isinstance(value, bool) or (isinstance(value, str) and not _PRICE_RE.match(value.strip())):
            raise ValueError("price must be a number, e.g. 19900 or 12.50")
        return value.strip() if isinstance(value, str) else value

    def product_info(self) -> dict[str, Any]:
        """The task's ``product`` option (``ProductInfo`` JSON)."""
        return {
            "name": self.name,
            "price": "" if self.price is None else format(self.price.normalize(), "f"),
            "features": list(self.features),
            "url": None if self.link is None else str(self.link),
        }


class LibraryFields(_Fields):
    """The editable fields of a library item."""

    title: Annotated[str, Field(min_length=1, max_length=100)]
    type: VideoType = VideoType.SHORTFORM
    product: LibraryProduct | None = None
    source_urls: Annotated[list[HttpUrl], Field(max_length=MAX_SOURCE_URLS)] = Field(
        default=[], alias="sourceUrls", description="http(s) pages whose images a crawl video uses."
    )

    @field_validator("title")
    @classmethod
    def _strip_title(cls, value: str) -> str:
        stripped = value.strip()
        if not stripped:
            raise ValueError("must not be blank")
        return stripped

    @model_validator(mode="after")
    def _product_needs_info(self) -> Self:
        if self.type is VideoType.PRODUCT and self.product is None:
            raise ValueError("type 'product' needs product fields (product.name)")
        return self

    def stored(self) -> dict[str, Any]:
        """The column values (JSON-ready)."""
        return {
            "title": self.title,
            "type": self.type,
            "product": None if self.product is None else self.product.model_dump(mode="json"),
            "source_urls": [str(url) for url in self.source_urls],
        }
