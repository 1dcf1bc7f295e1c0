// A contract server for the Telegram Bot API methods Plugboard uses, written from
// core.telegram.org/bots/api: requests go to /bot<token>/<method>, answers are
// {"ok": true, "result": ...} or {"ok": false, "error_code": N, "description": "..."}, and a
// flood limit answers 429 with parameters.retry_after.
//   POST|GET /bot<token>/getMe
//   POST     /bot<token>/sendMessage   JSON: chat_id, text, parse_mode (HTML checked), reply_markup
// Bots: 123456789:AAtest-plugboard-bot (valid). Chats: -1001234567890 (a supergroup the bot is in),
// -1009999999999 (the bot was kicked); any other chat id is not found.
//
// Control: GET /_control/messages, POST /_control/rate-limit?count=N&retry_after=S, POST /_control/revoke
// (as BotFather's /revoke: the token stops working; the bot's new token is 123456789:AArotated-plugboard-bot)
//   node telegram-api.mjs [port]   prints {"base": "http://127.0.0.1:N"}
import http from "node:http";

const port = Number(process.argv[2] ?? 0);
const BOT_TOKEN = "123456789:AAtest-plugboard-bot";
const BOT = { id: 123456789, is_bot: true, first_name: "Plugboard Alerts", username: "plugboard_alerts_bot" };
const CHATS = { "-1001234567890": { id: -1001234567890, title: "Support alerts", type: "supergroup" } };
const KICKED = new Set(["-1009999999999"]);
const ALLOWED_TAGS = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "blockquote", "tg-spoiler", "span"]);

let messages = [];
let rateLimit = { count: 0, retryAfter: 1 };
// BotFather's /revoke: the old token stops working and the bot gets a new one.
const ROTATED_TOKEN = "123456789:AArotated-plugboard-bot";
let validToken = BOT_TOKEN;
let messageId = 0;

const reply = (res, status, value) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
};
const fail = (res, code, description, extra = {}) => reply(res, code, { ok: false, error_code: code, description, ...extra });

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

/** The HTML subset Telegram parses: known tags only, balanced, entities escaped. */
function htmlError(text) {
  const stack = [];
  const re = /<(\/?)([a-zA-Z-]+)[^>]*>|<|&(?!(lt|gt|amp|quot|#\d+);)/g;
  let m;
  while ((m = re.exec(text))) {
    if (m[0] === "<") return "Can't find end of the entity starting at byte offset " + m.index;
    if (m[0].startsWith("&")) return "Unsupported entity at byte offset " + m.index;
    const [, closing, tag] = m;
    if (!ALLOWED_TAGS.has(tag.toLowerCase())) return `Unsupported start tag "${tag}" at byte offset ${m.index}`;
    if (closing) {
      if (stack.pop() !== tag.toLowerCase()) return `Unmatched end tag at byte offset ${m.index}, expected "</${stack.at(-1) ?? ""}>", found "</${tag}>"`;
    } else stack.push(tag.toLowerCase());
  }
  return stack.length ? `Can't find end tag corresponding to start tag "${stack.at(-1)}"` : null;
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://telegram");
  if (url.pathname === "/_control/messages") return reply(res, 200, messages);
  if (req.method === "POST" && url.pathname === "/_control/rate-limit") {
    rateLimit = { count: Number(url.searchParams.get("count") ?? 1), retryAfter: Number(url.searchParams.get("retry_after") ?? 1) };
    return reply(res, 200, { ok: true });
  }
  if (req.method === "POST" && url.pathname === "/_control/revoke") {
    validToken = ROTATED_TOKEN;
    return reply(res, 200, { ok: true, new_token: ROTATED_TOKEN });
  }
  const m = url.pathname.match(/^\/bot([^/]+)\/([A-Za-z]+)$/);
  if (!m) return fail(res, 404, "Not Found");
  const [, token, method] = m;
  if (token !== validToken) return fail(res, 401, "Unauthorized");
  const raw = await readBody(req);
  let args = Object.fromEntries(url.searchParams);
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  if (raw !== "") {
    if (type.startsWith("application/json")) {
      try {
        args = { ...args, ...JSON.parse(raw) };
      } catch {
        return fail(res, 400, "Bad Request: can't parse JSON object");
      }
    } else if (type.startsWith("application/x-www-form-urlencoded")) args = { ...args, ...Object.fromEntries(new URLSearchParams(raw)) };
    else return fail(res, 400, "Bad Request: unsupported content type");
  }
  if (method === "getMe") return reply(res, 200, { ok: true, result: BOT });
  if (method !== "sendMessage") return fail(res, 404, "Not Found: method not found");
  if (req.method !== "POST" && req.method !== "GET") return fail(res, 405, "Method Not Allowed");
  if (rateLimit.count > 0) {
    rateLimit.count -= 1;
    return fail(res, 429, `Too Many Requests: retry after ${rateLimit.retryAfter}`, { parameters: { retry_after: rateLimit.retryAfter } });
  }
  const chatId = args.chat_id === undefined ? "" : String(args.chat_id);
  if (chatId === "") return fail(res, 400, "Bad Request: chat_id is empty");
  if (typeof args.text !== "string" || args.text.trim() === "") return fail(res, 400, "Bad Request: message text is empty");
  if (args.text.length > 4096) return fail(res, 400, "Bad Request: message is too long");
  if (args.parse_mode !== undefined && args.parse_mode !== "HTML" && args.parse_mode !== "MarkdownV2" && args.parse_mode !== "Markdown")
    return fail(res, 400, "Bad Request: unsupported parse_mode");
  if (args.parse_mode === "HTML") {
    const problem = htmlError(args.text);
    if (problem) return fail(res, 400, `Bad Request: can't parse entities: ${problem}`);
  }
  if (KICKED.has(chatId)) return fail(res, 403, "Forbidden: bot was kicked from the supergroup chat");
  const chat = CHATS[chatId];
  if (!chat) return fail(res, 400, "Bad Request: chat not found");
  messageId += 1;
  const message = { message_id: messageId, from: BOT, chat, date: Math.floor(Date.now() / 1000), text: args.text };
  messages.push({ chat_id: chatId, text: args.text, parse_mode: args.parse_mode ?? null, reply_markup: args.reply_markup ?? null, content_type: type });
  return reply(res, 200, { ok: true, result: message });
});
server.listen(port, "127.0.0.1", () => console.log(JSON.stringify({ base: `http://127.0.0.1:${server.address().port}` })));
const stop = () => {
  server.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
