"""Process-wide settings read from ``MEDIA_PIPELINE_*`` environment variables (the one place env is read)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class PlanLimits(BaseModel):
    """What one plan allows a workspace (seed 000: plan limits)."""

    drafts_per_queue: int = Field(ge=1, description="Drafts a queue may hold.")
    items_per_add: int = Field(ge=1, description="Assets one add request may carry.")
    runs_per_day: int = Field(ge=1, description="Productions the users may start per UTC day.")


DEV_JWT_SECRET = "media-pipeline-dev-secret-change-me-in-production"
"""The built-in JWT secret: accepted only in development mode."""
DEFAULT_PLANS = {
    "free": PlanLimits(drafts_per_queue=50, items_per_add=10, runs_per_day=20),
    "pro": PlanLimits(drafts_per_queue=500, items_per_add=100, runs_per_day=500),
    "business": PlanLimits(drafts_per_queue=5000, items_per_add=1000, runs_per_day=10000),
}

DEFAULT_STALL_LIMITS_S = {
    "script": 600.0,  # an LLM call: 3 tries of at most llm_timeout_s each, with backoff
    "images": 1200.0,  # one image per move; a generated video clip may poll for sora_timeout_s
    "video": 600.0,  # ffmpeg reports out_time twice a second; the slowest step without it is a short pass
    "thumbnail": 300.0,
    "youtube_video": 900.0,  # bytes move per acknowledged chunk (youtube_chunk_size)
}
"""Stall limits that a 10-minute long-form render on a slow worker never reaches."""


class Settings(BaseSettings):
    """All knobs of the system; every field maps to ``MEDIA_PIPELINE_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="MEDIA_PIPELINE_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Root for local state (storage, SQLite files).")
    storage_root: Path | None = Field(default=None, description="Task files; default <data_dir>/storage.")
    storage_url: str | None = Field(
        default=None,
        description="Where task files live: a local folder (plain path or file:///...; default "
        "<storage_root>) or S3-compatible object storage s3://bucket/prefix (endpoint and credentials from "
        "AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION or an AWS profile).",
    )
    scratch_dir: Path | None = Field(
        default=None,
        description="Parent of the per-run scratch folders on object storage (default: the system temp "
        "folder, e.g. a tmpfs in containers).",
    )
    storage_presign_expiry_s: int = Field(
        default=3600, ge=60, le=7 * 24 * 3600, description="Lifetime of presigned download URLs."
    )
    storage_public_endpoint_url: str | None = Field(
        default=None,
        description="Endpoint used in presigned URLs when clients reach the object store by another name "
        "than the workers (e.g. http://127.0.0.1:9000 for MinIO in docker-compose).",
    )
    storage_s3_path_style: bool = Field(
        default=False, description="Path-style bucket addressing (MinIO and most self-hosted stores)."
    )
    storage_multipart_chunk_bytes: int = Field(
        default=8 * 1024 * 1024, ge=5 * 1024 * 1024, description="Multipart threshold and part size."
    )
    app_db_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the app DB; default sqlite:///<data_dir>/app.db."
    )
    font_path: Path | None = Field(
        default=None, description="Hangul-capable TTF/OTF; auto-detected if unset."
    )

    # Script writer (OpenAI-compatible chat completions); template writer when llm_base_url is unset.
    script_writer: str = Field(default="template", description="template | llm")
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = 60.0

    # Narration (text-to-speech); a task's `voice` setting picks the provider, these are its defaults.
    tts_provider: str = Field(
        default="espeak", description="Provider of tasks without a voice: espeak | openai | google."
    )
    tts_speed: float = Field(default=1.0, ge=0.5, le=2.0, description="Speaking rate (1.0 = normal).")
    tts_timeout_s: float = 60.0
    tts_base_url: str | None = Field(
        default=None, description="OpenAI-compatible speech endpoint base (.../v1); enables openai voices."
    )
    tts_api_key: SecretStr | None = None
    tts_model: str = "tts-1"
    tts_voice: str = Field(default="alloy", description="Default voice of the OpenAI-compatible provider.")
    tts_response_format: Literal["mp3", "opus", "aac", "flac", "wav"] = Field(
        default="mp3", description="Audio container asked of the OpenAI-compatible endpoint (not raw pcm)."
    )
    elevenlabs_base_url: str = Field(
        default="https://api.elevenlabs.io",
        description="An ElevenLabs-compatible API (voices, cloning, TTS).",
    )
    elevenlabs_api_key: SecretStr | None = None
    elevenlabs_model: str = Field(default="eleven_multilingual_v2", description="ElevenLabs model_id.")
    elevenlabs_voice: str | None = Field(default=None, description="Default ElevenLabs voice_id.")
    tts_google_base_url: str = "https://texttospeech.googleapis.com"
    tts_google_api_key: SecretStr | None = None
    tts_google_credentials_file: Path | None = Field(
        default=None, description="Service-account JSON for Google Cloud TTS (instead of an API key)."
    )
    tts_google_voice: str | None = Field(
        default=None, description="Default Google voice; else a Neural2/WaveNet voice of the language."
    )

    # AI image providers.
    images_base_url: str | None = Field(default=None, description="OpenAI-compatible images endpoint base.")
    images_api_key: SecretStr | None = None
    images_model: str = "dall-e-3"
    imagen_base_url: str | None = None
    imagen_api_key: SecretStr | None = None
    imagen_model: str = "imagen-3.0-generate-002"
    sora_base_url: str | None = None
    sora_api_key: SecretStr | None = None
    sora_model: str = "sora-2"
    images_timeout_s: float = 120.0
    sora_poll_interval_s: float = 10.0
    sora_timeout_s: float = 900.0
    # Stock clips (mediaMode ``stock``; docs/ARCHITECTURE.md §8).
    pexels_base_url: str = "https://api.pexels.com"
    pexels_api_key: SecretStr | None = None
    pixabay_base_url: str = "https://pixabay.com"
    pixabay_api_key: SecretStr | None = None
    clip_max_bytes: int = Field(default=100 * 1024 * 1024, description="Largest stock clip download.")
    clip_max_s: float = Field(default=300.0, gt=0, description="Longest stock or uploaded clip, seconds.")
    credit_prices: dict[str, int] = Field(
        default={"dalle3": 1, "imagen3": 1, "sora2": 4},
        description="Credits per image for each mediaMode (JSON); a mode not listed costs 0 (local, upload, "
        "crawl). Reserved at Run, consumed per made image, refunded for images not made.",
    )

    # Image crawling and uploads.
    crawl_allow_private: bool = Field(default=False, description="Allow crawling private/loopback hosts.")
    crawl_max_bytes: int = 15 * 1024 * 1024
    crawl_timeout_s: float = 20.0
    crawl_max_redirects: int = 3
    crawl_allow_networks: list[str] = Field(
        default=[], description="CIDR ranges crawlable even though private (e.g. an internal image CDN)."
    )
    upload_max_bytes: int = 20 * 1024 * 1024
    music_max_bytes: int = Field(
        default=30 * 1024 * 1024, description="Largest music track upload (MP3/AAC/M4A/WAV), in bytes."
    )

    # Publishing.
    publisher: str = Field(
        default="auto", description="auto | local | youtube (auto: youtube if token file)."
    )
    youtube_token_file: Path | None = None
    youtube_channels_dir: Path | None = Field(
        default=None,
        description="Token files of the workspaces' channel settings, <id>.json; default <data_dir>/youtube.",
    )
    youtube_client_secrets_file: Path | None = None
    youtube_api_base_url: str | None = Field(default=None, description="Override for tests (loopback fake).")
    youtube_analytics_base_url: str | None = Field(
        default=None, description="YouTube Analytics API override for tests (serves its discovery document)."
    )
    performance_max_age_days: int = Field(
        default=90, ge=1, le=3650, description="Publications younger than this get their metrics refreshed."
    )
    performance_hourly_h: int = Field(
        default=48, ge=0, le=720, description="Refresh a publication hourly (not daily) for its first hours."
    )
    performance_early_interval_s: float = Field(
        default=55 * 60.0,
        gt=0,
        description="Refresh interval in the first hours (an hourly tick catches it).",
    )
    performance_late_interval_s: float = Field(
        default=23 * 3600.0, gt=0, description="Refresh interval afterwards (a daily refresh)."
    )
    performance_stale_h: float = Field(
        default=26.0, gt=0, description="The freshness check fails for metrics older than this."
    )
    performance_cron: str = Field(
        default="0 * * * *", description="When the performance schedule ticks (it picks what is due)."
    )
    youtube_token_uri: str | None = Field(
        default=None, description="OAuth token endpoint override for tests (google-auth ignores the file's)."
    )
    youtube_auth_uri: str | None = Field(
        default=None,
        description="OAuth authorization endpoint override (default: the client secrets file's).",
    )
    youtube_revoke_uri: str = Field(
        default="https://oauth2.googleapis.com/revoke", description="OAuth token revocation endpoint."
    )
    youtube_oauth_redirect_uri: str | None = Field(
        default=None,
        description="The API's public OAuth callback URL, <origin>/api/channels/oauth/callback, registered "
        "with the OAuth client; default derived from the request.",
    )
    token_encryption_key: SecretStr | None = Field(
        default=None,
        description="Fernet key (urlsafe base64 of 32 bytes) encrypting OAuth tokens at rest; required to "
        "connect channels from the console.",
    )
    youtube_chunk_size: int = 8 * 1024 * 1024
    youtube_category_id: str = "22"
    youtube_max_retries: int = Field(
        default=8, description="Consecutive transient failures before giving up."
    )
    youtube_request_deadline_s: float = Field(
        default=300.0,
        gt=0,
        description="Total deadline of one YouTube request, one upload chunk included (a stalled chunk "
        "fails as transient and the upload resumes).",
    )
    # TikTok and Instagram Reels (docs/ARCHITECTURE.md §10, publications).
    tiktok_client_key: str | None = None
    tiktok_client_secret: SecretStr | None = None
    tiktok_api_base_url: str = "https://open.tiktokapis.com"
    tiktok_auth_uri: str = "https://www.tiktok.com/v2/auth/authorize/"
    tiktok_chunk_size: int = Field(
        default=10 * 1024 * 1024, description="FILE_UPLOAD chunk size, clamped to TikTok's 5-64 MB."
    )
    instagram_app_id: str | None = None
    instagram_app_secret: SecretStr | None = None
    instagram_graph_url: str = "https://graph.instagram.com/v21.0"
    instagram_auth_uri: str = "https://www.instagram.com/oauth/authorize"
    instagram_token_uri: str = "https://api.instagram.com/oauth/access_token"
    public_base_url: str | None = Field(
        default=None,
        description="The API's public origin (https://host): Instagram fetches videos of the local task "
        "storage from signed links there.",
    )
    publish_poll_interval_s: float = Field(
        default=5.0, description="Pause between status polls of a TikTok post or an Instagram container."
    )
    publish_defer_horizon_h: float = Field(
        default=72.0,
        gt=0,
        description="A publication deferred (quota, rate limit) past this many hours after its first try "
        "fails with that reason; deferrals before it do not use the publish stage's retries.",
    )
    publish_poll_timeout_s: float = Field(
        default=600.0,
        description="How long one attempt polls before it fails as transient (under the publish stage's "
        "stall limit; each status change also counts as progress).",
    )

    # HTTP API.
    mode: Literal["development", "production"] = Field(
        default="development",
        description="development (make demo, tests: the built-in JWT secret is allowed) | production (the "
        "API refuses to start without a JWT secret of at least 32 characters).",
    )
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_secret_file: Path | None = Field(
        default=None, description="File holding the JWT secret (e.g. a mounted secret); wins over jwt_secret."
    )
    jwt_issuer: str = "media_pipeline"
    login_max_failures: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins per username (and 4x per address) within login_window_s.",
    )
    login_window_s: float = Field(default=300.0, gt=0, description="Window of the sign-in rate limit.")
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="API worker processes sharing api_port (one per core the API may use; see README). "
        "With more than one, each worker builds its app from these MEDIA_PIPELINE_* variables.",
    )
    cors_allowed_origins: list[str] = Field(
        default=[],
        description="Browser origins (e.g. https://app.example.com) allowed to call the API and open the "
        "progress WebSocket from another origin; default none (same origin only).",
    )

    # Queue limits: per plan; a workspace's plan is set with `media-pipeline plan` (else default_plan).
    plans: dict[str, PlanLimits] = Field(
        default_factory=lambda: dict(DEFAULT_PLANS),
        description='Plans by name, e.g. {"free": {"drafts_per_queue": 50, "items_per_add": 10, '
        '"runs_per_day": 20}, ...}.',
    )
    default_plan: str = Field(default="free", description="Plan of workspaces without one of their own.")
    draft_ttl_days: int = Field(default=30, ge=1, description="Drafts untouched this long expire.")
    sensor_max_runs_per_tick: int = 25
    sensor_launchable_window_max: int = Field(
        default=4000,
        ge=1,
        description="How far down the fair dispatch order a dispatch sensor looks for stages without a run "
        "(docs/ARCHITECTURE.md §4): keep it above the number of workspaces with queued tasks, or those "
        "queued last wait while earlier ones' runs fill the window; it also caps how many runs wait for "
        "their stage's slot.",
    )
    sensor_long_poll_s: float = Field(
        default=3.0,
        description="How long a dispatch sensor tick waits for new work (see sensors.py); keep it below the "
        "daemon's 5 s sensor loop minus ~1 s tick overhead, or every other loop is skipped.",
    )

    # Unattended operation (docs/ARCHITECTURE.md, reliability).
    heartbeat_interval_s: float = Field(
        default=5.0, description="How often a stage run's worker records its heartbeat in the app DB."
    )
    heartbeat_timeout_s: float = Field(
        default=45.0,
        description="A stage run whose heartbeat is older than this is rescued (failed, retried); a worker "
        "on this host that has exited is rescued at once.",
    )
    http_attempts: int = Field(
        default=3,
        ge=1,
        description="Tries of one provider HTTP request within a stage attempt, before the stage-level "
        "retries (5, 10, 30 s) take over.",
    )
    stall_limits_s: dict[str, float] = Field(
        default_factory=dict,
        description='Per stage, e.g. {"video": 300}: a run whose progress has not moved for this long is '
        "ended and retried (docs/ARCHITECTURE.md, liveness); stages not named keep DEFAULT_STALL_LIMITS_S.",
    )

    @model_validator(mode="after")
    def _secret_from_file(self) -> Self:
        if self.jwt_secret_file is not None:
            self.jwt_secret = SecretStr(self.jwt_secret_file.read_text(encoding="utf-8").strip())
        return self

    @model_validator(mode="after")
    def _default_plan_exists(self) -> Self:
        if self.default_plan not in self.plans:
            raise ValueError(
                f"default_plan {self.default_plan!r} is not one of the plans {sorted(self.plans)}"
            )
        return self

    def plan_limits(self, plan: str | None) -> tuple[str, PlanLimits]:
        """The plan's name and limits (the default plan for None or a plan no longer configured)."""
        name = plan if plan in self.plans else self.default_plan
        return name, self.plans[name]

    def stall_limit_s(self, stage: str) -> float:
        """Seconds without progress after which a run of ``stage`` counts as stalled."""
        return self.stall_limits_s.get(
            stage, DEFAULT_STALL_LIMITS_S.get(stage, max(DEFAULT_STALL_LIMITS_S.values()))
        )

    @property
    def resolved_data_dir(self) -> Path:
        """Absolute data directory."""
        return self.data_dir.expanduser().resolve()

    def channel_token_file(self, channel_setting_id: str) -> Path:
        """The token file of a channel setting (its id is validated by the caller: ``c`` + hex)."""
        folder = self.youtube_channels_dir or self.resolved_data_dir / "youtube"
        return folder.expanduser().resolve() / f"{channel_setting_id}.json"

    def target_token_file(self, channel_setting_id: str, target: str) -> Path:
        """The token file of a channel setting's TikTok or Instagram account (encrypted JSON)."""
        return self.channel_token_file(channel_setting_id).with_suffix(f".{target}.json")

    @property
    def resolved_storage_root(self) -> Path:
        """Absolute storage root holding ``tasks/{task_id}/...``."""
        root = self.storage_root or self.resolved_data_dir / "storage"
        return root.expanduser().resolve()

    @property
    def resolved_app_db_url(self) -> str:
        """App DB URL; SQLite in the data dir by default."""
        return self.app_db_url or f"sqlite:///{self.resolved_data_dir / 'app.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per process, by an entry point only (CLI, ``python -m media_pipeline.api``,
    ``definitions.py``, the Dagster resources, the Python API); everything below takes them as arguments."""
    return Settings()
