// Labels of the brand kit panel (views/brandkit.js) and of its audit log action (views/admin.js).
import { addMessages } from "../i18n.js";

addMessages({
  ko: {
    "brand.open": "브랜드 키트", "brand.title": "브랜드 키트: {name}",
    "brand.note": "이 채널의 모든 영상에 적용됩니다: 자막 글꼴·색·프리셋, 로고, 인트로/아웃트로, 썸네일 배치.",
    "brand.font": "글꼴 (TTF/OTF, 한글 KS X 1001 전체)", "brand.logo": "로고 (PNG/JPEG)",
    "brand.intro": "인트로 영상 (15초 이하)", "brand.outro": "아웃트로 영상 (15초 이하)",
    "brand.stored": "저장됨: {what}", "brand.none": "없음", "brand.uploaded": "업로드했습니다.",
    "brand.textColour": "자막 색", "brand.highlightColour": "강조 색", "brand.outlineColour": "외곽선 색",
    "brand.preset": "자막 프리셋", "brand.preset.task": "영상 설정대로", "brand.preset.classic": "기본 하단 자막",
    "brand.preset.shorts": "쇼츠 자막", "brand.corner": "로고 위치", "brand.corner.top-left": "왼쪽 위",
    "brand.corner.top-right": "오른쪽 위", "brand.corner.bottom-left": "왼쪽 아래",
    "brand.corner.bottom-right": "오른쪽 아래", "brand.widthPct": "로고 너비 (%)", "brand.opacity": "로고 불투명도",
    "brand.layout": "썸네일 배치", "brand.layout.band": "가운데 띠", "brand.layout.top": "위", "brand.layout.bottom": "아래",
    "brand.save": "저장", "brand.saved": "브랜드 키트를 저장했습니다.", "brand.preview": "3초 미리보기",
    "brand.previewing": "미리보기를 만드는 중…", "brand.close": "닫기",
    "audit.channel.brand_kit": "브랜드 키트 변경",
  },
  en: {
    "brand.open": "Brand kit", "brand.title": "Brand kit: {name}",
    "brand.note": "Applies to every video of this channel: caption font, colours and preset, logo, intro/outro, thumbnail layout.",
    "brand.font": "Font (TTF/OTF, all KS X 1001 Hangul)", "brand.logo": "Logo (PNG/JPEG)",
    "brand.intro": "Intro clip (at most 15 s)", "brand.outro": "Outro clip (at most 15 s)",
    "brand.stored": "Stored: {what}", "brand.none": "none", "brand.uploaded": "Uploaded.",
    "brand.textColour": "Caption colour", "brand.highlightColour": "Highlight colour", "brand.outlineColour": "Outline colour",
    "brand.preset": "Caption preset", "brand.preset.task": "As the video says", "brand.preset.classic": "Classic bottom",
    "brand.preset.shorts": "Shorts", "brand.corner": "Logo corner", "brand.corner.top-left": "Top left",
    "brand.corner.top-right": "Top right", "brand.corner.bottom-left": "Bottom left",
    "brand.corner.bottom-right": "Bottom right", "brand.widthPct": "Logo width (%)", "brand.opacity": "Logo opacity",
    "brand.layout": "Thumbnail layout", "brand.layout.band": "Centre band", "brand.layout.top": "Top", "brand.layout.bottom": "Bottom",
    "brand.save": "Save", "brand.saved": "Brand kit saved.", "brand.preview": "3-second preview",
    "brand.previewing": "Rendering the preview…", "brand.close": "Close",
    "audit.channel.brand_kit": "Brand kit changed",
  },
});
