"""Library commands (seed 000's assets; docs/ARCHITECTURE.md §3): an item's stored files, deleting an item
with its files, and adding items to the draft queue so that each draft takes the item's title, type,
product fields, source URLs and uploaded images."""

from __future__ import annotations

import mimetypes
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from media_pipeline.domain import TaskPaths
from media_pipeline.domain.library import LibraryProduct, is_library_id
from media_pipeline.domain.models import MediaMode
from media_pipeline.storage import Storage, StoredObject
from media_pipeline.store import AddResult, NotFoundError, QueueService
from media_pipeline.store.library import LibraryService, library_prefix
from media_pipeline.store.views import LibraryItemView


def media_type(key: str) -> str:
    """The MIME type of a stored library file (its extension was chosen from its sniffed bytes)."""
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


def is_image(key: str) -> bool:
    """True for a stored image (not a clip)."""
    return media_type(key).startswith("image/")


def draft_options(item: LibraryItemView, has_images: bool) -> dict[str, Any]:
    """The options a draft takes from ``item``: its task settings ("more like this"), title, type, product,
    source URLs as ``imageUrls`` and the image source (``upload`` with uploaded images, else ``crawl`` with
    source URLs)."""
    options: dict[str, Any] = {**(item.settings or {}), "title": item.title, "type": item.type.value}
    if item.product is not None:
        options["product"] = LibraryProduct.model_validate(item.product).product_info()
    if item.source_urls:
        options["imageUrls"] = list(item.source_urls)
    if has_images:
        options["mediaMode"] = MediaMode.UPLOAD.value
    elif item.source_urls:
        options["mediaMode"] = MediaMode.CRAWL.value
    return options


class LibraryCommands:
    """The owner's library items together with their files in the task storage and the draft queue."""

    def __init__(self, library: LibraryService, queues: QueueService, storage: Storage) -> None:
        self.library = library
        self.queues = queues
        self.storage = storage

    def files(self, item_id: str) -> list[StoredObject]:
        """The uploaded files (images and clips) of an item the caller has read, oldest first (their keys
        sort in upload order)."""
        return self.storage.list_objects(library_prefix(item_id))

    def file_key(self, item_id: str, name: str) -> str:
        """The storage key of one of the item's files; NotFoundError if it has no such file."""
        self.library.get(item_id)  # NotFound for another owner's item
        key = next((item.key for item in self.files(item_id) if PurePosixPath(item.key).name == name), None)
        if key is None:
            raise NotFoundError(f"file {name!r} not found", {"libraryId": item_id, "name": name})
        return key

    def add_files(self, item_id: str, checked: Sequence[Path]) -> list[StoredObject]:
        """Store local files already checked (``api/uploads.py``) as the item's, all or none; returns the
        item's files. Names get a time prefix so that keys sort in upload order (object stores keep none)."""
        prefix = library_prefix(item_id)
        stamp = time.time_ns() // 1_000_000
        uploaded: list[str] = []
        try:
            for index, path in enumerate(checked):
                key = f"{prefix}/{stamp:013d}{index:02d}-{path.name}"
                self.storage.upload(path, key)
                uploaded.append(key)
        except Exception:
            self.storage.delete(uploaded)
            raise
        return self.files(item_id)

    def delete_file(self, item_id: str, name: str) -> None:
        """Delete one of the item's files."""
        self.storage.delete([self.file_key(item_id, name)])

    def delete(self, item_id: str) -> LibraryItemView:
        """Delete the item and its files (refused with 409 while a task made from it runs)."""
        view = self.library.delete(item_id)
        self.storage.delete([item.key for item in self.files(item_id)])
        return view

    def add_to_queue(
        self, asset_ids: Sequence[str], options: Mapping[str, Any] | None, version: int
    ) -> AddResult:
        """Add one draft per asset: a library id must be one of the owner's items (NotFoundError naming
        every unknown one; nothing is added) and its draft takes the item's fields, images and clips (copied
        to the draft's uploads); any other id is a free-text asset reference, as before the library."""
        items = self.library.resolve([asset for asset in asset_ids if is_library_id(asset)])
        images = {item_id: [f.key for f in self.files(item_id)] for item_id in items}
        per_asset = {item_id: draft_options(item, bool(images[item_id])) for item_id, item in items.items()}
        result = self.queues.add_assets(asset_ids, options, version, per_asset=per_asset)
        created = set(result.created_ids)
        copies = [
            (task.id, images[task.asset_id])
            for task in result.tasks
            if task.id in created and task.asset_id in images
        ]
        try:
            for task_id, keys in copies:
                self._copy_images(task_id, keys)
        except Exception:
            self.queues.bulk_delete(list(created), result.version)
            raise
        return result

    def _copy_images(self, task_id: str, keys: Sequence[str]) -> None:
        """Copy library images and clips into the task's uploads folder (mediaMode ``upload`` reads them
        there)."""
        uploads = TaskPaths.keys(task_id).uploads_dir.as_posix()
        with tempfile.TemporaryDirectory(prefix="media-pipeline-library-") as tmp:
            for key in keys:
                name = PurePosixPath(key).name
                local = self.storage.download(key, Path(tmp) / name)
                self.storage.upload(local, f"{uploads}/{name}")
