"""Publishing one task generation to every target of its channel setting (docs/ARCHITECTURE.md §10,
publications).

Each target has its own publication record, saved before and after every remote call, so a retry after a
crash at any point resumes from the record (polls the recorded upload or container) instead of posting
again. A published or failed publication is never sent again; a deferred one (quota, rate limit) waits
for its ``deferred_until`` without holding back the others, unless that time lies past the publication's
horizon (its first save + ``horizon``): then it fails with that reason. What is left open decides the
stage's error: the primary target's own failure first (as before publications), then a transient failure,
then the earliest deferral as a ``BoundedDeferral`` (the stage machinery of §4 runs the stage again at that
time without using one of its automatic retries; the horizon bounds how often).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from media_pipeline.domain import Script, TaskPaths, TaskSpec
from media_pipeline.domain.publication import Publication, PublishTarget
from media_pipeline.domain.statuses import PublicationStatus
from media_pipeline.errors import BoundedDeferral, DeferredError, PermanentError, TransientError
from media_pipeline.providers.base import Publisher, PublishInput, PublishResult
from media_pipeline.providers.social_tokens import ReconnectRequired

log = logging.getLogger(__name__)

Save = Callable[[Publication], Publication]


class PublicationBook(Protocol):
    """Where publications are kept (``store.publications.Publications``)."""

    def load(self, task_id: str, generation: int, target: PublishTarget) -> Publication:
        """The saved publication or a new pending one."""
        ...

    def save(self, publication: Publication) -> Publication:
        """Persist (committed on return)."""
        ...


class TargetPublisher(Protocol):
    """Publishes to one platform, saving the publication before and after each remote call."""

    target: PublishTarget

    def publish(
        self, publication: Publication, save: Save, task: TaskSpec, script: Script, files: PublishInput
    ) -> Publication:
        """Bring ``publication`` to ``published`` (resuming what its record says), or raise."""
        ...


@dataclass
class Outcome:
    """One target after this attempt: its publication and the error that left it open, if any."""

    publication: Publication
    error: Exception | None = None


class PrimaryTarget:
    """The YouTube or local-folder publisher (with its own upload record, ``youtube_record.py``) as a
    target: its publication row mirrors the result."""

    def __init__(self, publisher: Publisher, paths: TaskPaths) -> None:
        self.publisher = publisher
        self.paths = paths
        self.target = PublishTarget(publisher.name)

    def publish(
        self, publication: Publication, save: Save, task: TaskSpec, script: Script, files: PublishInput
    ) -> Publication:
        """Run the publisher (idempotent through its record) and record the video id and URL."""
        publication.status = PublicationStatus.UPLOADING
        save(publication)
        result = self.publisher.publish(task, script, files, self.paths)
        publication.post_id = publication.remote_id = result.video_id
        publication.url = result.url
        publication.status = PublicationStatus.PUBLISHED
        return save(publication)


def publish_all(
    targets: Mapping[PublishTarget, Callable[[], TargetPublisher]],
    book: PublicationBook,
    task: TaskSpec,
    script: Script,
    files: PublishInput,
    *,
    now: datetime,
    horizon: timedelta,
    on_reconnect: Callable[[PublishTarget, str], str | None],
) -> list[Outcome]:
    """Publish to every target in order; one target's failure or deferral does not stop the others. A
    deferral past ``horizon`` from the publication's first save fails it. ``on_reconnect`` marks a target
    whose token was refused and returns the channel setting whose reconnect resumes the publication."""
    outcomes = []
    for target, make in targets.items():
        publication = book.load(task.task_id, task.generation, target)
        if publication.final:
            outcomes.append(Outcome(publication))
            continue
        if publication.deferred_until is not None and publication.deferred_until > now:
            wait = (publication.deferred_until - now).total_seconds()
            outcomes.append(Outcome(publication, DeferredError(f"{target} deferred", wait)))
            continue
        began = publication.created_at or now
        outcome = _publish_one(make, publication, book, task, script, files, now, on_reconnect)
        outcomes.append(_past_horizon(outcome, book, began + horizon, horizon) or outcome)
    return outcomes


def _past_horizon(
    outcome: Outcome, book: PublicationBook, end: datetime, horizon: timedelta
) -> Outcome | None:
    """The failed outcome of a publication deferred past ``end`` (its horizon); None otherwise."""
    publication = outcome.publication
    if not isinstance(outcome.error, DeferredError) or publication.deferred_until is None:
        return None
    if publication.deferred_until <= end:
        return None
    hours = horizon.total_seconds() / 3600
    error = PermanentError(
        f"{publication.target} deferred past its horizon of {hours:g} h (until "
        f"{end.isoformat(timespec='seconds')}): the platform said to wait until "
        f"{publication.deferred_until.isoformat(timespec='seconds')}: {outcome.error}"
    )
    publication.status = PublicationStatus.FAILED
    publication.deferred_until = None
    publication.error = str(error)
    log.warning("%s", error)
    return Outcome(book.save(publication), error)


def _publish_one(
    make: Callable[[], TargetPublisher],
    publication: Publication,
    book: PublicationBook,
    task: TaskSpec,
    script: Script,
    files: PublishInput,
    now: datetime,
    on_reconnect: Callable[[PublishTarget, str], str | None],
) -> Outcome:
    target = publication.target
    publication.deferred_until = None
    try:
        done = make().publish(publication, book.save, task, script, files)
        done.error = None
        return Outcome(book.save(done))
    except DeferredError as exc:
        publication.status = PublicationStatus.DEFERRED
        publication.deferred_until = now + timedelta(seconds=exc.retry_after_s)
        publication.error = str(exc)
        log.warning("%s publication deferred until %s: %s", target, publication.deferred_until, exc)
        return Outcome(book.save(publication), exc)
    except PermanentError as exc:
        if isinstance(exc, ReconnectRequired):
            publication.awaiting_reconnect = on_reconnect(target, str(exc))
        publication.status = PublicationStatus.FAILED
        publication.error = str(exc)
        log.warning("%s publication failed: %s", target, exc)
        return Outcome(book.save(publication), exc)
    except Exception as exc:  # transient or unexpected: the record keeps what is known, the stage retries
        publication.error = f"{type(exc).__name__}: {exc}"
        log.warning("%s publication interrupted: %s", target, publication.error)
        return Outcome(book.save(publication), exc)


def stage_error(outcomes: list[Outcome], primary: PublishTarget | None) -> Exception | None:
    """The error the publish stage raises, if any: the primary target's permanent failure (the task fails
    as before publications); else a transient failure (retried); else the earliest deferral. Other
    targets' permanent failures are final and only reported."""
    for outcome in outcomes:
        if outcome.publication.target == primary and isinstance(outcome.error, PermanentError):
            return outcome.error
    for outcome in outcomes:
        if outcome.error is not None and not isinstance(outcome.error, (PermanentError, DeferredError)):
            if isinstance(outcome.error, TransientError):
                return outcome.error
            return TransientError(f"{outcome.publication.target}: {outcome.error}")
    deferrals = [o.error for o in outcomes if isinstance(o.error, DeferredError)]
    if deferrals:
        first = min(deferrals, key=lambda error: error.retry_after_s)
        names = ", ".join(str(o.publication.target) for o in outcomes if isinstance(o.error, DeferredError))
        return BoundedDeferral(f"publishing deferred ({names}): {first}", first.retry_after_s)
    return None


def summary(outcomes: list[Outcome]) -> str:
    """One line per target: status and URL or error."""
    parts = []
    for outcome in outcomes:
        pub = outcome.publication
        parts.append(f"{pub.target}: {pub.status}" + (f" {pub.url}" if pub.url else f" ({pub.error})"))
    return "; ".join(parts)


def publish_result(
    outcomes: list[Outcome], primary: PublishTarget | None, detail: str
) -> PublishResult | None:
    """The result for ``publish.json``: the primary target's publication, else the first published one;
    None if nothing is published."""
    published = [o.publication for o in outcomes if o.publication.status is PublicationStatus.PUBLISHED]
    published.sort(key=lambda pub: pub.target != primary)
    if not published:
        return None
    pub = published[0]
    return PublishResult(
        target=str(pub.target),
        url=pub.url or "",
        video_id=pub.post_id,
        published_at=pub.updated_at or pub.created_at or datetime.now().astimezone(),
        uploaded_to_youtube=pub.target is PublishTarget.YOUTUBE,
        detail=detail,
    )
