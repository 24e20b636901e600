"""The deploy/ files load: each instance dagster.yaml becomes a DagsterInstance on a real (throwaway)
PostgreSQL with its run launcher's config valid, the Helm values match the instance they render, and the
compose file wires every role to the same image and settings."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._config import process_config

from media_pipeline_tests.pgserver import PgServer

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
STAGE_LIMIT = {
    "key": "media_pipeline/stage",
    "value": {"applyLimitPerUniqueValue": True},
    "limit": 1,
}

pytestmark = pytest.mark.postgres


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


@pytest.fixture
def dagster_pg_env(postgres_server: PgServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """DAGSTER_POSTGRES_* (and the chart's DAGSTER_PG_PASSWORD) pointing at a fresh loopback database."""
    name = f"dagster_deploy_{os.getpid()}"
    postgres_server.create_database(name)
    for key, value in {
        "DAGSTER_POSTGRES_HOST": "127.0.0.1",
        "DAGSTER_POSTGRES_USER": postgres_server.superuser,
        "DAGSTER_POSTGRES_PASSWORD": "unused-trust-auth",
        "DAGSTER_PG_PASSWORD": "unused-trust-auth",
        "DAGSTER_POSTGRES_DB": name,
    }.items():
        monkeypatch.setenv(key, value)
    try:
        yield
    finally:
        postgres_server.drop_database(name)


def _load_instance(tmp_path: Path, instance_yaml: Path, port: int) -> dg.DagsterInstance:
    home = tmp_path / "dagster_home"
    home.mkdir()
    config = _yaml(instance_yaml)
    config["storage"]["postgres"]["postgres_db"]["port"] = port
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    return dg.DagsterInstance.from_config(str(home))


def _launcher_config_valid(instance: dg.DagsterInstance) -> type:
    data = instance.get_ref().run_launcher_data
    assert data is not None
    klass = getattr(importlib.import_module(data.module_name), data.class_name)
    result = process_config(klass.config_type(), data.config_dict)
    assert result.success, [error.message for error in result.errors or []]
    return klass


@pytest.mark.parametrize(
    ("instance_yaml", "launcher"),
    [("docker/dagster.yaml", "DockerRunLauncher"), ("k8s/dagster.yaml", "K8sRunLauncher")],
)
def test_instance_yaml_loads_with_postgres_queue_limits_and_monitoring(
    instance_yaml: str,
    launcher: str,
    tmp_path: Path,
    postgres_server: PgServer,
    dagster_pg_env: None,
) -> None:
    instance = _load_instance(tmp_path, DEPLOY / instance_yaml, postgres_server.port)
    try:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert _launcher_config_valid(instance).__name__ == launcher
        coordinator = instance.run_coordinator
        assert type(coordinator).__name__ == "QueuedRunCoordinator"
        assert coordinator.inst_data is not None
        assert coordinator.inst_data.config_dict["tag_concurrency_limits"] == [STAGE_LIMIT]
        monitoring = instance.get_settings("run_monitoring")
        assert monitoring["enabled"] is True
        assert {"start_timeout_seconds", "cancel_timeout_seconds", "max_runtime_seconds"} <= monitoring.keys()
        # The storage really is usable: a run record round-trips.
        run = instance.create_run_for_job(dg.GraphDefinition(name="noop").to_job(), run_id=None)
        assert instance.get_run_by_id(run.run_id) is not None
    finally:
        instance.dispose()


def test_docker_launcher_constructs(tmp_path: Path, postgres_server: PgServer, dagster_pg_env: None) -> None:
    """DockerRunLauncher builds from the instance (it contacts the Docker daemon only when launching)."""
    instance = _load_instance(tmp_path, DEPLOY / "docker/dagster.yaml", postgres_server.port)
    try:
        launcher = instance.run_launcher
        assert type(launcher).__name__ == "DockerRunLauncher"
        assert launcher.supports_check_run_worker_health
        assert launcher.networks == ["media_pipeline"]
        assert "MEDIA_PIPELINE_STORAGE_URL" in launcher.env_vars
    finally:
        instance.dispose()


def test_stage_limits_match_the_repository_instance() -> None:
    local = _yaml(REPO / "dagster.yaml")["run_coordinator"]
    for name in ("docker/dagster.yaml", "k8s/dagster.yaml"):
        assert _yaml(DEPLOY / name)["run_coordinator"] == local, name


def test_helm_values_render_the_k8s_instance() -> None:
    values = _yaml(DEPLOY / "k8s/values.yaml")
    instance = _yaml(DEPLOY / "k8s/dagster.yaml")
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    k8s = values["runLauncher"]["config"]["k8sRunLauncher"]
    launcher = instance["run_launcher"]["config"]
    assert k8s["jobNamespace"] == launcher["job_namespace"]
    assert k8s["loadInclusterConfig"] == launcher["load_incluster_config"]
    assert [item["name"] for item in k8s["envSecrets"]] == launcher["env_secrets"]
    assert [item["name"] for item in k8s["envConfigMaps"]] == launcher["env_config_maps"]
    assert k8s["resources"] == launcher["resources"]
    assert f"{values['fullnameOverride']}-instance" == launcher["instance_config_map"]
    assert values["global"]["postgresqlSecretName"] == launcher["postgres_password_secret"]
    assert values["global"]["serviceAccountName"] == launcher["service_account_name"]

    daemon = values["dagsterDaemon"]
    queued = daemon["runCoordinator"]["config"]["queuedRunCoordinator"]
    coordinator = instance["run_coordinator"]["config"]
    assert daemon["runCoordinator"]["type"] == instance["run_coordinator"]["class"]
    assert queued["tagConcurrencyLimits"] == coordinator["tag_concurrency_limits"]
    assert queued["dequeueIntervalSeconds"] == coordinator["dequeue_interval_seconds"]
    assert queued["dequeueUseThreads"] == coordinator["dequeue_use_threads"]
    assert queued["dequeueNumWorkers"] == coordinator["dequeue_num_workers"]
    camel = {
        "enabled": "enabled",
        "startTimeoutSeconds": "start_timeout_seconds",
        "cancelTimeoutSeconds": "cancel_timeout_seconds",
        "maxRuntimeSeconds": "max_runtime_seconds",
        "pollIntervalSeconds": "poll_interval_seconds",
        "freeSlotsAfterRunEndSeconds": "free_slots_after_run_end_seconds",
    }
    assert {camel[k]: v for k, v in daemon["runMonitoring"].items()} == instance["run_monitoring"]
    assert values["postgresql"]["enabled"] is False
    deployment = values["dagster-user-deployments"]["deployments"][0]
    assert deployment["codeServerArgs"][:2] == ["-m", "media_pipeline.definitions"]


def test_compose_runs_every_role_from_one_image() -> None:
    compose = _yaml(DEPLOY / "docker-compose.yaml")
    services = compose["services"]
    assert {"postgres", "minio", "minio-init", "migrate", "code-server", "webserver", "daemon", "api"} <= set(
        services
    )
    roles = ("migrate", "code-server", "webserver", "daemon", "api")
    assert {services[name]["image"] for name in roles} == {"media-pipeline:latest"}
    assert services["code-server"]["environment"]["DAGSTER_CURRENT_IMAGE"] == "media-pipeline:latest"
    assert services["daemon"]["command"][:2] == ["dagster-daemon", "run"]
    assert services["webserver"]["command"][0] == "dagster-webserver"
    assert services["api"]["command"] == ["media-pipeline", "api"]

    launcher = _yaml(DEPLOY / "docker/dagster.yaml")["run_launcher"]["config"]
    for name in roles:
        env = services[name]["environment"]
        assert env["MEDIA_PIPELINE_STORAGE_URL"].startswith("s3://"), name
        assert env["MEDIA_PIPELINE_APP_DB_URL"].startswith("postgresql+psycopg2://"), name
        # Everything a run container needs is forwarded by the launcher from the daemon's environment.
        if name == "daemon":
            forwarded = {key for key in env if key.startswith(("DAGSTER_POSTGRES", "MEDIA_PIPELINE", "AWS_"))}
            assert forwarded <= set(launcher["env_vars"])
    assert launcher["network"] == compose["networks"]["media_pipeline"]["name"]
    assert "media-pipeline" in " ".join(services["minio-init"]["command"])


def test_dockerfile_installs_media_tools_and_launchers() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert text.startswith("#") and "FROM python:3.11-slim-bookworm" in text
    for package in ("ffmpeg", "espeak-ng", "fonts-nanum"):
        assert package in text
    assert 'pip install ".[s3,docker,k8s]"' in text
    for copied in ("deploy/docker/dagster.yaml", "deploy/docker/workspace.yaml", "media_pipeline"):
        assert (REPO / copied.split()[0]).exists()
