"""Deterministic template script writer (Korean and English; other languages get English text, marked en)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from media_pipeline.domain import ImageStyle, Language, Scene, Script, TaskSpec, VideoType
from media_pipeline.media.text import split_sentences

NARRATION_MAX_CHARS = 5400
# Scripts are written ~15 % long by estimate; the video stage drops sentences to fit the MEASURED narration.
SCRIPT_OVERSHOOT = 1.15
SENTENCE_MAX_CHARS = 300
CAPTION_MAX_CHARS = 60
MAX_TAGS = 15
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class SpeechRate:
    """espeak-ng speaking speed: ``units`` per second plus a fixed cost per sentence (measured)."""

    units_per_s: float
    sentence_s: float
    digit_units: float


# Fitted on espeak-ng 1.51 WAVs of the template sentences (default speed): English 4.0 words/s, Korean 5.6
# syllables/s, plus per sentence ~0.95/0.85 s of leading/trailing silence and the 0.25 s pause tts inserts.
RATES = {
    Language.EN: SpeechRate(units_per_s=4.0, sentence_s=0.95, digit_units=1.8),
    Language.KO: SpeechRate(units_per_s=5.6, sentence_s=0.85, digit_units=1.6),
}


def estimate_speech_s(text: str, language: Language) -> float:
    """Rough espeak-ng duration of ``text`` in seconds (Korean counts syllables, others words)."""
    rate = RATES[Language.KO if language is Language.KO else Language.EN]
    units = len(_LATIN_WORD.findall(text)) + rate.digit_units * len(_DIGIT.findall(text))
    if language is Language.KO:
        units += len(_HANGUL.findall(text))
    return len(split_sentences(text)) * rate.sentence_s + units / rate.units_per_s


@dataclass(frozen=True)
class Phrasebook:
    """All template sentences of one language; ``{title}``, ``{name}``, ``{price}``, ``{k}`` are filled in."""

    intro: dict[VideoType, tuple[str, ...]]
    ordinals: tuple[str, ...]
    ordinal_fallback: str
    feature: str
    price: str
    price_caption: str
    points: tuple[str, ...]
    point_caption: str
    fillers: tuple[str, ...]
    product_fillers: tuple[str, ...]
    outro: tuple[str, ...]
    product_outro: tuple[str, ...]
    outro_caption: str
    type_tags: dict[VideoType, str]

    def ordinal(self, index: int) -> str:
        """Ordinal word for position ``index`` (0-based): "First", "첫째", then "Number 11"/"11번째"."""
        if index < len(self.ordinals):
            return self.ordinals[index]
        return self.ordinal_fallback.format(k=index + 1)


ENGLISH = Phrasebook(
    intro={
        VideoType.SHORTFORM: ("Let's talk about {title}.", "Here is what you need to know, quick and clear."),
        VideoType.LONGFORM: (
            "Welcome! Today we take a closer look at {title}.",
            "Stay with me, because there is a lot to cover.",
        ),
        VideoType.PRODUCT: ("Meet {name}.", "{title}, and here is why it stands out."),
    },
    ordinals=("First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth"),
    ordinal_fallback="Number {k}",
    feature="{ordinal}, {feature}.",
    price="And the price? Just {price}.",
    price_caption="Only {price}",
    points=(
        "Point {k}: keep it simple, because simple works.",
        "Point {k}: consistency beats intensity every time.",
        "Point {k}: learn from the people who already did it.",
        "Point {k}: start small and build from there.",
        "Point {k}: focus on what really matters.",
        "Point {k}: make it a habit, not a one-off.",
    ),
    point_caption="Point {k}",
    fillers=(
        "Small details like this make a real difference.",
        "Keep this in mind, because it matters more than it seems.",
        "Many people overlook this, but you don't have to.",
        "It is simple, practical and easy to remember.",
        "Think about how this fits into your everyday life.",
        "That is exactly why so many people are paying attention.",
        "Once you see it, you cannot unsee it.",
        "The best part is that anyone can get started today.",
        "This is where things get interesting.",
        "Write this one down, you will want it later.",
        "Try it for yourself and feel the difference.",
        "Experts agree that this approach really pays off.",
    ),
    product_fillers=(
        "{name} was designed with exactly this in mind.",
        "With {name}, everyday tasks simply get easier.",
    ),
    outro=("That's {title} in a nutshell.", "If this helped, like and subscribe for more."),
    product_outro=("Check the link below and get {name} today.", "Like and subscribe for more finds."),
    outro_caption="Like & subscribe!",
    type_tags={VideoType.SHORTFORM: "shorts", VideoType.LONGFORM: "explained", VideoType.PRODUCT: "review"},
)

# Korean sentences only attach particles that do not depend on the final consonant (에, 의, 도, 입니다).
KOREAN = Phrasebook(
    intro={
        VideoType.SHORTFORM: (
            "오늘은 {title}에 대해 짧고 굵게 알아보겠습니다.",
            "끝까지 보시면 분명 도움이 될 거예요.",
        ),
        VideoType.LONGFORM: (
            "안녕하세요! 오늘은 {title}에 대해 자세히 이야기해 보겠습니다.",
            "준비되셨나요? 바로 시작하겠습니다.",
        ),
        VideoType.PRODUCT: ("오늘 소개할 제품은 {name}입니다.", "{title}, 지금 바로 확인해 보세요."),
    },
    ordinals=("첫째", "둘째", "셋째", "넷째", "다섯째", "여섯째", "일곱째", "여덟째", "아홉째", "열째"),
    ordinal_fallback="{k}번째",
    feature="{ordinal}, {feature}.",
    price="가격은 단 {price}입니다.",
    price_caption="단 {price}",
    points=(
        "{ordinal}, 단순하게 시작하는 것이 핵심입니다.",
        "{ordinal}, 꾸준함이 강도를 이깁니다.",
        "{ordinal}, 먼저 해 본 사람들에게서 배우세요.",
        "{ordinal}, 작게 시작해서 조금씩 키워 나가세요.",
        "{ordinal}, 정말 중요한 것에 집중하세요.",
        "{ordinal}, 한 번이 아니라 습관으로 만드세요.",
    ),
    point_caption="포인트 {k}",
    fillers=(
        "작은 차이가 큰 변화를 만듭니다.",
        "많은 분들이 놓치는 부분이지만 꼭 기억해 두세요.",
        "생각보다 훨씬 간단하고 실용적입니다.",
        "일상에서 바로 활용할 수 있는 내용이에요.",
        "그래서 요즘 많은 사람들이 관심을 가지고 있습니다.",
        "한 번 알고 나면 절대 잊을 수 없을 거예요.",
        "누구나 오늘 바로 시작할 수 있다는 점이 가장 큰 장점입니다.",
        "바로 여기서부터 이야기가 재미있어집니다.",
        "이 부분은 꼭 메모해 두시길 추천드립니다.",
        "직접 경험해 보면 그 차이를 확실히 느낄 수 있습니다.",
        "전문가들도 입을 모아 추천하는 방법입니다.",
        "잠시 생각해 보세요, 정말 중요한 포인트입니다.",
    ),
    product_fillers=("{name}, 바로 이런 순간을 위해 만들어졌습니다.", "{name} 하나로 일상이 더 편해집니다."),
    outro=("지금까지 {title}에 대해 알아봤습니다.", "도움이 되셨다면 구독과 좋아요 부탁드립니다!"),
    product_outro=("{name}, 아래 링크에서 지금 확인해 보세요.", "구독과 좋아요도 잊지 마세요!"),
    outro_caption="구독과 좋아요!",
    type_tags={VideoType.SHORTFORM: "쇼츠", VideoType.LONGFORM: "정보", VideoType.PRODUCT: "리뷰"},
)


def _improves(
    lines: list[str], extra: str, closing: tuple[str, ...], target_s: float, language: Language
) -> bool:
    """True if adding ``extra`` brings the spoken length closer to ``target_s`` and stays within limits."""
    current = " ".join([*lines, *closing])
    proposed = " ".join([*lines, extra, *closing])
    if len(proposed) > NARRATION_MAX_CHARS:
        return False
    return abs(estimate_speech_s(proposed, language) - target_s) < abs(
        estimate_speech_s(current, language) - target_s
    )


@dataclass(frozen=True)
class _Beat:
    """One scene's lead and closing sentences, its caption, and optional sentences used first as fillers."""

    lines: tuple[str, ...]
    caption: str
    closing: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


def _clip(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class TemplateScriptWriter:
    """Writes a script from fixed Korean/English templates, the title and the product info; no network."""

    name = "template"

    def write(self, task: TaskSpec) -> Script:
        """Return a validated script with exactly ``task.settings.scene_count`` scenes."""
        settings = task.settings
        # Templates exist in Korean and English; other languages get English text, and the script says so
        # (its language drives the narration voice, so English text is never read by a Japanese voice).
        language = Language.KO if settings.language is Language.KO else Language.EN
        book = KOREAN if language is Language.KO else ENGLISH
        values = self._values(task)
        beats = self._beats(task, book, values)
        target_s = settings.duration_s * SCRIPT_OVERSHOOT / len(beats)
        fillers = self._fillers(task, book, values)
        scenes: list[Scene] = []
        used = 0
        plan = settings.image_plan
        for index, beat in enumerate(beats):
            lines = list(beat.lines)
            while True:
                optional = len(lines) - len(beat.lines)
                if optional < len(beat.optional):
                    extra, generic = beat.optional[optional], False
                else:
                    extra, generic = fillers[used % len(fillers)], True
                if not _improves(lines, extra, beat.closing, target_s, language):
                    break
                lines.append(extra)
                used += generic
            narration = " ".join([*lines, *beat.closing])
            style, role = ImageStyle(plan[index].style), plan[index].role
            scenes.append(
                Scene(
                    index=index,
                    narration=narration,
                    caption=beat.caption,
                    image_prompt=f"{beat.caption or task.title} — {task.title}, {style.value} colour palette",
                    style=style,
                    role=role,
                )
            )
        return Script(
            title=task.title,
            language=language,
            description=self._description(task, scenes),
            tags=self._tags(task, book),
            scenes=scenes,
        )

    @staticmethod
    def _values(task: TaskSpec) -> dict[str, str]:
        product = task.product
        return {
            "title": task.title,
            "name": product.name if product else task.title,
            "price": product.price if product else "",
        }

    def _points(self, task: TaskSpec, book: Phrasebook, values: dict[str, str]) -> list[_Beat]:
        """Content beats from the product info and the task description, in order."""
        points: list[_Beat] = []
        product = task.product
        if product is not None:
            for i, feature in enumerate(product.features):
                ordinal = book.ordinal(i)
                points.append(
                    _Beat((book.feature.format(ordinal=ordinal, feature=feature.rstrip(".")),), feature)
                )
            if product.price:
                points.append(_Beat((book.price.format(**values),), book.price_caption.format(**values)))
        described = (product.description if product else "") + "\n" + task.description
        for sentence in split_sentences(described):
            points.append(_Beat((_clip(sentence, SENTENCE_MAX_CHARS),), sentence))
        return points

    def _beats(self, task: TaskSpec, book: Phrasebook, values: dict[str, str]) -> list[_Beat]:
        """Exactly ``scene_count`` beats: intro, content points, outro."""
        count = task.settings.scene_count
        hook, *more = (line.format(**values) for line in book.intro[task.settings.type])
        intro = _Beat((hook,), task.title, optional=tuple(more))
        outro_lines = book.product_outro if task.product is not None else book.outro
        wrap_up, *cta = (line.format(**values) for line in outro_lines)
        outro = _Beat((wrap_up,), book.outro_caption, closing=tuple(cta))
        if count == 1:
            beats = [_Beat((hook,), task.title, closing=outro.closing, optional=(*more, wrap_up))]
        else:
            points = self._points(task, book, values)
            middle: list[_Beat] = []
            for j in range(count - 2):
                if j < len(points):
                    middle.append(points[j])
                else:
                    k = j + 1
                    line = book.points[j % len(book.points)].format(k=k, ordinal=book.ordinal(j))
                    middle.append(_Beat((line,), book.point_caption.format(k=k)))
            beats = [intro, *middle, outro]
        return [
            _Beat(
                beat.lines,
                _clip(" ".join(beat.caption.split()), CAPTION_MAX_CHARS),
                beat.closing,
                beat.optional,
            )
            for beat in beats
        ]

    @staticmethod
    def _fillers(task: TaskSpec, book: Phrasebook, values: dict[str, str]) -> list[str]:
        extra = book.product_fillers if task.product is not None else ()
        return [line.format(**values) for line in (*extra, *book.fillers)]

    @staticmethod
    def _description(task: TaskSpec, scenes: list[Scene]) -> str:
        summary = task.description or (task.product.description if task.product else "")
        body = summary or " ".join(scene.narration for scene in scenes[:2])
        return _clip(f"{task.title}\n\n{body}", 4000)

    @staticmethod
    def _tags(task: TaskSpec, book: Phrasebook) -> list[str]:
        candidates = list(task.settings.tags)
        if task.product is not None:
            candidates.append(task.product.name)
        candidates += [word.strip("#.,!?") for word in task.title.split()]
        candidates.append(book.type_tags[task.settings.type])
        tags: list[str] = []
        for tag in candidates:
            tag = _clip(tag, 60)
            if len(tag) >= 2 and tag.lower() not in {t.lower() for t in tags}:
                tags.append(tag)
        return tags[:MAX_TAGS]
