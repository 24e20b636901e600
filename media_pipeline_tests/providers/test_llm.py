"""OpenAICompatibleScriptWriter against a loopback fake chat-completions endpoint."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import SecretStr

from media_pipeline.errors import PermanentError, ProviderNotConfiguredError, TransientError
from media_pipeline.providers.llm import OpenAICompatibleScriptWriter, parse_script
from media_pipeline.providers.retry import Backoff
from media_pipeline.providers.script_writers import build_script_writer
from media_pipeline.settings import Settings
from media_pipeline_tests.providers.fakeserver import FakeServer, Reply, scripted
from media_pipeline_tests.providers.helpers import make_task


def story(scenes: int = 3, language: str = "en", **extra: Any) -> dict[str, Any]:
    return {
        "title": "Lakes at dawn",
        "language": language,
        "description": "Calm lakes.",
        "tags": ["lake", "dawn"],
        "scenes": [
            {
                "index": 7,
                "narration": f"Scene {i} narration.",
                "caption": f"Cap {i}",
                "image_prompt": "a lake",
            }
            for i in range(scenes)
        ],
        **extra,
    }


def completion(content: str) -> Reply:
    return Reply.json({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})


def run_writer(
    make_settings: Callable[..., Settings], sleeps: list[float], *replies: Reply, **task_settings: Any
) -> tuple[Any, FakeServer]:
    with FakeServer(scripted(*replies)) as server:
        settings = make_settings(
            script_writer="llm",
            llm_base_url=f"{server.base_url}/v1",
            llm_model="m",
            llm_api_key=SecretStr("k"),
        )
        writer = OpenAICompatibleScriptWriter(
            settings, backoff=Backoff(sleep=sleeps.append, rand=lambda: 0.0)
        )
        try:
            return writer.write(make_task(**task_settings)), server
        except Exception as exc:
            return exc, server


def test_good_answer_in_fences_is_validated_and_normalised(
    make_settings: Callable[..., Settings], sleeps: list[float]
) -> None:
    fenced = "```json\n" + json.dumps(story(extra_key=1)) + "\n```"
    script, server = run_writer(make_settings, sleeps, completion(fenced), styles=["neon", "ocean"])

    assert [s.index for s in script.scenes] == [0, 1, 2]
    assert [s.style.value for s in script.scenes] == ["neon", "ocean", "neon"]
    assert script.title == "Lakes at dawn" and script.language.value == "en"
    (request,) = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer k"
    body = request.json()
    assert body["model"] == "m" and body["response_format"] == {"type": "json_object"}
    assert '"scenes"' in body["messages"][0]["content"]  # the schema is in the system prompt
    assert '"scene_count": 3' in body["messages"][1]["content"]


def test_invalid_json_is_reasked_once_then_fails_clearly(
    make_settings: Callable[..., Settings], sleeps: list[float]
) -> None:
    error, server = run_writer(make_settings, sleeps, completion('Sure! {"title": oops}'))

    assert isinstance(error, PermanentError)
    assert "not valid JSON" in str(error)
    assert len(server.requests) == 2
    assert "invalid" in server.requests[1].json()["messages"][-1]["content"]


def test_wrong_scene_count_then_corrected(
    make_settings: Callable[..., Settings], sleeps: list[float]
) -> None:
    script, server = run_writer(
        make_settings,
        sleeps,
        completion(json.dumps(story(scenes=2))),
        completion(json.dumps(story(scenes=3))),
    )

    assert len(script.scenes) == 3
    assert "2 scenes but the task asks for exactly 3" in server.requests[1].json()["messages"][-1]["content"]


def test_wrong_scene_count_and_language_are_named(make_settings: Callable[..., Settings]) -> None:
    task = make_task()
    with pytest.raises(PermanentError, match="5 scenes but the task asks for exactly 3"):
        parse_script(json.dumps(story(scenes=5)), task)
    with pytest.raises(PermanentError, match="language is 'ko'"):
        parse_script(json.dumps(story(language="ko")), task)
    with pytest.raises(PermanentError, match=r"scenes\.1\.narration"):
        broken = story()
        broken["scenes"][1]["narration"] = ""
        parse_script(json.dumps(broken), task)


def test_5xx_then_success(make_settings: Callable[..., Settings], sleeps: list[float]) -> None:
    script, server = run_writer(
        make_settings, sleeps, Reply(503, b"busy"), Reply(429, b"slow down"), completion(json.dumps(story()))
    )

    assert len(script.scenes) == 3 and len(server.requests) == 3
    assert sleeps == [1.0, 2.0]


def test_5xx_exhausted_is_transient(make_settings: Callable[..., Settings], sleeps: list[float]) -> None:
    error, server = run_writer(make_settings, sleeps, Reply(500, b"boom"))

    assert isinstance(error, TransientError) and "3 attempts" in str(error)
    assert len(server.requests) == 3


def test_4xx_is_permanent(make_settings: Callable[..., Settings], sleeps: list[float]) -> None:
    error, server = run_writer(make_settings, sleeps, Reply.json({"error": "model not found"}, status=404))

    assert isinstance(error, PermanentError) and "404" in str(error)
    assert len(server.requests) == 1


def test_build_script_writer(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(ProviderNotConfiguredError, match="LLM_BASE_URL"):
        build_script_writer(make_settings(script_writer="llm"))
    with pytest.raises(ProviderNotConfiguredError, match="unknown script writer"):
        build_script_writer(make_settings(script_writer="magic"))
    writer = build_script_writer(make_settings(script_writer="llm", llm_base_url="http://127.0.0.1:9/v1"))
    assert writer.name == "llm"
