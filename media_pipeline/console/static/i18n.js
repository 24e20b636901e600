// Labels in Korean (default) and English; dates in the user's own time zone through Intl.
const MESSAGES = {
  ko: {
    // my contents, HLS player, stop result (views/contents.js, player.js, views/stopresult.js)
    "nav.contents": "내 콘텐츠", "contents.title": "내 콘텐츠",
    "contents.note": "삭제하면 영상·자막·썸네일 파일과 기록이 지워지고 작업은 남습니다. YouTube에 올린 영상은 YouTube에서 삭제되지 않습니다.",
    "contents.status": "상태", "contents.status.all": "전체", "contents.status.draft": "제작 중",
    "contents.status.published": "게시됨", "contents.status.failed": "실패", "contents.type": "종류",
    "contents.type.all": "전체", "contents.type.script": "대본", "contents.type.video": "영상",
    "contents.q": "제목 검색", "contents.since": "시작일", "contents.until": "종료일", "contents.filter": "찾기",
    "contents.progress": "진행 단계", "contents.step.script": "대본", "contents.step.video": "영상",
    "contents.step.published": "게시", "contents.step.failed": "실패", "contents.duration": "길이",
    "contents.script": "대본 보기", "contents.play": "재생", "contents.playTitle": "{title} 재생",
    "contents.download.video": "영상 받기", "contents.download.subtitles": "자막 받기",
    "contents.download.thumbnail": "썸네일 받기", "contents.delete": "삭제",
    "contents.confirmDelete": "'{title}'의 파일과 기록을 삭제할까요? 작업은 남습니다.",
    "contents.confirmDeleteYoutube": "'{title}'의 파일과 기록을 삭제할까요? YouTube에 올린 영상은 YouTube에서 삭제되지 않습니다.",
    "contents.deleted": "'{title}'을(를) 삭제했습니다 (파일 {files}개).",
    "contents.deletedYoutube": "'{title}'을(를) 삭제했습니다 (파일 {files}개). YouTube 영상은 그대로 있습니다.",
    "contents.thumbOf": "{title} 썸네일", "contents.noThumb": "썸네일 없음", "contents.empty": "콘텐츠가 없습니다.",
    "contents.total": "{n}개", "contents.prev": "이전", "contents.next": "다음",
    "player.auto": "자동", "player.quality": "화질", "player.error": "재생 오류: {detail}",
    "player.unsupported": "이 브라우저는 HLS 재생을 지원하지 않습니다.", "player.noLadder": "재생용 HLS가 아직 없습니다.",
    "stop.title": "중지 결과", "stop.nothing": "이미 멈춰 있었습니다", "stop.runs": "종료한 실행(run)",
    "stop.running": "중지한 진행 중 단계", "stop.waiting": "취소한 대기 단계", "stop.schedules": "일시정지한 예약",
    "stop.processes": "종료한 프로세스", "stop.role.worker": "워커", "stop.role.child": "하위 프로세스", "stop.ok": "확인",
    "skip": "본문으로", "lang": "언어", "nav.queue": "큐", "nav.automation": "자동화", "nav.schedules": "예약",
    "nav.docs": "API 문서", "signout": "로그아웃", "signin.title": "로그인", "signin.username": "아이디",
    "signin.password": "비밀번호", "signin.submit": "로그인", "signin.expired": "세션이 만료되었습니다. 다시 로그인하세요.",
    "queue.title": "큐 (초안)", "queue.add": "큐에 추가", "queue.assetId": "에셋 ID", "queue.assetTitle": "제목",
    "queue.empty": "큐에 초안이 없습니다.", "queue.selectAll": "전체 선택", "queue.select": "선택: {title}",
    "queue.bulk": "일괄 설정", "queue.delete": "선택 삭제", "queue.run": "실행 (Run)",
    "queue.runSelected": "선택 실행", "queue.moveUp": "위로: {title}", "queue.moveDown": "아래로: {title}",
    "queue.drag": "끌어서 순서 변경: {title}", "queue.conflict": "다른 곳에서 큐가 변경되었습니다. 최신 내용을 다시 불러왔습니다. 다시 시도하세요.",
    "queue.confirmDelete": "선택한 초안 {n}개를 삭제할까요?", "queue.confirmRun": "초안 {n}개를 실행할까요?",
    "queue.ran": "{n}개 작업이 대기열에 들어갔습니다.", "queue.defaults": "기본 옵션",
    "queue.added": "{n}개 초안을 추가했습니다.", "queue.version": "버전 {v}",
    "bulk.title": "일괄 설정 ({n}개 선택)", "bulk.saveDefault": "기본 옵션으로 저장", "bulk.apply": "적용",
    "bulk.cancel": "취소", "bulk.unchanged": "(변경 안 함)",
    "opt.type": "유형", "opt.mediaMode": "이미지 방식", "opt.language": "언어", "opt.voice": "음성",
    "opt.privacy": "공개 범위", "opt.targetDurationS": "길이(초)", "opt.imageCount": "이미지 수",
    "opt.requiresApproval": "대본 승인 필요", "opt.music": "배경 음악",
    "opt.captionPreset": "자막 스타일", "caption.classic": "기본 (하단)", "caption.shorts": "쇼츠 (단어 강조)",
    "opt.madeForKids": "아동용",
    "auto.title": "자동화", "tab.scheduled": "예약큐", "tab.script": "대본큐", "tab.images": "이미지큐",
    "tab.video": "영상큐", "tab.thumbnail": "썸네일큐", "tab.youtube_video": "유튜브큐", "tab.failed": "실패",
    "tab.done": "완료", "col.title": "제목", "col.stage": "단계", "col.status": "상태", "col.progress": "진행률",
    "col.message": "메시지", "col.updated": "업데이트", "col.actions": "동작", "tab.empty": "항목이 없습니다.",
    "act.stop": "중지", "act.retry": "재시도", "act.rerun": "다시 만들기", "act.open": "열기", "act.logs": "로그",
    "confirm.stop": "'{title}' 작업을 중지할까요?", "confirm.retry": "'{title}' 작업을 실패한 단계부터 다시 시도할까요?",
    "confirm.rerun": "'{title}' 영상을 새로 만들까요?", "done.stop": "작업을 중지했습니다.",
    "done.retry": "재시도를 시작했습니다.", "done.rerun": "새로 만들기를 시작했습니다.",
    "live.ws": "실시간 연결", "live.poll": "주기적 새로고침 (5초 이상)",
    "logs.title": "로그", "logs.task": "작업 ID", "logs.level": "레벨", "logs.stage": "단계", "logs.action": "동작",
    "logs.from": "시작 시각", "logs.to": "종료 시각", "logs.apply": "필터 적용", "logs.all": "전체",
    "logs.empty": "로그가 없습니다.", "col.time": "시각", "col.level": "레벨",
    "task.title": "작업", "task.script": "대본", "task.scene": "장면 {n}", "task.approve": "대본 승인",
    "task.reject": "대본 반려 (중지)", "task.awaiting": "대본 승인을 기다리는 중입니다.", "task.images": "장면 이미지",
    "task.video": "영상", "task.thumbnail": "썸네일", "task.subtitles": "자막 다운로드 (SRT)",
    "task.youtube": "유튜브에서 보기", "task.published": "게시 위치", "task.noVideo": "아직 영상이 없습니다.",
    "task.noScript": "아직 대본이 없습니다.", "task.generation": "생성 {n}", "task.credits": "사용한 크레딧 {used}", "task.creditsHeld": "사용한 크레딧 {used} · 예약 {held}", "task.confirmReject": "대본을 반려하고 작업을 중지할까요?",
    "task.confirmApprove": "대본을 승인하고 제작을 계속할까요?", "task.approved": "대본을 승인했습니다.",
    "task.back": "자동화로 돌아가기",
    "sched.title": "예약", "sched.new": "새 예약", "sched.task": "작업", "sched.time": "실행 시각",
    "sched.repeat": "반복", "sched.tz": "시간대", "sched.privacy": "공개 범위", "sched.active": "활성",
    "sched.save": "저장", "sched.edit": "수정", "sched.pause": "일시 중지", "sched.resume": "재개",
    "sched.delete": "삭제", "sched.next": "다음 실행", "sched.empty": "예약이 없습니다.", "sched.saved": "저장했습니다.",
    "sched.confirmDelete": "이 예약을 삭제할까요?", "sched.cancelEdit": "취소",
    "repeat.once": "한 번", "repeat.daily": "매일", "repeat.weekly": "매주", "repeat.monthly": "매월",
    "status.draft": "초안", "status.queued": "대기", "status.running": "진행 중", "status.succeeded": "완료",
    "status.failed": "실패", "status.canceled": "중지됨", "status.scheduled": "예약됨",
    "stage.script": "대본", "stage.images": "이미지", "stage.video": "영상", "stage.thumbnail": "썸네일",
    "stage.youtube_video": "게시", "sstatus.waiting": "대기", "sstatus.processing": "처리 중",
    "sstatus.completed": "완료", "sstatus.failed": "실패", "sstatus.canceled": "중지됨",
    "err.generic": "요청이 실패했습니다: {message}", "err.network": "서버에 연결할 수 없습니다.",
    "loading": "불러오는 중…", "yes": "예", "no": "아니요",
    // reviews (views/review.js, the automation tabs' review tab)
    "tab.review": "검토큐", "status.review": "검토 대기", "act.review": "검토하기", "review.heading": "검토",
    "review.title": "검토: {title}", "review.waiting.storyboard": "스토리보드 검토를 기다리는 중입니다. 승인해야 영상을 만듭니다.",
    "review.waiting.final": "최종 검토를 기다리는 중입니다. 승인해야 게시합니다.", "review.notWaiting": "검토할 것이 없습니다 (상태: {status}).",
    "review.storyboardNote": "장면마다 내레이션 문장과 이미지를 확인하세요. 이미지 다시 만들기는 유료 이미지 1장입니다.",
    "review.image": "장면 {n} 이미지", "review.line": "장면 {n} 내레이션", "review.saveLine": "문장 저장",
    "review.lineSaved": "장면 {n}의 문장을 저장했습니다.", "review.regenerate": "이미지 다시 만들기 (1장)",
    "review.confirmRegenerate": "장면 {n}의 이미지를 다시 만들까요? 이미지 1장 분의 크레딧이 사용됩니다.",
    "review.regenerated": "장면 {n}의 이미지를 다시 만들었습니다.", "review.upload": "장면 {n} 이미지를 업로드로 교체",
    "review.replaced": "장면 {n}의 이미지를 교체했습니다.", "review.video": "완성된 영상",
    "review.approve.storyboard": "스토리보드 승인 (영상 만들기)", "review.approve.final": "게시 승인",
    "review.reject.final": "반려 (게시하지 않음)", "review.reject.storyboard": "반려 (중지)",
    "review.confirm.approve.storyboard": "스토리보드를 승인하고 영상을 만들까요?", "review.confirm.approve.final": "이 영상을 게시할까요?",
    "review.confirm.reject.final": "영상을 반려할까요? 게시하지 않고 작업을 끝냅니다.", "review.confirm.reject.storyboard": "스토리보드를 반려하고 작업을 중지할까요?",
    "review.done.approve": "승인했습니다.", "review.done.reject": "반려했습니다. 게시하지 않습니다.",
    "review.decisions": "검토 기록", "review.kind.storyboard": "스토리보드", "review.kind.final": "최종 검토",
    "review.status.pending": "대기", "review.status.approved": "승인", "review.status.rejected": "반려",
    "review.by": "{user}, {when}", "review.openTask": "작업 페이지로",
  },
  en: {
    "nav.contents": "My contents", "contents.title": "My contents",
    "contents.note": "Deleting removes the video, subtitle and thumbnail files and records; the task stays. A video uploaded to YouTube is not deleted from YouTube.",
    "contents.status": "Status", "contents.status.all": "All", "contents.status.draft": "In production",
    "contents.status.published": "Published", "contents.status.failed": "Failed", "contents.type": "Kind",
    "contents.type.all": "All", "contents.type.script": "Script", "contents.type.video": "Video",
    "contents.q": "Title", "contents.since": "From", "contents.until": "To", "contents.filter": "Find",
    "contents.progress": "Progress", "contents.step.script": "Script", "contents.step.video": "Video",
    "contents.step.published": "Published", "contents.step.failed": "Failed", "contents.duration": "Length",
    "contents.script": "Show script", "contents.play": "Play", "contents.playTitle": "Play {title}",
    "contents.download.video": "Download video", "contents.download.subtitles": "Download subtitles",
    "contents.download.thumbnail": "Download thumbnail", "contents.delete": "Delete",
    "contents.confirmDelete": "Delete the files and records of '{title}'? The task stays.",
    "contents.confirmDeleteYoutube": "Delete the files and records of '{title}'? The video uploaded to YouTube is not deleted from YouTube.",
    "contents.deleted": "Deleted '{title}' ({files} files).",
    "contents.deletedYoutube": "Deleted '{title}' ({files} files). The YouTube video stays.",
    "contents.thumbOf": "Thumbnail of {title}", "contents.noThumb": "No thumbnail", "contents.empty": "No contents.",
    "contents.total": "{n} items", "contents.prev": "Previous", "contents.next": "Next",
    "player.auto": "Auto", "player.quality": "Quality", "player.error": "Playback error: {detail}",
    "player.unsupported": "This browser cannot play HLS.", "player.noLadder": "No HLS ladder yet.",
    "stop.title": "Stopped", "stop.nothing": "It was already stopped", "stop.runs": "Runs ended",
    "stop.running": "Running stages stopped", "stop.waiting": "Waiting stages canceled", "stop.schedules": "Schedules paused",
    "stop.processes": "Processes ended", "stop.role.worker": "worker", "stop.role.child": "child process", "stop.ok": "OK",
    "skip": "Skip to content", "lang": "Language", "nav.queue": "Queue", "nav.automation": "Automation",
    "nav.schedules": "Schedules", "nav.docs": "API docs", "signout": "Sign out", "signin.title": "Sign in",
    "signin.username": "Username", "signin.password": "Password", "signin.submit": "Sign in",
    "signin.expired": "Your session expired. Please sign in again.",
    "queue.title": "Queue (drafts)", "queue.add": "Add to queue", "queue.assetId": "Asset ID",
    "queue.assetTitle": "Title", "queue.empty": "No drafts in the queue.", "queue.selectAll": "Select all",
    "queue.select": "Select: {title}", "queue.bulk": "Bulk settings", "queue.delete": "Delete selected",
    "queue.run": "Run", "queue.runSelected": "Run selected", "queue.moveUp": "Move up: {title}",
    "queue.moveDown": "Move down: {title}", "queue.drag": "Drag to reorder: {title}",
    "queue.conflict": "The queue was changed elsewhere. The latest version was reloaded; please try again.",
    "queue.confirmDelete": "Delete {n} selected drafts?", "queue.confirmRun": "Run {n} drafts?",
    "queue.ran": "{n} tasks were queued.", "queue.defaults": "Default options", "queue.added": "Added {n} drafts.",
    "queue.version": "version {v}",
    "bulk.title": "Bulk settings ({n} selected)", "bulk.saveDefault": "Save as default", "bulk.apply": "Apply",
    "bulk.cancel": "Cancel", "bulk.unchanged": "(unchanged)",
    "opt.type": "Type", "opt.mediaMode": "Image source", "opt.language": "Language", "opt.voice": "Voice",
    "opt.privacy": "Privacy", "opt.targetDurationS": "Length (s)", "opt.imageCount": "Images",
    "opt.requiresApproval": "Script approval", "opt.music": "Music",
    "opt.captionPreset": "Captions", "caption.classic": "Classic (bottom)", "caption.shorts": "Shorts (word highlight)",
    "opt.madeForKids": "Made for kids",
    "auto.title": "Automation", "tab.scheduled": "Scheduled", "tab.script": "Script", "tab.images": "Images",
    "tab.video": "Video", "tab.thumbnail": "Thumbnail", "tab.youtube_video": "Publish", "tab.failed": "Failed",
    "tab.done": "Done", "col.title": "Title", "col.stage": "Stage", "col.status": "Status",
    "col.progress": "Progress", "col.message": "Message", "col.updated": "Updated", "col.actions": "Actions",
    "tab.empty": "Nothing here.", "act.stop": "Stop", "act.retry": "Retry", "act.rerun": "Rerun",
    "act.open": "Open", "act.logs": "Logs", "confirm.stop": "Stop '{title}'?",
    "confirm.retry": "Retry '{title}' from its failed stage?", "confirm.rerun": "Produce '{title}' again?",
    "done.stop": "The task was stopped.", "done.retry": "Retry started.", "done.rerun": "Rerun started.",
    "live.ws": "Live", "live.poll": "Refreshing periodically (5 s or slower)",
    "logs.title": "Logs", "logs.task": "Task ID", "logs.level": "Level", "logs.stage": "Stage",
    "logs.action": "Action", "logs.from": "From", "logs.to": "To", "logs.apply": "Apply filters",
    "logs.all": "All", "logs.empty": "No log entries.", "col.time": "Time", "col.level": "Level",
    "task.title": "Task", "task.script": "Script", "task.scene": "Scene {n}", "task.approve": "Approve script",
    "task.reject": "Reject script (stop)", "task.awaiting": "The script is waiting for approval.",
    "task.images": "Scene images", "task.video": "Video", "task.thumbnail": "Thumbnail",
    "task.subtitles": "Download subtitles (SRT)", "task.youtube": "Watch on YouTube",
    "task.published": "Published at", "task.noVideo": "No video yet.", "task.noScript": "No script yet.",
    "task.generation": "Generation {n}", "task.credits": "Credits used: {used}", "task.creditsHeld": "Credits used: {used} · reserved: {held}", "task.confirmReject": "Reject the script and stop the task?",
    "task.confirmApprove": "Approve the script and continue?", "task.approved": "Script approved.",
    "task.back": "Back to automation",
    "sched.title": "Schedules", "sched.new": "New schedule", "sched.task": "Task", "sched.time": "Run at",
    "sched.repeat": "Repeat", "sched.tz": "Time zone", "sched.privacy": "Privacy", "sched.active": "Active",
    "sched.save": "Save", "sched.edit": "Edit", "sched.pause": "Pause", "sched.resume": "Resume",
    "sched.delete": "Delete", "sched.next": "Next run", "sched.empty": "No schedules.", "sched.saved": "Saved.",
    "sched.confirmDelete": "Delete this schedule?", "sched.cancelEdit": "Cancel",
    "repeat.once": "Once", "repeat.daily": "Daily", "repeat.weekly": "Weekly", "repeat.monthly": "Monthly",
    "status.draft": "Draft", "status.queued": "Queued", "status.running": "Running", "status.succeeded": "Done",
    "status.failed": "Failed", "status.canceled": "Stopped", "status.scheduled": "Scheduled",
    "stage.script": "Script", "stage.images": "Images", "stage.video": "Video", "stage.thumbnail": "Thumbnail",
    "stage.youtube_video": "Publish", "sstatus.waiting": "Waiting", "sstatus.processing": "Processing",
    "sstatus.completed": "Completed", "sstatus.failed": "Failed", "sstatus.canceled": "Stopped",
    "err.generic": "The request failed: {message}", "err.network": "Cannot reach the server.",
    "loading": "Loading…", "yes": "Yes", "no": "No",
    // reviews (views/review.js, the automation tabs' review tab)
    "tab.review": "Review", "status.review": "Waiting for review", "act.review": "Review", "review.heading": "Review",
    "review.title": "Review: {title}", "review.waiting.storyboard": "Waiting for the storyboard review. The video is made only after approval.",
    "review.waiting.final": "Waiting for the final review. Nothing is published before approval.", "review.notWaiting": "Nothing to review (status: {status}).",
    "review.storyboardNote": "Check each scene's narration line and image. Regenerating an image is one paid image.",
    "review.image": "Scene {n} image", "review.line": "Scene {n} narration", "review.saveLine": "Save line",
    "review.lineSaved": "Saved the line of scene {n}.", "review.regenerate": "Regenerate image (1 image)",
    "review.confirmRegenerate": "Regenerate the image of scene {n}? One image's credits are used.",
    "review.regenerated": "Regenerated the image of scene {n}.", "review.upload": "Replace scene {n} image with an upload",
    "review.replaced": "Replaced the image of scene {n}.", "review.video": "Rendered video",
    "review.approve.storyboard": "Approve storyboard (make the video)", "review.approve.final": "Approve publishing",
    "review.reject.final": "Reject (do not publish)", "review.reject.storyboard": "Reject (stop)",
    "review.confirm.approve.storyboard": "Approve the storyboard and make the video?", "review.confirm.approve.final": "Publish this video?",
    "review.confirm.reject.final": "Reject the video? Nothing is published and the task ends.", "review.confirm.reject.storyboard": "Reject the storyboard and stop the task?",
    "review.done.approve": "Approved.", "review.done.reject": "Rejected. Nothing will be published.",
    "review.decisions": "Review record", "review.kind.storyboard": "Storyboard", "review.kind.final": "Final review",
    "review.status.pending": "Pending", "review.status.approved": "Approved", "review.status.rejected": "Rejected",
    "review.by": "{user}, {when}", "review.openTask": "Open the task page",
  },
};

let lang = sessionStorage.getItem("mp.lang") || localStorage.getItem("mp.lang") || "ko";
if (!MESSAGES[lang]) lang = "ko";

export function currentLang() { return lang; }

export function setLang(next) {
  lang = MESSAGES[next] ? next : "ko";
  localStorage.setItem("mp.lang", lang);
  document.documentElement.lang = lang;
}

// Adds a view's own labels ({ko: {...}, en: {...}}) so views can keep them next to their code.
export function addMessages(extra) {
  for (const [name, labels] of Object.entries(extra)) Object.assign(MESSAGES[name] ||= {}, labels);
}

// The same, written as one pair per label ({key: [ko, en]}): each key once, its two languages side by side.
export function addMessagePairs(pairs) {
  const entries = Object.entries(pairs);
  addMessages({
    ko: Object.fromEntries(entries.map(([key, [ko]]) => [key, ko])),
    en: Object.fromEntries(entries.map(([key, [, en]]) => [key, en])),
  });
}

export function t(key, vars = {}) {
  const text = MESSAGES[lang][key] ?? MESSAGES.ko[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

export function fmtDate(value) {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return "";
  return new Intl.DateTimeFormat(lang === "ko" ? "ko-KR" : "en-US", { dateStyle: "medium", timeStyle: "short" })
    .format(date);
}

export function timeZone() { return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; }
