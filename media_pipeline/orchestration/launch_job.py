"""Start a new video from the Dagster UI: the Launchpad form (a typed ``dg.Config``) creates the task in the
app DB and queues it exactly like the console's Run; the queue sensors then run its stages."""

import dagster as dg
from pydantic import Field

from media_pipeline.domain.models import Language, MediaMode, Privacy, VideoType
from media_pipeline.orchestration.resources import AppDbResource


class LaunchTaskConfig(dg.Config):
    """The Launchpad form: what the new video is and whose queue it goes to."""

    title: str = Field(description="Title of the video (1-100 characters).")
    type: VideoType = Field(default=VideoType.SHORTFORM, description="shortform, longform or product.")
    language: Language = Field(default=Language.KO, description="Narration and subtitle language.")
    media_mode: MediaMode = Field(default=MediaMode.LOCAL, description="Where scene images come from.")
    privacy: Privacy = Field(default=Privacy.PRIVATE, description="Privacy of the published video.")
    target_duration_s: float | None = Field(default=None, description="Length in seconds (5-600).")
    image_count: int = Field(default=5, description="Number of scene images (1-30).")
    requires_approval: bool = Field(default=False, description="Wait for script approval in the console.")
    render_height: int | None = Field(default=None, description="Output height in px (even; previews).")
    fps: int = Field(default=30, description="Frames per second (10-60).")
    user_id: str = Field(default="local", description="Owner of the task (the console user's id).")
    workspace_id: str = Field(default="default", description="Workspace of the owner.")

    def options(self) -> dict[str, object]:
        """The draft options (camelCase task settings plus the title), unset optional ones left out."""
        options: dict[str, object] = {
            "title": self.title,
            "type": self.type.value,
            "language": self.language.value,
            "mediaMode": self.media_mode.value,
            "privacy": self.privacy.value,
            "imageCount": self.image_count,
            "requiresApproval": self.requires_approval,
            "fps": self.fps,
        }
        if self.target_duration_s is not None:
            options["targetDurationS"] = self.target_duration_s
        if self.render_height is not None:
            options["renderHeight"] = self.render_height
        return options


@dg.op
def launch_task(
    context: dg.OpExecutionContext, config: LaunchTaskConfig, app_db: AppDbResource
) -> dg.Output[str]:
    """Add the task as a draft of the owner's queue (one per Dagster run) and run it; outputs its id."""
    # imported here: the queue use cases (and the image/voice validation they pull in) are not needed by
    # the stage runs' workers, which load this code location too
    from media_pipeline.store import Owner, RunResult
    from media_pipeline.usecases import UseCases, with_current_version

    owner = Owner(config.user_id, config.workspace_id)
    usecases = UseCases(app_db.config.app_db_url, owner, settings=app_db.config.settings)
    queues = usecases.queues
    added = with_current_version(
        queues, lambda version: queues.add_assets([f"dagster-{context.run_id}"], config.options(), version)
    )
    task = added.tasks[0]

    def run(version: int) -> RunResult:
        return usecases.run_drafts(version, [task.id])

    result = with_current_version(queues, run)
    state = "scheduled" if result.scheduled else "queued"
    context.log.info(f"task {task.id} ({config.title!r}) {state}")
    return dg.Output(task.id, metadata={"task_id": task.id, "status": state})


@dg.job(executor_def=dg.in_process_executor)
def launch_task_job() -> None:
    """Create a new video task from the Launchpad form and queue it like the console's Run."""
    launch_task()
