"""The deploy/ files against their real schemas and programs: the compose file validates against the Compose
Specification's JSON schema (the copy check-jsonschema vendors, with its licence), and every command the
compose file, the Dockerfile and the Helm values start exists in the image's Python environment and accepts
its arguments."""

from __future__ import annotations

import importlib
import importlib.resources
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
BIN = Path(sys.executable).parent
OUR_IMAGE = "media-pipeline:latest"


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yaml").read_text())


def _compose_validator() -> jsonschema.protocols.Validator:
    vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    assert (vendor / "licenses" / "LICENSE.compose-spec").is_file()
    schema = json.loads((vendor / "compose-spec.json").read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


def test_compose_file_follows_the_compose_specification() -> None:
    validator = _compose_validator()
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(_compose())]
    assert errors == []


@pytest.mark.parametrize(
    ("service", "change"),
    [
        ("api", {"restart_policy": "always"}),  # a key the specification does not know
        ("daemon", {"depends_on": {"code-server": {"condition": "service_ready"}}}),  # not a condition
        ("webserver", {"networks": "media_pipeline"}),  # networks is a list or a mapping
    ],
)
def test_the_compose_schema_refuses_a_broken_service(service: str, change: dict) -> None:
    """The schema check can fail: typical mistakes in a service are reported."""
    compose = _compose()
    compose["services"][service].update(change)
    assert list(_compose_validator().iter_errors(compose)), change


def _commands() -> list[list[str]]:
    """Every command line deploy/ starts from our image: compose services, the Dockerfile's CMD and
    healthchecks, and the Helm chart's code server."""
    compose = _compose()
    commands: list[list[str]] = []
    for service in compose["services"].values():
        if service.get("image") != OUR_IMAGE:
            continue
        command = service["command"]
        commands.append(shlex.split(command) if isinstance(command, str) else list(command))
        test = service.get("healthcheck", {}).get("test")
        if test and test[0] == "CMD":
            commands.append(list(test[1:]))
    cmd = re.search(r"^CMD (\[.*\])$", (DEPLOY / "Dockerfile").read_text(), re.MULTILINE)
    assert cmd is not None
    commands.append(json.loads(cmd.group(1)))
    values = yaml.safe_load((DEPLOY / "k8s" / "values.yaml").read_text())
    for deployment in values["dagster-user-deployments"]["deployments"]:
        commands.append(["dagster", "code-server", "start", *deployment["codeServerArgs"]])
    return commands


def _help_argv(command: list[str]) -> list[str]:
    """``command``'s program and subcommands (the words before the first option) with ``--help``."""
    words = []
    for word in command:
        if word.startswith("-"):
            break
        words.append(word)
    return [str(BIN / words[0]), *words[1:], "--help"]


def test_every_command_in_the_deploy_files_exists() -> None:
    commands = _commands()
    assert len(commands) >= 7
    failures = []
    for argv in {tuple(_help_argv(command)) for command in commands}:
        result = subprocess.run(list(argv), capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            failures.append(f"{' '.join(argv)}: exit {result.returncode}: {result.stderr[-300:]}")
    assert failures == []


def test_code_locations_named_in_the_deploy_files_load() -> None:
    modules = set()
    for command in _commands():
        if "-m" in command:
            modules.add(command[command.index("-m") + 1])
    assert modules == {"media_pipeline.definitions"}
    for module in modules:
        defs = importlib.import_module(module).defs
        assert defs.resolve_asset_graph().get_all_asset_keys()
