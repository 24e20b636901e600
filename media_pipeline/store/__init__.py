"""App database (SQLAlchemy + Alembic) and the services over it: queue, tasks, schedules, pipeline state.

The names below are imported from their modules on first use (PEP 562), so importing one submodule (say,
``store.heartbeats`` in a stage run's worker) does not load every service, the queue logic and Alembic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same names for type checkers, re-exported (test_package.py keeps both lists equal)
    from media_pipeline.domain.stages import STAGES as STAGES
    from media_pipeline.domain.stages import Stage as Stage
    from media_pipeline.domain.statuses import ACTIVE_STATUSES as ACTIVE_STATUSES
    from media_pipeline.domain.statuses import OPEN_STAGE_STATUSES as OPEN_STAGE_STATUSES
    from media_pipeline.domain.statuses import OPEN_STATUSES as OPEN_STATUSES
    from media_pipeline.domain.statuses import TERMINAL_STATUSES as TERMINAL_STATUSES
    from media_pipeline.domain.statuses import EditStatus as EditStatus
    from media_pipeline.domain.statuses import ImageJobStatus as ImageJobStatus
    from media_pipeline.domain.statuses import ReviewStatus as ReviewStatus
    from media_pipeline.domain.statuses import StageStatus as StageStatus
    from media_pipeline.domain.statuses import TaskStatus as TaskStatus
    from media_pipeline.domain.statuses import UserContentStatus as UserContentStatus
    from media_pipeline.store.accounts import WorkspaceAccounts as WorkspaceAccounts
    from media_pipeline.store.audit import AuditLog as AuditLog
    from media_pipeline.store.backup import Manifest as Manifest
    from media_pipeline.store.backup import create_backup as create_backup
    from media_pipeline.store.backup import restore_backup as restore_backup
    from media_pipeline.store.channels import ChannelService as ChannelService
    from media_pipeline.store.clock import Clock as Clock
    from media_pipeline.store.credit_estimate import estimate as estimate
    from media_pipeline.store.credits import CreditAdmin as CreditAdmin
    from media_pipeline.store.credits import CreditService as CreditService
    from media_pipeline.store.db import current_revision as current_revision
    from media_pipeline.store.db import ensure_migrated as ensure_migrated
    from media_pipeline.store.db import head_revision as head_revision
    from media_pipeline.store.db import make_engine as make_engine
    from media_pipeline.store.db import resolve_engine as resolve_engine
    from media_pipeline.store.db import session_factory as session_factory
    from media_pipeline.store.db import upgrade_db as upgrade_db
    from media_pipeline.store.enums import ContentKind as ContentKind
    from media_pipeline.store.enums import LogAction as LogAction
    from media_pipeline.store.enums import LogLevel as LogLevel
    from media_pipeline.store.enums import Repeat as Repeat
    from media_pipeline.store.enums import UserContentType as UserContentType
    from media_pipeline.store.errors import ConflictError as ConflictError
    from media_pipeline.store.errors import InsufficientCredits as InsufficientCredits
    from media_pipeline.store.errors import LimitExceeded as LimitExceeded
    from media_pipeline.store.errors import NotFoundError as NotFoundError
    from media_pipeline.store.errors import ScriptNotApproved as ScriptNotApproved
    from media_pipeline.store.errors import StoreError as StoreError
    from media_pipeline.store.errors import StoreUnavailable as StoreUnavailable
    from media_pipeline.store.errors import ValidationFailed as ValidationFailed
    from media_pipeline.store.housekeeping import Housekeeping as Housekeeping
    from media_pipeline.store.library import LibraryService as LibraryService
    from media_pipeline.store.music import MusicLibrary as MusicLibrary
    from media_pipeline.store.oauth_states import STATE_TTL as STATE_TTL
    from media_pipeline.store.owner import Owner as Owner
    from media_pipeline.store.performance_service import PerformanceService as PerformanceService
    from media_pipeline.store.pipeline_state import ContentRecord as ContentRecord
    from media_pipeline.store.pipeline_state import LaunchItem as LaunchItem
    from media_pipeline.store.pipeline_state import PipelineState as PipelineState
    from media_pipeline.store.plans import WorkspacePlans as WorkspacePlans
    from media_pipeline.store.progress import ProgressReader as ProgressReader
    from media_pipeline.store.queue_service import QueueService as QueueService
    from media_pipeline.store.render_jobs import AssetUrl as AssetUrl
    from media_pipeline.store.render_jobs import RenderJobReader as RenderJobReader
    from media_pipeline.store.render_jobs import StoredAsset as StoredAsset
    from media_pipeline.store.render_jobs import render_job_id as render_job_id
    from media_pipeline.store.repeat import RepeatConfig as RepeatConfig
    from media_pipeline.store.repeat import next_occurrence as next_occurrence
    from media_pipeline.store.review_gate import REVIEW_AFTER as REVIEW_AFTER
    from media_pipeline.store.review_models import EditKind as EditKind
    from media_pipeline.store.review_models import ReviewKind as ReviewKind
    from media_pipeline.store.revoked_tokens import Refusal as Refusal
    from media_pipeline.store.revoked_tokens import RevokedTokens as RevokedTokens
    from media_pipeline.store.run_control import RunControl as RunControl
    from media_pipeline.store.run_requests import idempotency_key as idempotency_key
    from media_pipeline.store.run_requests import version_key as version_key
    from media_pipeline.store.schedule_service import ScheduleService as ScheduleService
    from media_pipeline.store.sign_in_limits import SignInLimits as SignInLimits
    from media_pipeline.store.stats import PipelineStats as PipelineStats
    from media_pipeline.store.stats import StageDurations as StageDurations
    from media_pipeline.store.stats import StatsReader as StatsReader
    from media_pipeline.store.task_service import TaskService as TaskService
    from media_pipeline.store.user_contents import UserContentService as UserContentService
    from media_pipeline.store.users import MAX_PASSWORD_LEN as MAX_PASSWORD_LEN
    from media_pipeline.store.users import UserService as UserService
    from media_pipeline.store.views import AddResult as AddResult
    from media_pipeline.store.views import AuditEntryView as AuditEntryView
    from media_pipeline.store.views import ChannelSummaryView as ChannelSummaryView
    from media_pipeline.store.views import ChannelView as ChannelView
    from media_pipeline.store.views import ClonedVoiceView as ClonedVoiceView
    from media_pipeline.store.views import ContentPerformanceView as ContentPerformanceView
    from media_pipeline.store.views import ContentView as ContentView
    from media_pipeline.store.views import CreditBalanceView as CreditBalanceView
    from media_pipeline.store.views import CreditUsageView as CreditUsageView
    from media_pipeline.store.views import DayViewsView as DayViewsView
    from media_pipeline.store.views import DeletedContentView as DeletedContentView
    from media_pipeline.store.views import DeleteResult as DeleteResult
    from media_pipeline.store.views import EditView as EditView
    from media_pipeline.store.views import EstimateView as EstimateView
    from media_pipeline.store.views import ImageJobView as ImageJobView
    from media_pipeline.store.views import LedgerEntryView as LedgerEntryView
    from media_pipeline.store.views import LibraryItemView as LibraryItemView
    from media_pipeline.store.views import LibraryTaskView as LibraryTaskView
    from media_pipeline.store.views import LogView as LogView
    from media_pipeline.store.views import MusicTrackView as MusicTrackView
    from media_pipeline.store.views import PaidImageView as PaidImageView
    from media_pipeline.store.views import PerformanceDayView as PerformanceDayView
    from media_pipeline.store.views import PerformanceTotalsView as PerformanceTotalsView
    from media_pipeline.store.views import PlanView as PlanView
    from media_pipeline.store.views import PublicationPerformanceView as PublicationPerformanceView
    from media_pipeline.store.views import PublishedView as PublishedView
    from media_pipeline.store.views import QueueChange as QueueChange
    from media_pipeline.store.views import QueueView as QueueView
    from media_pipeline.store.views import RenderAssetView as RenderAssetView
    from media_pipeline.store.views import RenderJobView as RenderJobView
    from media_pipeline.store.views import RerunResult as RerunResult
    from media_pipeline.store.views import ReviewRecordView as ReviewRecordView
    from media_pipeline.store.views import RunResult as RunResult
    from media_pipeline.store.views import ScheduleView as ScheduleView
    from media_pipeline.store.views import SettingGroupView as SettingGroupView
    from media_pipeline.store.views import StageStateView as StageStateView
    from media_pipeline.store.views import StageTab as StageTab
    from media_pipeline.store.views import StageTabs as StageTabs
    from media_pipeline.store.views import StoppedProcess as StoppedProcess
    from media_pipeline.store.views import StopResult as StopResult
    from media_pipeline.store.views import TabItem as TabItem
    from media_pipeline.store.views import TaskActions as TaskActions
    from media_pipeline.store.views import TaskProgress as TaskProgress
    from media_pipeline.store.views import TaskView as TaskView
    from media_pipeline.store.views import ThumbnailRef as ThumbnailRef
    from media_pipeline.store.views import UserContentView as UserContentView
    from media_pipeline.store.views import UserView as UserView
    from media_pipeline.store.views import VideoPerformanceView as VideoPerformanceView
    from media_pipeline.store.views import WaitingReviewView as WaitingReviewView
    from media_pipeline.store.voices import ClonedVoices as ClonedVoices

_EXPORTS = {
    "media_pipeline.domain.stages": ("STAGES", "Stage"),
    "media_pipeline.store.accounts": ("WorkspaceAccounts",),
    "media_pipeline.store.audit": ("AuditLog",),
    "media_pipeline.store.backup": ("Manifest", "create_backup", "restore_backup"),
    "media_pipeline.store.channels": ("ChannelService",),
    "media_pipeline.store.clock": ("Clock",),
    "media_pipeline.store.credit_estimate": ("estimate",),
    "media_pipeline.store.credits": ("CreditAdmin", "CreditService"),
    "media_pipeline.store.db": (
        "current_revision",
        "ensure_migrated",
        "head_revision",
        "make_engine",
        "resolve_engine",
        "session_factory",
        "upgrade_db",
    ),
    "media_pipeline.domain.statuses": (
        "ACTIVE_STATUSES",
        "EditStatus",
        "ImageJobStatus",
        "OPEN_STAGE_STATUSES",
        "OPEN_STATUSES",
        "ReviewStatus",
        "StageStatus",
        "TERMINAL_STATUSES",
        "TaskStatus",
        "UserContentStatus",
    ),
    "media_pipeline.store.enums": ("ContentKind", "LogAction", "LogLevel", "Repeat", "UserContentType"),
    "media_pipeline.store.errors": (
        "ConflictError",
        "InsufficientCredits",
        "LimitExceeded",
        "NotFoundError",
        "ScriptNotApproved",
        "StoreError",
        "StoreUnavailable",
        "ValidationFailed",
    ),
    "media_pipeline.store.housekeeping": ("Housekeeping",),
    "media_pipeline.store.library": ("LibraryService",),
    "media_pipeline.store.music": ("MusicLibrary",),
    "media_pipeline.store.voices": ("ClonedVoices",),
    "media_pipeline.store.oauth_states": ("STATE_TTL",),
    "media_pipeline.store.owner": ("Owner",),
    "media_pipeline.store.pipeline_state": ("ContentRecord", "LaunchItem", "PipelineState"),
    "media_pipeline.store.performance_service": ("PerformanceService",),
    "media_pipeline.store.plans": ("WorkspacePlans",),
    "media_pipeline.store.progress": ("ProgressReader",),
    "media_pipeline.store.queue_service": ("QueueService",),
    "media_pipeline.store.render_jobs": ("AssetUrl", "RenderJobReader", "StoredAsset", "render_job_id"),
    "media_pipeline.store.repeat": ("RepeatConfig", "next_occurrence"),
    "media_pipeline.store.review_gate": ("REVIEW_AFTER",),
    "media_pipeline.store.review_models": ("EditKind", "ReviewKind"),
    "media_pipeline.store.revoked_tokens": ("Refusal", "RevokedTokens"),
    "media_pipeline.store.run_control": ("RunControl",),
    "media_pipeline.store.run_requests": ("idempotency_key", "version_key"),
    "media_pipeline.store.schedule_service": ("ScheduleService",),
    "media_pipeline.store.sign_in_limits": ("SignInLimits",),
    "media_pipeline.store.stats": ("PipelineStats", "StageDurations", "StatsReader"),
    "media_pipeline.store.task_service": ("TaskService",),
    "media_pipeline.store.user_contents": ("UserContentService",),
    "media_pipeline.store.users": ("MAX_PASSWORD_LEN", "UserService"),
    "media_pipeline.store.views": (
        "AddResult",
        "AuditEntryView",
        "ChannelSummaryView",
        "ChannelView",
        "ClonedVoiceView",
        "ContentPerformanceView",
        "ContentView",
        "CreditBalanceView",
        "CreditUsageView",
        "DayViewsView",
        "DeletedContentView",
        "DeleteResult",
        "EditView",
        "EstimateView",
        "ImageJobView",
        "LedgerEntryView",
        "LibraryItemView",
        "LibraryTaskView",
        "LogView",
        "MusicTrackView",
        "PaidImageView",
        "PerformanceDayView",
        "PerformanceTotalsView",
        "PlanView",
        "PublicationPerformanceView",
        "PublishedView",
        "QueueChange",
        "QueueView",
        "RenderAssetView",
        "RenderJobView",
        "RerunResult",
        "ReviewRecordView",
        "RunResult",
        "ScheduleView",
        "SettingGroupView",
        "StageStateView",
        "StageTab",
        "StageTabs",
        "StoppedProcess",
        "StopResult",
        "TabItem",
        "TaskActions",
        "TaskProgress",
        "TaskView",
        "ThumbnailRef",
        "UserContentView",
        "UserView",
        "VideoPerformanceView",
        "WaitingReviewView",
    ),
}
"""The public names of the package, by the module that defines them."""
_SOURCES = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_SOURCES)


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first access (then cached in this module)."""
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_SOURCES])
