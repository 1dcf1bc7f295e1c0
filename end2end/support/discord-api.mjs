// A contract server for the parts of Discord's API Plugboard uses, written from Discord's developer
// documentation (topics/oauth2 "Webhooks", resources/webhook "Execute Webhook", topics/rate-limits,
// topics/opcodes-and-status-codes, resources/message embed limits):
//   GET  /oauth2/authorize              consent: the user picks a server and channel (granted at once)
//                                       -> redirect_uri?code&state&guild_id
//   POST /api/oauth2/token              form: grant_type (authorization_code | refresh_token), code,
//                                       redirect_uri; client credentials as HTTP Basic. The answer of an
//                                       authorization_code grant with scope webhook.incoming carries the
//                                       new incoming webhook (id, token, channel_id, guild_id, name, url).
//   POST /api/oauth2/token/revoke       form: token; HTTP Basic
//   POST /api/webhooks/{id}/{token}     Execute Webhook: JSON body (content and/or embeds), ?wait=true
//                                       answers 200 with the message, otherwise 204
//   DELETE /api/webhooks/{id}/{token}   Delete Webhook with Token: 204
// Errors come back as Discord sends them: {"message", "code"} JSON error codes (10015 Unknown
// Webhook, 50027 Invalid Webhook Token, 50006 Cannot send an empty message, 50035 Invalid Form
// Body with per-field errors), OAuth errors as {"error", "error_description"}, and rate limits as
// HTTP 429 with Retry-After and a JSON retry_after in seconds.
//
// Control (for tests): GET /_control/messages, GET /_control/webhooks (id, channel, deleted), POST /_control/delete-webhooks (a server admin
// deleted them), POST /_control/rate-limit?count=N&retry_after=S, POST /_control/fail-next?status=503&count=N,
// POST /_control/deny-next-authorize.
//
//   node discord-api.mjs [port]
// prints one JSON line: {"base": "http://127.0.0.1:N"}
import http from "node:http";
import crypto from "node:crypto";

const port = Number(process.argv[2] ?? 0);
const CLIENT_ID = process.env.DISCORD_CONTRACT_CLIENT_ID ?? "plugboard-test-client";
const CLIENT_SECRET = process.env.DISCORD_CONTRACT_CLIENT_SECRET ?? "plugboard-test-secret";
const GUILD_ID = "290926792226357250";
const CHANNEL_ID = "345626669224982402";
const APPLICATION_ID = "345626669114982999";

const state = {
  codes: new Map(), // code -> {redirect_uri, scope, used}
  tokens: new Map(), // access or refresh token -> {kind, revoked}
  webhooks: new Map(), // id -> {token, channel_id, guild_id, name, deleted}
  messages: [],
  rateLimit: { count: 0, retryAfter: 1 },
  failNext: { count: 0, status: 503 },
  denyNextAuthorize: false,
};

const send = (res, status, value, headers = {}) => {
  if (status === 204) {
    res.writeHead(204, headers);
    return res.end();
  }
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(value));
};
const discordError = (res, status, code, message, extra = {}) => send(res, status, { message, code, ...extra });
const oauthError = (res, status, error, description) => send(res, status, { error, error_description: description });

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

const snowflake = () => String(BigInt(Date.now() - 1420070400000) << 22n | BigInt(crypto.randomInt(1 << 22)));
const secret = () => crypto.randomBytes(34).toString("base64url");

/** The client an OAuth request authenticated as (HTTP Basic, as Discord documents). */
function client(req) {
  const basic = req.headers.authorization ?? "";
  if (!basic.startsWith("Basic ")) return null;
  const [id, pass] = Buffer.from(basic.slice(6), "base64").toString("utf8").split(":");
  return decodeURIComponent(id ?? "") === CLIENT_ID && decodeURIComponent(pass ?? "") === CLIENT_SECRET;
}

async function token(req, res) {
  if ((req.headers["content-type"] ?? "").split(";")[0].trim() !== "application/x-www-form-urlencoded")
    return oauthError(res, 400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded");
  const args = Object.fromEntries(new URLSearchParams(await readBody(req)));
  if (!client(req)) return oauthError(res, 401, "invalid_client", "Invalid client credentials");
  const issue = (scope, extra = {}) => {
    const access = secret();
    const refresh = secret();
    state.tokens.set(access, { kind: "access", revoked: false });
    state.tokens.set(refresh, { kind: "refresh", revoked: false, scope });
    return { token_type: "Bearer", access_token: access, expires_in: 604800, refresh_token: refresh, scope, ...extra };
  };
  if (args.grant_type === "authorization_code") {
    const grant = state.codes.get(args.code ?? "");
    if (!grant || grant.used) return oauthError(res, 400, "invalid_grant", 'Invalid "code" in request.');
    grant.used = true;
    if (grant.redirect_uri !== args.redirect_uri)
      return oauthError(res, 400, "invalid_grant", 'Invalid "redirect_uri" in request.');
    const scopes = grant.scope.split(" ");
    if (!scopes.includes("webhook.incoming")) return send(res, 200, issue(grant.scope));
    const id = snowflake();
    const webhook = { token: secret(), channel_id: CHANNEL_ID, guild_id: GUILD_ID, name: "Plugboard", deleted: false };
    state.webhooks.set(id, webhook);
    return send(
      res,
      200,
      issue(grant.scope, {
        webhook: {
          application_id: APPLICATION_ID,
          name: webhook.name,
          url: `https://discord.com/api/webhooks/${id}/${webhook.token}`,
          channel_id: webhook.channel_id,
          token: webhook.token,
          type: 1,
          avatar: null,
          guild_id: webhook.guild_id,
          id,
        },
      }),
    );
  }
  if (args.grant_type === "refresh_token") {
    const known = state.tokens.get(args.refresh_token ?? "");
    if (!known || known.kind !== "refresh" || known.revoked) return oauthError(res, 400, "invalid_grant", "Invalid refresh token");
    known.revoked = true;
    return send(res, 200, issue(known.scope));
  }
  return oauthError(res, 400, "unsupported_grant_type", `Unsupported grant type: ${args.grant_type}`);
}

/** Embed limits from the message resource's "Embed Limits". */
function formErrors(body) {
  const errors = {};
  const add = (path, code, message) => {
    let node = errors;
    for (const key of path) node = node[key] ??= {};
    (node._errors ??= []).push({ code, message });
  };
  if (body.content !== undefined && body.content !== null) {
    if (typeof body.content !== "string") add(["content"], "BASE_TYPE_STRING", "This field must be a string.");
    else if (body.content.length > 2000) add(["content"], "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.");
  }
  if (body.embeds !== undefined) {
    if (!Array.isArray(body.embeds)) add(["embeds"], "LIST_TYPE_CONVERT", "Must be an array.");
    else {
      if (body.embeds.length > 10) add(["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.");
      let total = 0;
      body.embeds.forEach((e, i) => {
        const at = ["embeds", String(i)];
        const text = (name, max) => {
          const value = e?.[name];
          if (value === undefined) return;
          if (typeof value !== "string") return add([...at, name], "BASE_TYPE_STRING", "This field must be a string.");
          total += value.length;
          if (value.length > max) add([...at, name], "BASE_TYPE_MAX_LENGTH", `Must be ${max} or fewer in length.`);
        };
        text("title", 256);
        text("description", 4096);
        if (e?.url !== undefined && !/^https?:\/\//.test(String(e.url))) add([...at, "url"], "URL_TYPE_INVALID_URL", "Not a well formed URL.");
        if (e?.color !== undefined && !(Number.isInteger(e.color) && e.color >= 0 && e.color <= 0xffffff))
          add([...at, "color"], "NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215.");
        if (e?.fields !== undefined) {
          if (!Array.isArray(e.fields) || e.fields.length > 25) add([...at, "fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
          else
            e.fields.forEach((f, j) => {
              for (const [name, max] of [["name", 256], ["value", 1024]]) {
                const value = f?.[name];
                if (typeof value !== "string" || value.length === 0) add([...at, "fields", String(j), name], "BASE_TYPE_REQUIRED", "This field is required");
                else if (value.length > max) add([...at, "fields", String(j), name], "BASE_TYPE_MAX_LENGTH", `Must be ${max} or fewer in length.`);
                else total += value.length;
              }
            });
        }
        if (e?.footer?.text !== undefined) {
          total += String(e.footer.text).length;
          if (String(e.footer.text).length > 2048) add([...at, "footer", "text"], "BASE_TYPE_MAX_LENGTH", "Must be 2048 or fewer in length.");
        }
      });
      if (total > 6000) add(["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000");
    }
  }
  return errors;
}

async function executeWebhook(req, res, url, id, token) {
  const raw = await readBody(req);
  const webhook = state.webhooks.get(id);
  if (!webhook || webhook.deleted) return discordError(res, 404, 10015, "Unknown Webhook");
  if (webhook.token !== token) return discordError(res, 401, 50027, "Invalid Webhook Token");
  if (state.failNext.count > 0) {
    state.failNext.count -= 1;
    return send(res, state.failNext.status, { message: "upstream unavailable", code: 0 });
  }
  if (state.rateLimit.count > 0) {
    state.rateLimit.count -= 1;
    const after = state.rateLimit.retryAfter;
    return send(res, 429, { message: "You are being rate limited.", retry_after: after, global: false }, {
      "retry-after": String(Math.ceil(after)),
      "x-ratelimit-limit": "5",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset-after": String(after),
      "x-ratelimit-scope": "shared",
    });
  }
  if ((req.headers["content-type"] ?? "").split(";")[0].trim() !== "application/json")
    return discordError(res, 400, 50006, "Cannot send an empty message");
  let body;
  try {
    body = JSON.parse(raw);
  } catch {
    return discordError(res, 400, 50109, "The request body contains invalid JSON.");
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) return discordError(res, 400, 50109, "The request body contains invalid JSON.");
  const errors = formErrors(body);
  if (Object.keys(errors).length > 0) return discordError(res, 400, 50035, "Invalid Form Body", { errors });
  const hasContent = typeof body.content === "string" && body.content.length > 0;
  const hasEmbeds = Array.isArray(body.embeds) && body.embeds.length > 0;
  if (!hasContent && !hasEmbeds) return discordError(res, 400, 50006, "Cannot send an empty message");
  const message = {
    id: snowflake(),
    type: 0,
    channel_id: webhook.channel_id,
    content: body.content ?? "",
    embeds: body.embeds ?? [],
    webhook_id: id,
    author: { id, username: body.username ?? webhook.name, bot: true },
    timestamp: new Date().toISOString(),
  };
  state.messages.push({ ...message, guild_id: webhook.guild_id, allowed_mentions: body.allowed_mentions ?? null });
  if (url.searchParams.get("wait") === "true") return send(res, 200, message);
  return send(res, 204);
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://discord");
  const path = url.pathname;
  try {
    if (req.method === "GET" && path === "/oauth2/authorize") {
      const redirect = url.searchParams.get("redirect_uri");
      if (url.searchParams.get("client_id") !== CLIENT_ID) return discordError(res, 400, 0, "Unknown Application");
      if (!redirect || url.searchParams.get("response_type") !== "code") return oauthError(res, 400, "invalid_request", "Invalid OAuth2 request");
      const back = new URL(redirect);
      if (url.searchParams.has("state")) back.searchParams.set("state", url.searchParams.get("state"));
      if (state.denyNextAuthorize) {
        state.denyNextAuthorize = false;
        back.searchParams.set("error", "access_denied");
        back.searchParams.set("error_description", "The resource owner or authorization server denied the request");
      } else {
        const code = crypto.randomBytes(15).toString("base64url");
        state.codes.set(code, { redirect_uri: redirect, scope: url.searchParams.get("scope") ?? "", used: false });
        back.searchParams.set("code", code);
        back.searchParams.set("guild_id", GUILD_ID);
      }
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (req.method === "POST" && path === "/api/oauth2/token") return await token(req, res);
    if (req.method === "POST" && path === "/api/oauth2/token/revoke") {
      if (!client(req)) return oauthError(res, 401, "invalid_client", "Invalid client credentials");
      const args = Object.fromEntries(new URLSearchParams(await readBody(req)));
      const known = state.tokens.get(args.token ?? "");
      if (known) known.revoked = true;
      return send(res, 200, {});
    }
    const hook = path.match(/^\/api\/webhooks\/([0-9]+)\/([A-Za-z0-9_-]+)$/);
    if (hook && req.method === "POST") return await executeWebhook(req, res, url, hook[1], hook[2]);
    if (hook && req.method === "DELETE") {
      const webhook = state.webhooks.get(hook[1]);
      if (!webhook || webhook.deleted) return discordError(res, 404, 10015, "Unknown Webhook");
      if (webhook.token !== hook[2]) return discordError(res, 401, 50027, "Invalid Webhook Token");
      webhook.deleted = true;
      return send(res, 204);
    }
    if (path.startsWith("/api/")) return discordError(res, 404, 0, "404: Not Found");

    const reply = (value) => send(res, 200, value);
    if (req.method === "GET" && path === "/_control/messages") return reply(state.messages);
    if (req.method === "GET" && path === "/_control/webhooks")
      return reply([...state.webhooks].map(([id, w]) => ({ id, channel_id: w.channel_id, deleted: w.deleted })));
    if (req.method === "POST" && path === "/_control/deny-next-authorize") {
      state.denyNextAuthorize = true;
      return reply({ ok: true });
    }
    if (req.method === "POST" && path === "/_control/delete-webhooks") {
      for (const w of state.webhooks.values()) w.deleted = true;
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
    return send(res, 404, { message: "404: Not Found", code: 0 });
  } catch (e) {
    return send(res, 500, { message: String(e), code: 0 });
  }
});

server.listen(port, "127.0.0.1", () => {
  console.log(JSON.stringify({ base: `http://127.0.0.1:${server.address().port}` }));
});
