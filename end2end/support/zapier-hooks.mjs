// A contract server for Zapier's hooks, written from Zapier's documentation: any POST to a
// Catch Hook (/hooks/catch/<account>/<hook>/) or to a REST Hooks target_url
// (/hooks/standard/<account>/<hook>/) is caught and answered {"attempt", "id", "request_id",
// "status": "success"}; a hook whose Zap was turned off or deleted answers 410 Gone (for REST
// Hooks, the sender's cue to remove the subscription). Bodies must be JSON here, since
// Plugboard sends JSON.
//
// Control: GET /_control/caught, POST /_control/gone?hook=<account>/<hook>,
// POST /_control/delay?ms=N (every catch answers after N ms)
//   node zapier-hooks.mjs [port]   prints {"base": "http://127.0.0.1:N"}
import http from "node:http";
import crypto from "node:crypto";

const port = Number(process.argv[2] ?? 0);
const caught = [];
const gone = new Set();
let delayMs = 0;

const reply = (res, status, value) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
};

const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://zapier");
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const raw = Buffer.concat(chunks).toString("utf8");
    if (url.pathname === "/_control/caught") return reply(res, 200, caught);
    if (req.method === "POST" && url.pathname === "/_control/delay") {
      delayMs = Number(url.searchParams.get("ms") ?? 0);
      return reply(res, 200, { ok: true });
    }
    if (req.method === "POST" && url.pathname === "/_control/gone") {
      gone.add(url.searchParams.get("hook"));
      return reply(res, 200, { ok: true });
    }
    const m = url.pathname.match(/^\/hooks\/(?:catch|standard)\/(\d+)\/([A-Za-z0-9]+)\/?$/);
    if (!m) return reply(res, 404, { status: "error", message: "Not found" });
    if (req.method !== "POST") return reply(res, 405, { status: "error", message: "Method not allowed" });
    const hook = `${m[1]}/${m[2]}`;
    if (gone.has(hook)) return reply(res, 410, { status: "error", message: "This hook is no longer active" });
    let body;
    try {
      body = JSON.parse(raw);
    } catch {
      return reply(res, 400, { status: "error", message: "Body is not JSON" });
    }
    const id = crypto.randomUUID();
    const answer = () => {
      caught.push({ hook, content_type: req.headers["content-type"] ?? null, body });
      reply(res, 200, { attempt: id, id, request_id: crypto.randomBytes(8).toString("hex"), status: "success" });
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
});
server.listen(port, "127.0.0.1", () => console.log(JSON.stringify({ base: `http://127.0.0.1:${server.address().port}` })));
const stop = () => {
  server.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
