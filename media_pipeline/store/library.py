"""The creator's library (seed 000's assets): items to make videos from, with the history of the tasks
made from each (``tasks.asset_id``; docs/ARCHITECTURE.md §3). Files of an item live in the task storage
(``library_keys``); this service keeps the rows."""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from media_pipeline.domain.library import LibraryFields
from media_pipeline.domain.models import VideoType
from media_pipeline.domain.statuses import ACTIVE_STATUSES, TaskStatus
from media_pipeline.store.base import OwnedService, dedupe
from media_pipeline.store.enums import ContentKind
from media_pipeline.store.errors import ConflictError, NotFoundError, ValidationFailed
from media_pipeline.store.ids import new_id
from media_pipeline.store.models import Content, LibraryItem, Task, UserContent
from media_pipeline.store.options import field_errors
from media_pipeline.store.views import LibraryItemView, LibraryTaskView, ThumbnailRef

LIBRARY_PREFIX = "library"
NOT_REPEATED = frozenset({"publishAt"})
"""Task settings "more like this" does not copy (a publish time belongs to one video)."""
_HISTORY_COLUMNS = (
    Task.id,
    Task.title,
    Task.status,
    Task.generation,
    Task.youtube_url,
    Task.created_at,
    Task.updated_at,
)
"""The task columns of an item's history (``LibraryTaskView``)."""


def library_prefix(item_id: str) -> str:
    """The storage folder of an item's uploaded files (``library/<id>/files``)."""
    return f"{LIBRARY_PREFIX}/{item_id}/files"


def _validated(data: Mapping[str, Any]) -> LibraryFields:
    try:
        return LibraryFields.model_validate(dict(data))
    except ValidationError as exc:
        raise ValidationFailed("invalid library item", {"errors": field_errors(exc)}) from exc


class LibraryService(OwnedService):
    """The owner's library items: create, list, get, update, delete, and resolve ids for the queue."""

    def create(self, data: Mapping[str, Any]) -> LibraryItemView:
        """A new item from ``data`` (``LibraryFields`` JSON); ValidationFailed (nothing stored) if invalid."""
        fields = _validated(data)
        now = self.now()
        item = LibraryItem(
            id=new_id("lib"),
            user_id=self.owner.user_id,
            workspace_id=self.owner.workspace_id,
            created_at=now,
            updated_at=now,
            **fields.stored(),
        )
        with self._write() as session:
            session.add(item)
            session.flush()
            return self._views(session, [item])[0]

    def like_content(self, content_id: str) -> LibraryItemView:
        """ "More like this": a new item with the title, type and task settings (but not the publish time)
        of the task that made the owner's content item ``content_id``; NotFoundError if it is not theirs."""
        with self._write() as session:
            task = session.scalars(
                self._owned_tasks()
                .join(UserContent, UserContent.task_id == Task.id)
                .where(UserContent.id == content_id)
            ).first()
            if task is None:
                raise NotFoundError(f"content {content_id!r} not found", {"contentId": content_id})
            now = self.now()
            item = LibraryItem(
                id=new_id("lib"),
                user_id=self.owner.user_id,
                workspace_id=self.owner.workspace_id,
                title=task.title,
                type=task.type,
                product=None,
                source_urls=[],
                settings={key: value for key, value in task.settings.items() if key not in NOT_REPEATED},
                created_at=now,
                updated_at=now,
            )
            session.add(item)
            session.flush()
            return self._views(session, [item])[0]

    def update(self, item_id: str, changes: Mapping[str, Any]) -> LibraryItemView:
        """Merge ``changes`` into the item's fields (validated as a whole; nothing changes if invalid)."""
        with self._write() as session:
            item = self._item(session, item_id, lock=True)
            current = {
                "title": item.title,
                "type": item.type.value,
                "product": item.product,
                "sourceUrls": item.source_urls,
            }
            aliases = {"source_urls": "sourceUrls"}
            merged = {**current, **{aliases.get(key, key): value for key, value in changes.items()}}
            for key, value in _validated(merged).stored().items():
                setattr(item, key, value)
            item.updated_at = self.now()
            session.flush()
            return self._views(session, [item])[0]

    def get(self, item_id: str) -> LibraryItemView:
        """One of the owner's items (NotFoundError for an unknown or another owner's id)."""
        with self._read() as session:
            return self._views(session, [self._item(session, item_id)])[0]

    def list(
        self,
        *,
        query: str | None = None,
        types: Sequence[VideoType] = (),
        statuses: Sequence[TaskStatus] = (),
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[builtins.list[LibraryItemView], int]:
        """A page of the owner's items (most recently changed first) and how many match: ``query`` in the
        title or product name, ``types``, ``statuses`` of the latest task made from the item."""
        stmt = self._owned_items()
        if query:
            pattern = f"%{query.strip().lower()}%"
            stmt = stmt.where(
                or_(
                    func.lower(LibraryItem.title).like(pattern),
                    func.lower(LibraryItem.product["name"].as_string()).like(pattern),
                )
            )
        if types:
            stmt = stmt.where(LibraryItem.type.in_(types))
        if statuses:
            stmt = stmt.where(self._latest_status().in_(statuses))
        with self._read() as session:
            total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            items = builtins.list(
                session.scalars(
                    stmt.order_by(LibraryItem.updated_at.desc(), LibraryItem.id).limit(limit).offset(offset)
                )
            )
            return self._views(session, items), total

    def delete(self, item_id: str) -> LibraryItemView:
        """Delete the item (its stored files are the caller's to remove); ConflictError while a task made
        from it is queued or running. Tasks made from it stay."""
        with self._write() as session:
            item = self._item(session, item_id, lock=True)
            view = self._views(session, [item])[0]
            active = [entry.task_id for entry in view.history if entry.status in ACTIVE_STATUSES]
            if active:
                raise ConflictError(
                    f"a video made from {item.title!r} is being produced; stop it or wait until it ends",
                    {"libraryId": item_id, "taskIds": active},
                )
            session.delete(item)
            return view

    def resolve(self, item_ids: Sequence[str]) -> dict[str, LibraryItemView]:
        """The owner's items by id; NotFoundError naming every id that is unknown or another owner's."""
        wanted = dedupe(item_ids)
        with self._read() as session:
            found = {
                item.id: item
                for item in session.scalars(self._owned_items().where(LibraryItem.id.in_(wanted)))
            }
            missing = [item_id for item_id in wanted if item_id not in found]
            if missing:
                raise NotFoundError(f"library item(s) not found: {', '.join(missing)}", {"assetIds": missing})
            return {view.id: view for view in self._views(session, [found[item_id] for item_id in wanted])}

    # -- helpers -------------------------------------------------------------------------------------

    def _owned_items(self) -> Select[LibraryItem]:
        return select(LibraryItem).where(
            LibraryItem.user_id == self.owner.user_id, LibraryItem.workspace_id == self.owner.workspace_id
        )

    def _item(self, session: Session, item_id: str, *, lock: bool = False) -> LibraryItem:
        stmt = self._owned_items().where(LibraryItem.id == item_id)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        item = session.scalars(stmt).first()
        if item is None:
            raise NotFoundError(f"library item {item_id!r} not found", {"libraryId": item_id})
        return item

    def _latest_status(self) -> ColumnElement[Any]:
        """The status of the latest task made from the item (correlated subquery)."""
        return (
            select(Task.status)
            .where(Task.asset_id == LibraryItem.id, *self._owned())
            .order_by(Task.created_at.desc(), Task.id.desc())
            .limit(1)
            .correlate(LibraryItem)
            .scalar_subquery()
        )

    def _views(self, session: Session, items: Sequence[LibraryItem]) -> builtins.list[LibraryItemView]:
        """Items with their history (newest task first) and latest thumbnail, in two queries."""
        ids = [item.id for item in items]
        history: dict[str, builtins.list[LibraryTaskView]] = defaultdict(list)
        tasks = session.execute(  # columns, not ORM objects: cheaper to load
            select(Task.asset_id, *_HISTORY_COLUMNS)
            .where(*self._owned(), Task.asset_id.in_(ids))
            .order_by(Task.created_at.desc(), Task.id.desc())
        ).all()
        for task in tasks:
            history[task.asset_id or ""].append(LibraryTaskView.model_validate(task))
        thumbnails: dict[str, ThumbnailRef] = {}
        if tasks:
            by_task = {task.id: task.asset_id or "" for task in tasks}
            for content in session.execute(
                select(Content.id, Content.task_id, Content.generation)
                .where(
                    Content.task_id.in_(by_task),
                    Content.kind == ContentKind.THUMBNAIL,
                    Content.path.is_not(None),
                )
                .order_by(Content.id.desc())
            ):
                asset = by_task[content.task_id]
                if asset not in thumbnails:
                    thumbnails[asset] = ThumbnailRef(
                        task_id=content.task_id, generation=content.generation, content_id=content.id
                    )
        return [
            LibraryItemView.model_validate(
                {
                    **{key: getattr(item, key) for key in LibraryItemView.row_fields()},
                    "history": history[item.id],
                    "thumbnail": thumbnails.get(item.id),
                }
            )
            for item in items
        ]
