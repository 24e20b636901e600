// Seed 002 §5 ("FE 연동 시나리오"), unchanged apart from authorization: the Authorization header on the
// fetch calls and access_token on the WebSocket URL (browsers cannot set WebSocket headers).
// `TOKEN` is provided by browser_page.mjs.

// 1. 렌더 잡 생성
const response = await fetch('/api/v2/videos/video-001/render-jobs', {
    method: 'POST',
    headers: {'Content-Type': 'application/json', 'Authorization': `Bearer ${TOKEN}`},
    body: JSON.stringify({script_id: 'script-001'})
});
const {job_id, created} = await response.json();

// 2. WebSocket으로 진행률 구독
const ws = new WebSocket(`ws://localhost:8000/ws/videos/video-001/render-progress?job_id=${job_id}&access_token=${TOKEN}`);

ws.onmessage = (event) => {
    const data = JSON.parse(event.data);
    console.log(`Progress: ${data.progress}% - ${data.message}`);

    if (data.status === 'SUCCEEDED') {
        // 3. 완료 후 에셋 URL 획득
        fetchPublishedAssets(data.video_id);
        ws.close();
    }
};

// 3. 발행된 에셋 조회
async function fetchPublishedAssets(videoId) {
    const res = await fetch(`/api/v2/videos/${videoId}/assets/published`, {
        headers: {'Authorization': `Bearer ${TOKEN}`}
    });
    const assets = await res.json();
    if (assets.published) {
        console.log('Video URL:', assets.video_url);
    }
}
