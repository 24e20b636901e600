// The browser page the seed's front-end code assumes, for Node 20 (`--experimental-websocket`):
// the page is served by the API (PAGE_ORIGIN), so relative fetch URLs resolve against it, and the seed's
// hard-coded ws://localhost:8000 is that same origin. TOKEN is the signed-in user's access token.
const origin = new URL(process.env.PAGE_ORIGIN);
globalThis.TOKEN = process.env.TOKEN;

const nodeFetch = globalThis.fetch;
globalThis.fetch = (input, init) => nodeFetch(new URL(input, origin), init);

const NodeWebSocket = globalThis.WebSocket;
globalThis.WebSocket = class extends NodeWebSocket {
    constructor(url, protocols) {
        const target = new URL(url);
        if (target.host === 'localhost:8000') {
            target.host = origin.host;
        }
        super(target, protocols);
    }
};
