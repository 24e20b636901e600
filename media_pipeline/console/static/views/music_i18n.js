// Labels of the music page, the music picker of the bulk-settings dialog and the channels' video defaults
// (views/music.js, views/bulk.js, views/channels.js).
import { addMessages } from "../i18n.js";

addMessages({
  ko: {
    "nav.music": "음악", "music.title": "음악 라이브러리",
    "music.note": "라이선스가 있는 곡(MP3, AAC, M4A, WAV)을 올리고 분위기 태그를 붙이면, 영상이 분위기나 곡으로 배경 음악을 고릅니다. 곡이 없으면 생성된 배경음이 쓰입니다.",
    "music.file": "오디오 파일", "music.name": "제목", "music.moods": "분위기 (쉼표로 구분)", "music.licence": "라이선스 메모",
    "music.upload": "올리기", "music.uploaded": "'{name}'을(를) 올렸습니다.", "music.duration": "길이",
    "music.play": "재생", "music.save": "저장", "music.saved": "'{name}'을(를) 저장했습니다.", "music.delete": "삭제",
    "music.confirmDelete": "'{name}'을(를) 삭제할까요? 이 곡을 지정한 영상은 영상 단계에서 실패합니다.",
    "music.deleted": "'{name}'을(를) 삭제했습니다.", "music.empty": "올린 곡이 없습니다.",
    "music.needFile": "오디오 파일을 고르세요.", "music.needTitle": "제목을 입력하세요.",
    "music.badMood": "분위기는 영문 소문자, 숫자, '-'로 30자까지입니다: {mood}",
    "music.tooLarge": "파일이 너무 큽니다.", "music.actions": "작업",
    "opt.musicMood": "음악 분위기", "opt.musicTrackId": "음악 곡",
    "channels.defaults": "영상 기본값", "channels.kids": "아동용 기본값", "channels.kidsUnset": "아동용: 정하지 않음",
    "channels.voice": "기본 음성", "channels.saveDefaults": "기본값 저장",
    "channels.defaultsSaved": "'{name}' 채널의 기본값을 저장했습니다.",
  },
  en: {
    "nav.music": "Music", "music.title": "Music library",
    "music.note": "Upload licensed tracks (MP3, AAC, M4A, WAV) and tag their mood; videos pick their music by mood or by track. Without tracks the generated pad plays.",
    "music.file": "Audio file", "music.name": "Title", "music.moods": "Moods (comma-separated)", "music.licence": "Licence note",
    "music.upload": "Upload", "music.uploaded": "Uploaded '{name}'.", "music.duration": "Length",
    "music.play": "Play", "music.save": "Save", "music.saved": "Saved '{name}'.", "music.delete": "Delete",
    "music.confirmDelete": "Delete '{name}'? Videos naming this track fail at their video stage.",
    "music.deleted": "Deleted '{name}'.", "music.empty": "No tracks yet.",
    "music.needFile": "Choose an audio file.", "music.needTitle": "Enter a title.",
    "music.badMood": "Moods are up to 30 lower-case letters, digits or '-': {mood}",
    "music.tooLarge": "The file is too large.", "music.actions": "Actions",
    "opt.musicMood": "Music mood", "opt.musicTrackId": "Music track",
    "channels.defaults": "Video defaults", "channels.kids": "Made for kids default", "channels.kidsUnset": "Made for kids: not set",
    "channels.voice": "Default voice", "channels.saveDefaults": "Save defaults",
    "channels.defaultsSaved": "Saved the defaults of '{name}'.",
  },
});
