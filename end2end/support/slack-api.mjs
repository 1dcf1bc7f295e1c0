// A contract server for the parts of Slack's Web API Plugboard uses, written from Slack's
// documentation (api.slack.com/methods, /authentication/oauth-v2, /apis/web-api/rate-limits):
//   GET  /oauth/v2/authorize           consent (granted at once) -> redirect_uri?code&state
//   POST /api/oauth.v2.access          form: code, redirect_uri, client_id + client_secret (body or Basic)
//   POST /api/auth.revoke              token as Bearer or form field
//   POST /api/auth.test                Bearer
//   GET  /api/conversations.list       Bearer
//   POST /api/chat.postMessage         Bearer, JSON body (Content-type: application/json), channel + text/blocks
// Errors come back as Slack sends them: HTTP 200 {"ok": false, "error": "..."}, and rate limits as
// HTTP 429 with Retry-After. Tokens are the ones this server issued; a revoked token answers
// token_revoked, an unknown one invalid_auth.
//
// Control (for tests): GET /_control/messages, GET /_control/count, GET /_control/requests,
// POST /_control/deny-next-authorize (the user clicks Cancel on Slack's consent page), POST /_control/revoke-all,
// POST /_control/rate-limit?count=N&retry_after=S, POST /_control/fail-next?status=503&count=N,
// POST /_control/reset.
//
//   node slack-api.mjs [port]
// prints one JSON line: {"base": "http://127.0.0.1:N"}
import http from "node:http";
import crypto from "node:crypto";

const port = Number(process.argv[2] ?? 0);
const CLIENT_ID = process.env.SLACK_CONTRACT_CLIENT_ID ?? "plugboard-test-client";
const CLIENT_SECRET = process.env.SLACK_CONTRACT_CLIENT_SECRET ?? "plugboard-test-secret";
const TEAM = { id: "T0PLUGBRD", name: "Acme Workspace" };
const BOT = { user_id: "U0PLUGBOT", bot_id: "B0PLUGBOT", app_id: "A0PLUGAPP" };

// The workspace's channels: the bot is a member of some; one is archived.
const CHANNELS = [
  { id: "C0GENERAL", name: "general", is_member: true, is_archived: false },
  { id: "C0SUPPORT", name: "support-alerts", is_member: true, is_archived: false },
  { id: "C0SALES", name: "sales", is_member: false, is_archived: false },
  { id: "C0OLD", name: "old-announcements", is_member: true, is_archived: true },
];
const BLOCK_TYPES = new Set(["header", "section", "actions", "context", "divider", "image", "rich_text", "input", "file", "video"]);

let state;
function reset() {
  state = {
    codes: new Map(), // code -> {redirect_uri, scope, used}
    tokens: new Map(), // token -> {revoked}
    messages: [],
    requests: [],
    rateLimit: { count: 0, retryAfter: 1 },
    failNext: { count: 0, status: 503 },
    denyNextAuthorize: false,
    ts: 0,
  };
}
reset();

const send = (res, status, value, headers = {}) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(typeof value === "string" ? value : JSON.stringify(value));
};
const slackError = (res, error, extra = {}) => send(res, 200, { ok: false, error, ...extra });

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

function form(raw) {
  return Object.fromEntries(new URLSearchParams(raw));
}

/** The token a Web API method was called with, and what Slack would say about it. */
function authenticate(req, body) {
  const header = req.headers.authorization ?? "";
  const token = header.startsWith("Bearer ") ? header.slice(7) : body?.token;
  if (!token) return { error: "not_authed" };
  const known = state.tokens.get(token);
  if (!known) return { error: "invalid_auth" };
  if (known.revoked) return { error: "token_revoked" };
  return { token };
}

function findChannel(value) {
  if (typeof value !== "string" || value === "") return null;
  const name = value.startsWith("#") ? value.slice(1) : value;
  return CHANNELS.find((c) => c.id === value || c.name === name) ?? null;
}

/** Block Kit checks from the reference: known types, text limits, at most 50 blocks. */
function blockErrors(blocks) {
  if (!Array.isArray(blocks)) return ["blocks must be an array"];
  const errors = [];
  if (blocks.length > 50) errors.push("no more than 50 items allowed [json-pointer:/blocks]");
  blocks.forEach((b, i) => {
    const at = `[json-pointer:/blocks/${i}]`;
    if (!b || typeof b !== "object" || !BLOCK_TYPES.has(b.type)) return errors.push(`unsupported type ${at}`);
    const text = (t, max, kinds) => {
      if (!t || !kinds.includes(t.type) || typeof t.text !== "string" || t.text.length === 0) errors.push(`invalid text object ${at}`);
      else if (t.text.length > max) errors.push(`must be less than ${max + 1} characters ${at}`);
    };
    if (b.type === "header") text(b.text, 150, ["plain_text"]);
    if (b.type === "section") {
      if (!b.text && !b.fields) errors.push(`must provide text or fields ${at}`);
      if (b.text) text(b.text, 3000, ["plain_text", "mrkdwn"]);
      if (b.fields) {
        if (!Array.isArray(b.fields) || b.fields.length > 10) errors.push(`no more than 10 fields ${at}`);
        else b.fields.forEach((f) => text(f, 2000, ["plain_text", "mrkdwn"]));
      }
    }
    if (b.type === "actions") {
      if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 25) errors.push(`invalid elements ${at}`);
      else
        b.elements.forEach((e) => {
          if (e.type !== "button") return;
          text(e.text, 75, ["plain_text"]);
          if (e.url !== undefined && (typeof e.url !== "string" || e.url.length > 3000)) errors.push(`invalid url ${at}`);
        });
    }
  });
  return errors;
}

async function postMessage(req, res) {
  const raw = await readBody(req);
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  let args;
  if (type.startsWith("application/json")) {
    try {
      args = JSON.parse(raw);
    } catch {
      return slackError(res, "invalid_json");
    }
  } else if (type.startsWith("application/x-www-form-urlencoded")) {
    args = form(raw);
  } else {
    return slackError(res, "invalid_form_data");
  }
  const auth = authenticate(req, args);
  if (auth.error) return slackError(res, auth.error);
  if (state.failNext.count > 0) {
    state.failNext.count -= 1;
    return send(res, state.failNext.status, "upstream unavailable", { "content-type": "text/plain" });
  }
  if (state.rateLimit.count > 0) {
    state.rateLimit.count -= 1;
    return send(res, 429, { ok: false, error: "ratelimited" }, { "retry-after": String(state.rateLimit.retryAfter) });
  }
  if (args.channel === undefined || args.channel === "") return slackError(res, "channel_not_found");
  const channel = findChannel(args.channel);
  if (!channel) return slackError(res, "channel_not_found");
  if (channel.is_archived) return slackError(res, "is_archived");
  if (!channel.is_member) return slackError(res, "not_in_channel");
  const hasText = typeof args.text === "string" && args.text !== "";
  if (!hasText && args.blocks === undefined && args.attachments === undefined) return slackError(res, "no_text");
  if (hasText && args.text.length > 40000) return slackError(res, "msg_too_long");
  if (args.blocks !== undefined) {
    const errors = blockErrors(args.blocks);
    if (errors.length > 0)
      return slackError(res, "invalid_blocks", { errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } });
  }
  state.ts += 1;
  const ts = `${Math.floor(Date.now() / 1000)}.${String(state.ts).padStart(6, "0")}`;
  const message = { type: "message", subtype: "bot_message", text: args.text ?? "", ts, bot_id: BOT.bot_id, blocks: args.blocks ?? [] };
  state.messages.push({ channel: channel.id, channel_name: channel.name, text: args.text ?? "", blocks: args.blocks ?? null, thread_ts: args.thread_ts ?? null, token: auth.token, ts, received_at: Date.now() });
  return send(res, 200, { ok: true, channel: channel.id, ts, message });
}

async function oauthAccess(req, res) {
  const args = form(await readBody(req));
  let clientId = args.client_id;
  let clientSecret = args.client_secret;
  const basic = req.headers.authorization ?? "";
  if (basic.startsWith("Basic ")) {
    const [id, secret] = Buffer.from(basic.slice(6), "base64").toString("utf8").split(":");
    clientId = decodeURIComponent(id ?? "");
    clientSecret = decodeURIComponent(secret ?? "");
  }
  if (clientId !== CLIENT_ID) return slackError(res, "invalid_client_id");
  if (clientSecret !== CLIENT_SECRET) return slackError(res, "bad_client_secret");
  const grant = state.codes.get(args.code ?? "");
  if (!grant || grant.used) return slackError(res, "invalid_code");
  grant.used = true;
  if (grant.redirect_uri && grant.redirect_uri !== args.redirect_uri) return slackError(res, "bad_redirect_uri");
  const token = `xoxb-${crypto.randomBytes(12).toString("hex")}`;
  state.tokens.set(token, { revoked: false });
  return send(res, 200, {
    ok: true,
    access_token: token,
    token_type: "bot",
    scope: grant.scope,
    bot_user_id: BOT.user_id,
    app_id: BOT.app_id,
    team: TEAM,
    enterprise: null,
    authed_user: { id: "U0ADMIN" },
  });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://slack");
  const path = url.pathname;
  if (!path.startsWith("/_control/")) {
    if (state.requests.length >= 10000) state.requests.shift();
    state.requests.push({ method: req.method, path, content_type: req.headers["content-type"] ?? null, authorization: req.headers.authorization ? "present" : null });
  }
  try {
    if (req.method === "GET" && path === "/oauth/v2/authorize") {
      const redirect = url.searchParams.get("redirect_uri");
      if (url.searchParams.get("client_id") !== CLIENT_ID) return send(res, 400, "invalid_client_id", { "content-type": "text/plain" });
      if (!redirect) return send(res, 400, "bad_redirect_uri", { "content-type": "text/plain" });
      if (state.denyNextAuthorize) {
        state.denyNextAuthorize = false;
        const back = new URL(redirect);
        back.searchParams.set("error", "access_denied");
        if (url.searchParams.has("state")) back.searchParams.set("state", url.searchParams.get("state"));
        res.writeHead(302, { location: back.toString() });
        return res.end();
      }
      const code = crypto.randomBytes(10).toString("hex");
      state.codes.set(code, { redirect_uri: redirect, scope: url.searchParams.get("scope") ?? "", used: false });
      const back = new URL(redirect);
      back.searchParams.set("code", code);
      if (url.searchParams.has("state")) back.searchParams.set("state", url.searchParams.get("state"));
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (req.method === "POST" && path === "/api/oauth.v2.access") return await oauthAccess(req, res);
    if (req.method === "POST" && path === "/api/auth.revoke") {
      const args = form(await readBody(req));
      const auth = authenticate(req, args);
      if (auth.error) return slackError(res, auth.error);
      state.tokens.get(auth.token).revoked = true;
      return send(res, 200, { ok: true, revoked: true });
    }
    if (req.method === "POST" && path === "/api/auth.test") {
      const auth = authenticate(req, form(await readBody(req)));
      if (auth.error) return slackError(res, auth.error);
      return send(res, 200, { ok: true, url: "https://acme.slack.com/", team: TEAM.name, user: "plugboard", team_id: TEAM.id, user_id: BOT.user_id, bot_id: BOT.bot_id });
    }
    if (req.method === "GET" && path === "/api/conversations.list") {
      const auth = authenticate(req, Object.fromEntries(url.searchParams));
      if (auth.error) return slackError(res, auth.error);
      const excludeArchived = url.searchParams.get("exclude_archived") === "true";
      const channels = CHANNELS.filter((c) => !(excludeArchived && c.is_archived)).map((c) => ({ id: c.id, name: c.name, is_channel: true, is_member: c.is_member, is_archived: c.is_archived }));
      return send(res, 200, { ok: true, channels, response_metadata: { next_cursor: "" } });
    }
    if (req.method === "POST" && path === "/api/chat.postMessage") return await postMessage(req, res);
    if (path.startsWith("/api/")) return slackError(res, "unknown_method");

    const reply = (value) => send(res, 200, value);
    if (req.method === "GET" && path === "/_control/messages") return reply(state.messages);
    if (req.method === "GET" && path === "/_control/count") return reply({ messages: state.messages.length });
    if (req.method === "GET" && path === "/_control/requests") return reply(state.requests);
    if (req.method === "POST" && path === "/_control/deny-next-authorize") {
      state.denyNextAuthorize = true;
      return reply({ ok: true });
    }
    if (req.method === "POST" && path === "/_control/revoke-all") {
      for (const t of state.tokens.values()) t.revoked = true;
      return reply({ ok: true });
    }
    if (req.method === "POST" && path === "/_control/rate-limit") {
      state.rateLimit = { count: Number(url.searchParams.get("count") ?? 1), retryAfter: Number(url.searchParams.get("retry_after") ?? 1) };
      return reply({ ok: true });
    }
    if (req.method === "POST" && path === "/_control/fail-next") {
      state.failNext = { count: Number(url.searchParams.get("count") ?? 1), status: Number(url.searchParams.get("status") ?? 503) };
      return reply({ ok: true });
    }
    if (req.method === "POST" && path === "/_control/reset") {
      const tokens = state.tokens;
      reset();
      state.tokens = tokens;
      return reply({ ok: true });
    }
    send(res, 404, { error: "unknown path" });
  } catch (e) {
    send(res, 500, { error: String(e) });
  }
});
server.keepAliveTimeout = 30_000;
server.listen(port, "127.0.0.1", () => {
  console.log(JSON.stringify({ base: `http://127.0.0.1:${server.address().port}` }));
});
const stop = () => {
  server.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
