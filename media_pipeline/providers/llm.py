"""Script writer over an OpenAI-compatible ``/chat/completions`` endpoint (OpenAI, Ollama, vLLM, ...).

The model is asked for the exact ``story.json`` structure (the JSON schema of :class:`Script`); its answer
is parsed, lightly normalised (scene indexes, the task's styles, over-long captions) and validated. An
invalid answer is sent back once with the problem named; a second invalid answer is a PermanentError.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError

from media_pipeline.domain import Scene, Script, TaskSpec
from media_pipeline.errors import PermanentError, ProviderNotConfiguredError
from media_pipeline.providers.http_api import HttpApi, bearer_headers, secret_value
from media_pipeline.providers.retry import Backoff
from media_pipeline.settings import Settings

_FENCE_RE = re.compile(r"^\s*```[A-Za-z]*\s*(.*?)\s*```\s*$", re.DOTALL)
_TRUNCATE = {"caption": 120, "image_prompt": 1000}


class InvalidScriptOutput(PermanentError):
    """The model's answer is not a valid script for the task."""


def scene_styles(task: TaskSpec) -> list[str]:
    """The style of each scene, from the task's image plan (docs/ARCHITECTURE.md §8)."""
    return [planned.style for planned in task.settings.image_plan]


def build_messages(task: TaskSpec) -> list[dict[str, str]]:
    """System prompt (the story.json schema and rules) and the user prompt describing the task."""
    settings = task.settings
    seconds_per_scene = settings.duration_s / settings.scene_count
    schema = json.dumps(Script.model_json_schema(), ensure_ascii=False)
    system = (
        "You write scripts for short narrated videos. Answer with ONE JSON object and nothing else "
        "(no prose, no Markdown fences). It must validate against this JSON schema of story.json:\n"
        f"{schema}\n"
        "Rules: exactly the requested number of scenes, indexes 0..n-1 in order; every scene has a "
        "narration (spoken text), a short on-screen caption and an English image_prompt describing a "
        "picture without any text in it; use the style given for each scene and show its role (what the "
        "picture is of); write title, description, "
        "narrations and captions in the requested language; tags are short keywords; each scene's "
        "keywords are 1-3 English words to search a stock video of it."
    )
    request: dict[str, Any] = {
        "title": task.title,
        "type": settings.type.value,
        "language": settings.language.value,
        "scene_count": settings.scene_count,
        "target_duration_seconds": settings.duration_s,
        "seconds_of_narration_per_scene": round(seconds_per_scene, 1),
        "scene_styles": scene_styles(task),
        "scene_roles": [planned.role for planned in settings.image_plan],
    }
    if task.description:
        request["brief"] = task.description
    if task.product is not None:
        request["product"] = task.product.model_dump(mode="json", exclude_defaults=True)
    user = "Write the script for this video:\n" + json.dumps(request, ensure_ascii=False, indent=2)
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def extract_json_object(content: str) -> dict[str, Any]:
    """The JSON object in a model answer (Markdown fences and surrounding prose tolerated)."""
    text = content.strip()
    fenced = _FENCE_RE.match(text)
    if fenced:
        text = fenced.group(1)
    if not text.startswith("{"):
        start, end = text.find("{"), text.rfind("}")
        if start < 0 or end <= start:
            raise InvalidScriptOutput("the answer contains no JSON object")
        text = text[start : end + 1]
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidScriptOutput(f"the answer is not valid JSON ({exc.msg} at char {exc.pos})") from exc
    if not isinstance(payload, dict):
        raise InvalidScriptOutput("the answer is JSON but not an object")
    return payload


def _known(data: dict[str, Any], model: type[Script] | type[Scene]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key in model.model_fields}


def _normalise_scene(raw: Any, index: int, style: str, role: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidScriptOutput(f"scene {index} is not an object")
    scene = _known(raw, Scene)
    for key, limit in _TRUNCATE.items():
        if isinstance(scene.get(key), str):
            scene[key] = scene[key][:limit]
    scene.update(index=index, style=style, role=role)
    return scene


def parse_script(content: str, task: TaskSpec) -> Script:
    """Validate a model answer as the task's script; raise :class:`InvalidScriptOutput` naming the problem."""
    data = _known(extract_json_object(content), Script)
    expected_language = task.settings.language.value
    language = data.setdefault("language", expected_language)
    if language != expected_language:
        raise InvalidScriptOutput(f"language is {language!r} but the task asks for {expected_language!r}")
    scenes = data.get("scenes")
    if not isinstance(scenes, list):
        raise InvalidScriptOutput("'scenes' is missing or not a list")
    plan = task.settings.image_plan
    expected = len(plan)
    if len(scenes) != expected:
        raise InvalidScriptOutput(f"{len(scenes)} scenes but the task asks for exactly {expected}")
    data["scenes"] = [_normalise_scene(raw, i, *plan[i]) for i, raw in enumerate(scenes)]
    title = data.get("title")
    data["title"] = (title.strip() if isinstance(title, str) and title.strip() else task.title)[:100]
    if isinstance(data.get("description"), str):
        data["description"] = data["description"][:5000]
    try:
        return Script.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or 'script'}: {err['msg']}" for err in exc.errors()
        )
        raise InvalidScriptOutput(f"the script does not validate: {problems}") from exc


class OpenAICompatibleScriptWriter:
    """Writes ``story.json`` with a chat-completions model; JSON mode, validated, one corrective re-ask."""

    name = "llm"

    def __init__(self, settings: Settings, *, backoff: Backoff | None = None, reasks: int = 1) -> None:
        if not settings.llm_base_url:
            raise ProviderNotConfiguredError(
                "script writer 'llm' needs MEDIA_PIPELINE_LLM_BASE_URL (an OpenAI-compatible /v1 base URL)"
            )
        self.model = settings.llm_model
        self.reasks = reasks
        self._api_args: dict[str, Any] = {
            "base_url": settings.llm_base_url,
            "name": f"LLM {settings.llm_model}",
            "headers": bearer_headers(secret_value(settings.llm_api_key)),
            "timeout_s": settings.llm_timeout_s,
            "backoff": backoff,
        }

    def _complete(self, api: HttpApi, messages: list[dict[str, str]]) -> str:
        payload = {
            "model": self.model,
            "messages": messages,
            "response_format": {"type": "json_object"},
            "temperature": 0.7,
        }
        body = api.json("POST", "chat/completions", json=payload)
        try:
            content = body["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError) as exc:
            raise PermanentError(f"{api.name} answered without choices[0].message.content") from exc
        if not isinstance(content, str) or not content.strip():
            raise InvalidScriptOutput("the answer is empty")
        return content

    def write(self, task: TaskSpec) -> Script:
        """Ask the model for the script and return it validated with exactly ``scene_count`` scenes."""
        messages = build_messages(task)
        with HttpApi(**self._api_args) as api:
            for attempt in range(self.reasks + 1):
                content = self._complete(api, messages)
                try:
                    return parse_script(content, task)
                except InvalidScriptOutput as exc:
                    if attempt == self.reasks:
                        raise InvalidScriptOutput(f"{api.name} returned an invalid script: {exc}") from exc
                    messages = [
                        *messages,
                        {"role": "assistant", "content": content},
                        {
                            "role": "user",
                            "content": f"That answer is invalid: {exc}. Reply with the corrected JSON only.",
                        },
                    ]
        raise AssertionError("unreachable")
