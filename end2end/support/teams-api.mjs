// A contract server for the parts of the Microsoft identity platform and Microsoft Graph v1.0 Plugboard
// uses for Microsoft Teams, written from Microsoft's documentation:
//  - identity platform "OAuth 2.0 authorization code flow" (v2-oauth2-auth-code-flow): authorize + token
//    endpoints, PKCE, refresh_token grant, the token error shape {error, error_description, error_codes,
//    timestamp, trace_id, correlation_id, error_uri}; AADSTS texts from "reference-error-codes".
//  - Graph "Send chatMessage in a channel" (channel-post-messages / chatmessage-post): Content-type
//    application/json, only body is mandatory, 201 + chatMessage; card attachments must be referenced in
//    body.content as <attachment id="ID"></attachment> with the same id (Example 3).
//  - Graph "Working with Teams messaging APIs": a card attachment's content is the card's SERIALIZED JSON
//    (a string); Graph only supports cards whose actions are Action.OpenUrl.
//  - Graph "List joinedTeams", "List channels", required permissions per API; "Microsoft Graph error
//    responses" ({error: {code, message, innerError: {date, request-id, client-request-id}}});
//    "throttling" (429 + Retry-After).
//   GET  /common/oauth2/v2.0/authorize   consent granted at once -> 302 redirect_uri?code&state
//                                        (PKCE S256 required; errors go back as ?error&error_description&state)
//   POST /common/oauth2/v2.0/token       form: grant_type authorization_code | refresh_token; client_id +
//                                        client_secret in the body (HTTP Basic is also accepted, as documented)
//   GET  /v1.0/me                        Bearer (User.Read)
//   GET  /v1.0/me/joinedTeams            Bearer (Team.ReadBasic.All)
//   GET  /v1.0/teams/{team-id}/channels  Bearer (Channel.ReadBasic.All)
//   POST /v1.0/teams/{team-id}/channels/{channel-id}/messages   Bearer (ChannelMessage.Send), JSON chatMessage
// Tenant paths other than /common (organizations, a tenant id) are accepted too.
//
// Control (for tests): GET /_control/messages, GET /_control/requests, POST /_control/deny-next-authorize
// (the user declines consent), POST /_control/revoke-all (every issued token and code stops working),
// POST /_control/expire-tokens (access tokens expire; refresh tokens still work),
// POST /_control/rate-limit?count=N&retry_after=S (next N authenticated Graph calls answer 429),
// POST /_control/fail-next?status=503&count=N[&retry_after=S] (next N message posts fail),
// POST /_control/reset (forgets messages, requests and pending failures; issued tokens stay valid).
//
//   node teams-api.mjs [port]
// prints one JSON line: {"base": "http://127.0.0.1:N"}
import http from "node:http";
import crypto from "node:crypto";

const port = Number(process.argv[2] ?? 0);
const CLIENT_ID = process.env.TEAMS_CONTRACT_CLIENT_ID ?? "plugboard-test-client";
const CLIENT_SECRET = process.env.TEAMS_CONTRACT_CLIENT_SECRET ?? "plugboard-test-secret";
const TENANT_ID = "7d3c1a2e-5b4f-4c6d-9e8f-0a1b2c3d4e5f";
const GRAPH = "https://graph.microsoft.com/v1.0";
const USER = { id: "5f1c9a3e-7b2d-4e8f-a0c1-ada000000001", displayName: "Ada Lovelace", userPrincipalName: "ada@acme.onmicrosoft.com", mail: "ada@acme.onmicrosoft.com" };
const channel = (id, displayName, description, extra = {}) => ({ id, displayName, description, membershipType: "standard", ownersOnly: false, ...extra });
const TEAMS = [
  { id: "a1b2c3d4-0000-4000-8000-000000000001", displayName: "Support", description: "Customer support", channels: [
    channel("19:general-support@thread.tacv2", "General", "Support team chat"),
    channel("19:escalations@thread.tacv2", "Escalations", "Conversations handed to a human"),
  ] },
  { id: "a1b2c3d4-0000-4000-8000-000000000002", displayName: "Sales", description: "Sales and partnerships", channels: [
    channel("19:general-sales@thread.tacv2", "General", "Sales team chat"),
    // Channel moderation: only team owners may start posts, and Ada is a member.
    channel("19:announcements@thread.tacv2", "Announcements", "Company announcements (owners post)", { ownersOnly: true }),
  ] },
];
// Delegated permissions each API accepts (least privileged first), from each API's "Permissions" table.
const NEEDS = {
  me: ["User.Read", "User.ReadWrite", "User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All", "Directory.Read.All"],
  joinedTeams: ["Team.ReadBasic.All", "TeamSettings.Read.All", "TeamSettings.ReadWrite.All", "User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
  channels: ["Channel.ReadBasic.All", "ChannelSettings.Read.All", "ChannelSettings.ReadWrite.All", "Group.Read.All", "Group.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
  post: ["ChannelMessage.Send", "Group.ReadWrite.All"],
};

const state = {
  codes: new Map(), // code -> {redirect_uri, scopes, challenge, used, revoked, expires}
  tokens: new Map(), // token -> {kind: access|refresh, scopes, revoked, rotated, expires}
  messages: [], requests: [], lastId: 0, denyNextAuthorize: false,
  rateLimit: { count: 0, retryAfter: 1 }, failNext: { count: 0, status: 503, retryAfter: null },
};

const send = (res, status, value, headers = {}) => {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(value));
};
const readBody = (req) => new Promise((resolve) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
});
const b64url = (value) => Buffer.from(value).toString("base64url");
const uuid = () => crypto.randomUUID();
const bare = (scope) => scope.replace(/^https:\/\/graph\.microsoft\.com\//i, "");
const scopeList = (s) => String(s ?? "").split(" ").filter(Boolean);

/** Identity platform token error; the description carries the AADSTS code and trace lines, as documented. */
function stsError(res, status, error, aadsts, text, headers = {}) {
  const now = new Date().toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  const trace = uuid(), correlation = uuid();
  send(res, status, {
    error, error_description: `AADSTS${aadsts}: ${text}\r\nTrace ID: ${trace}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${now}`,
    error_codes: [aadsts], timestamp: now, trace_id: trace, correlation_id: correlation, error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`,
  }, headers);
}
const missing = (res, name) => stsError(res, 400, "invalid_request", 900144, `The request body must contain the following parameter: '${name}'.`);

/** Graph error body: {error: {code, message, innerError: {date, request-id, client-request-id}}}. */
function graphError(req, res, status, code, message, headers = {}) {
  const requestId = uuid(), clientRequestId = req.headers["client-request-id"] ?? requestId;
  send(res, status, { error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), "request-id": requestId, "client-request-id": clientRequestId } } },
    { "request-id": requestId, "client-request-id": clientRequestId, ...headers });
}
const graphOk = (req, res, status, value) => {
  const requestId = uuid();
  send(res, status, value, { "content-type": "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8", "request-id": requestId, "client-request-id": req.headers["client-request-id"] ?? requestId });
};

function issueTokens(scopes) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { aud: "00000003-0000-0000-c000-000000000000", iss: `https://sts.windows.net/${TENANT_ID}/`, iat: now, exp: now + 3600, appid: CLIENT_ID, oid: USER.id, tid: TENANT_ID, upn: USER.userPrincipalName, scp: scopes.filter((s) => s.toLowerCase() !== "offline_access").join(" "), uti: crypto.randomBytes(8).toString("base64url") };
  // Shaped like a JWT (header.payload.signature); clients must treat it as opaque.
  const access = `${b64url(JSON.stringify({ typ: "JWT", alg: "RS256", kid: "plugboard-contract" }))}.${b64url(JSON.stringify(claims))}.${crypto.randomBytes(32).toString("base64url")}`;
  state.tokens.set(access, { kind: "access", scopes, revoked: false, expires: Date.now() + 3600_000 });
  const body = { token_type: "Bearer", scope: claims.scp, expires_in: 3600, ext_expires_in: 3600, access_token: access };
  // A refresh token comes back only when offline_access was granted.
  if (scopes.some((s) => s.toLowerCase() === "offline_access")) {
    body.refresh_token = `1.AXkA${crypto.randomBytes(48).toString("base64url")}`;
    state.tokens.set(body.refresh_token, { kind: "refresh", scopes, revoked: false, rotated: false });
  }
  return body;
}

async function token(req, res) {
  if (req.method !== "POST") return stsError(res, 400, "invalid_request", 900561, `The endpoint only accepts POST, OPTIONS requests. Received a ${req.method} request.`);
  const raw = await readBody(req);
  const isForm = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase() === "application/x-www-form-urlencoded";
  const args = isForm ? Object.fromEntries(new URLSearchParams(raw)) : {}; // any other body is not read, as on the real endpoint
  let clientId = args.client_id, secret = args.client_secret, clientAuth = "request_body";
  const auth = req.headers.authorization ?? "";
  if (auth.startsWith("Basic ")) {
    const [id, pass] = Buffer.from(auth.slice(6), "base64").toString("utf8").split(":");
    clientId = decodeURIComponent(id ?? ""); secret = decodeURIComponent(pass ?? ""); clientAuth = "basic";
  }
  state.requests.at(-1).client_auth = clientAuth;
  if (!args.grant_type) return missing(res, "grant_type");
  if (!clientId) return missing(res, "client_id");
  if (clientId !== CLIENT_ID) return stsError(res, 400, "unauthorized_client", 700016, `Application with identifier '${clientId}' was not found in the directory 'common'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
  if (!["authorization_code", "refresh_token"].includes(args.grant_type)) return stsError(res, 400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${args.grant_type}'.`);
  if (!secret) return stsError(res, 401, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  if (secret !== CLIENT_SECRET) return stsError(res, 401, "invalid_client", 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${CLIENT_ID}'.`);
  if (args.grant_type === "authorization_code") {
    if (!args.code) return missing(res, "code");
    if (!args.redirect_uri) return missing(res, "redirect_uri");
    const grant = state.codes.get(args.code);
    if (!grant) return stsError(res, 400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.");
    if (grant.used) return stsError(res, 400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.");
    grant.used = true; // a code is single use, even when this redemption fails
    if (grant.revoked || Date.now() > grant.expires) return stsError(res, 400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.");
    if (grant.redirect_uri !== args.redirect_uri) return stsError(res, 400, "invalid_grant", 500112, `The reply address '${args.redirect_uri}' does not match the reply address '${grant.redirect_uri}' provided when requesting Authorization code.`);
    if (!args.code_verifier) return missing(res, "code_verifier");
    if (crypto.createHash("sha256").update(args.code_verifier).digest("base64url") !== grant.challenge)
      return stsError(res, 400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.");
    return send(res, 200, issueTokens(grant.scopes), { "cache-control": "no-store, no-cache", pragma: "no-cache" });
  }
  if (!args.refresh_token) return missing(res, "refresh_token");
  const known = state.tokens.get(args.refresh_token);
  if (!known || known.kind !== "refresh") return stsError(res, 400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.");
  if (known.revoked) return stsError(res, 400, "invalid_grant", 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.");
  if (known.rotated) return stsError(res, 400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.");
  known.rotated = true; // rotation: the old refresh token stops working
  return send(res, 200, issueTokens(known.scopes), { "cache-control": "no-store, no-cache", pragma: "no-cache" });
}

function authorize(url, res) {
  const q = (name) => url.searchParams.get(name);
  const redirect = q("redirect_uri");
  let back;
  try { back = new URL(redirect); } catch { back = null; }
  if (!back || !/^https?:$/.test(back.protocol)) {
    res.writeHead(400, { "content-type": "text/html; charset=utf-8" });
    return res.end("<html><body><h1>Sign in</h1><p>AADSTS900971: No reply address provided.</p></body></html>");
  }
  const reply = (params) => {
    for (const [k, v] of Object.entries(params)) back.searchParams.set(k, v);
    if (url.searchParams.has("state")) back.searchParams.set("state", q("state"));
    res.writeHead(302, { location: back.toString() });
    res.end();
  };
  const fail = (error, description) => reply({ error, error_description: description });
  if (q("client_id") !== CLIENT_ID) return fail("unauthorized_client", `AADSTS700016: Application with identifier '${q("client_id") ?? ""}' was not found in the directory 'common'.`);
  if (q("response_type") !== "code") return fail("unsupported_response_type", "AADSTS70005: response_type must be 'code' for the authorization code flow.");
  if (!q("scope")) return fail("invalid_request", "AADSTS900144: The request body must contain the following parameter: 'scope'.");
  if (!q("code_challenge")) return fail("invalid_request", "AADSTS900144: The request body must contain the following parameter: 'code_challenge'.");
  if (q("code_challenge_method") !== "S256") return fail("invalid_request", "AADSTS90100: code_challenge_method parameter is empty or not valid; this server requires 'S256'.");
  if (!/^[A-Za-z0-9_-]{43}$/.test(q("code_challenge"))) return fail("invalid_request", "AADSTS501491: Invalid size of Code_Challenge parameter.");
  if (state.denyNextAuthorize) {
    state.denyNextAuthorize = false;
    return fail("access_denied", "AADSTS65004: User declined to consent to access the app.");
  }
  const code = `1.AXkA${crypto.randomBytes(40).toString("base64url")}`;
  state.codes.set(code, { redirect_uri: redirect, scopes: scopeList(q("scope")), challenge: q("code_challenge"), used: false, revoked: false, expires: Date.now() + 600_000 });
  return reply({ code });
}

/** The Bearer token of a Graph call, or the 401 Graph answers. */
function bearer(req, res) {
  const header = req.headers.authorization ?? "";
  const value = header.replace(/^Bearer\s+/i, "").trim();
  const www = { "www-authenticate": `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"` };
  const deny = (message) => (graphError(req, res, 401, "InvalidAuthenticationToken", message, www), null);
  if (!/^Bearer\s/i.test(header) || !value) return deny("Access token is empty.");
  if (!value.includes(".")) return deny("IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EncodedPayload.Signature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'.");
  const known = state.tokens.get(value);
  if (!known || known.kind !== "access") return deny("Access token validation failure. Invalid audience.");
  if (known.revoked || Date.now() > known.expires) return deny("Lifetime validation failed, the token is expired.");
  return known;
}

const teamsUrl = (kind, teamId, ch, tail) => `https://teams.microsoft.com/l/${kind}/${encodeURIComponent(ch.id)}/${tail}?groupId=${teamId}&tenantId=${TENANT_ID}`;

/** Checks an adaptive card attachment; returns an error message or the parsed card. */
function adaptiveCard(att) {
  if (typeof att.content !== "string") return { error: `Attachment '${att.id}': content of an 'application/vnd.microsoft.card.adaptive' attachment must be the card serialized as a JSON string.` };
  let card;
  try { card = JSON.parse(att.content); } catch { return { error: `Attachment '${att.id}': content is not valid JSON.` }; }
  if (!card || card.type !== "AdaptiveCard") return { error: `Attachment '${att.id}': the card's type must be 'AdaptiveCard'.` };
  if (typeof card.version !== "string" || !/^1\.\d+$/.test(card.version)) return { error: `Attachment '${att.id}': the card's version must be a string like '1.4'.` };
  if (!Array.isArray(card.body)) return { error: `Attachment '${att.id}': the card's body must be an array of elements.` };
  let bad = null;
  const walk = (node) => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== "object") return;
    if (typeof node.type === "string" && node.type.startsWith("Action.") && node.type !== "Action.OpenUrl") bad ??= node.type;
    Object.values(node).forEach(walk);
  };
  walk(card);
  if (bad) return { error: `Attachment '${att.id}': action '${bad}' is not supported; Microsoft Graph only supports cards with Action.OpenUrl.` };
  return { card };
}

async function postMessage(req, res, team, ch) {
  const raw = await readBody(req);
  const type = (req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json") return graphError(req, res, 415, "UnsupportedMediaType", `The content type '${type || "(none)"}' is not supported. Content-type must be application/json.`);
  let msg;
  try { msg = JSON.parse(raw); } catch { msg = undefined; }
  if (!msg || typeof msg !== "object" || Array.isArray(msg)) return graphError(req, res, 400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
  if (!team) return graphError(req, res, 404, "NotFound", `No team found with Group Id ${req.teamId}`);
  if (!ch) return graphError(req, res, 404, "NotFound", `Channel ${req.channelId} was not found in team ${team.id}.`);
  if (ch.ownersOnly) return graphError(req, res, 403, "Forbidden", "Forbidden: only team owners can post new messages in this moderated channel.");
  const bad = (message) => graphError(req, res, 400, "BadRequest", message);
  const body = msg.body;
  if (!body || typeof body !== "object") return bad("Missing required property 'body'.");
  if (typeof body.content !== "string" || body.content.trim() === "") return bad("Missing body content: 'body.content' is required.");
  const contentType = body.contentType ?? "text";
  if (!["text", "html"].includes(contentType)) return bad(`Cannot convert the literal '${contentType}' to the expected type 'microsoft.graph.bodyType'.`);
  if (msg.subject != null && typeof msg.subject !== "string") return bad("Invalid value for property 'subject'.");
  const attachments = msg.attachments ?? [];
  if (!Array.isArray(attachments)) return bad("Property 'attachments' must be a collection.");
  const cards = new Map();
  for (const att of attachments) {
    if (!att || typeof att.id !== "string" || att.id === "") return bad("Every attachment needs an 'id'.");
    if (cards.has(att.id)) return bad(`Attachment id '${att.id}' is used more than once.`);
    if (typeof att.contentType !== "string" || att.contentType === "") return bad(`Attachment '${att.id}' needs a 'contentType'.`);
    const parsed = att.contentType === "application/vnd.microsoft.card.adaptive" ? adaptiveCard(att) : { card: null };
    if (parsed.error) return bad(parsed.error);
    cards.set(att.id, parsed.card);
  }
  const referenced = [...body.content.matchAll(/<attachment\s+id=["']([^"']*)["']\s*>\s*<\/attachment>/gi)].map((m) => m[1]);
  for (const id of referenced) if (!cards.has(id)) return bad(`The message body references attachment '${id}', but no attachment with that id was supplied.`);
  for (const id of cards.keys()) if (!referenced.includes(id)) return bad(`Attachment '${id}' is not referenced in the message body; add <attachment id="${id}"></attachment> to body.content.`);
  state.lastId = Math.max(state.lastId + 1, Date.now());
  const id = String(state.lastId), created = new Date(state.lastId).toISOString();
  const echoed = attachments.map((a) => ({ id: a.id, contentType: a.contentType, contentUrl: a.contentUrl ?? null, content: a.content ?? null, name: a.name ?? null, thumbnailUrl: a.thumbnailUrl ?? null, teamsAppId: a.teamsAppId ?? null }));
  const chatMessage = {
    "@odata.context": `${GRAPH}/$metadata#teams('${team.id}')/channels('${encodeURIComponent(ch.id)}')/messages/$entity`,
    id, replyToId: null, etag: id, messageType: "message", createdDateTime: created, lastModifiedDateTime: created, lastEditedDateTime: null, deletedDateTime: null,
    subject: msg.subject ?? null, summary: null, chatId: null, importance: msg.importance ?? "normal", locale: "en-us",
    webUrl: `${teamsUrl("message", team.id, ch, id)}&createdTime=${id}&parentMessageId=${id}`, policyViolation: null, eventDetail: null,
    from: { application: null, device: null, user: { id: USER.id, displayName: USER.displayName, userIdentityType: "aadUser", tenantId: TENANT_ID } },
    body: { contentType, content: body.content }, channelIdentity: { teamId: team.id, channelId: ch.id }, attachments: echoed, mentions: [], reactions: [],
  };
  state.messages.push({ id, teamId: team.id, channelId: ch.id, channelName: ch.displayName, subject: msg.subject ?? null, body: chatMessage.body, attachments: echoed.map((a) => ({ ...a, card: cards.get(a.id) ?? null })), createdDateTime: created });
  return graphOk(req, res, 201, chatMessage);
}

async function graph(req, res, url) {
  const token = bearer(req, res);
  if (!token) return;
  if (state.rateLimit.count > 0) {
    state.rateLimit.count -= 1;
    return graphError(req, res, 429, "TooManyRequests", "Too many requests. Please retry after the time given in the Retry-After header.", { "retry-after": String(state.rateLimit.retryAfter) });
  }
  // Split the raw path so an encoded channel id (19%3A...%40thread.tacv2) stays one segment, then decode.
  let seg;
  try { seg = url.pathname.split("/").filter(Boolean).slice(1).map((s) => decodeURIComponent(s)); } catch { return graphError(req, res, 400, "BadRequest", "Invalid escape sequence in the request URL."); }
  const route = seg.map((s, i) => (i % 2 === 1 && seg[0].toLowerCase() === "teams" ? "{id}" : s.toLowerCase())).join("/");
  const routes = { me: ["GET", "me"], "me/joinedteams": ["GET", "joinedTeams"], "teams/{id}/channels": ["GET", "channels"], "teams/{id}/channels/{id}/messages": ["POST", "post"] };
  const match = routes[route];
  if (!match) return graphError(req, res, 404, "NotFound", `Resource not found for the segment '${seg.at(-1) ?? ""}'.`);
  if (req.method !== match[0]) return graphError(req, res, 405, "MethodNotAllowed", `The HTTP method '${req.method}' is not allowed on this resource.`);
  const granted = token.scopes.map((s) => bare(s).toLowerCase());
  if (!NEEDS[match[1]].some((s) => granted.includes(s.toLowerCase())))
    return graphError(req, res, 403, "Forbidden", `Missing scope permissions on the request. API requires one of '${NEEDS[match[1]].join(", ")}'. Scopes on the request '${token.scopes.map(bare).join(", ")}'`);
  if (match[1] === "me") return graphOk(req, res, 200, { "@odata.context": `${GRAPH}/$metadata#users/$entity`, businessPhones: [], givenName: "Ada", surname: "Lovelace", jobTitle: null, mobilePhone: null, officeLocation: null, preferredLanguage: "en-US", ...USER });
  if (match[1] === "joinedTeams")
    return graphOk(req, res, 200, { "@odata.context": `${GRAPH}/$metadata#teams`, "@odata.count": TEAMS.length, value: TEAMS.map((t) => ({ id: t.id, displayName: t.displayName, description: t.description, isArchived: false, tenantId: TENANT_ID })) });
  const team = TEAMS.find((t) => t.id === seg[1]);
  if (match[1] === "channels") {
    if (!team) return graphError(req, res, 404, "NotFound", `No team found with Group Id ${seg[1]}`);
    const value = team.channels.map((c) => ({ id: c.id, createdDateTime: "2024-01-15T09:00:00Z", displayName: c.displayName, description: c.description, isFavoriteByDefault: null, email: "", webUrl: teamsUrl("channel", team.id, c, encodeURIComponent(c.displayName)), membershipType: c.membershipType, tenantId: TENANT_ID }));
    return graphOk(req, res, 200, { "@odata.context": `${GRAPH}/$metadata#teams('${team.id}')/channels`, "@odata.count": value.length, value });
  }
  if (state.failNext.count > 0) {
    state.failNext.count -= 1;
    const { status, retryAfter } = state.failNext;
    const code = { 500: "InternalServerError", 502: "BadGateway", 503: "ServiceNotAvailable", 504: "GatewayTimeout" }[status] ?? "UnknownError";
    return graphError(req, res, status, code, "The service is temporarily unavailable. Please retry after a delay.", retryAfter ? { "retry-after": String(retryAfter) } : {});
  }
  Object.assign(req, { teamId: seg[1], channelId: seg[3] });
  return postMessage(req, res, team, team?.channels.find((c) => c.id === seg[3]));
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://teams");
  const path = url.pathname;
  if (!path.startsWith("/_control/")) {
    if (state.requests.length >= 10000) state.requests.shift();
    state.requests.push({ method: req.method, path, content_type: req.headers["content-type"] ?? null, authorization: req.headers.authorization ? req.headers.authorization.split(" ")[0] : null });
  }
  try {
    if (/^\/[^/]+\/oauth2\/v2\.0\/authorize$/.test(path) && req.method === "GET") return authorize(url, res);
    if (/^\/[^/]+\/oauth2\/v2\.0\/token$/.test(path)) return await token(req, res);
    if (path === "/v1.0" || path.startsWith("/v1.0/")) return await graph(req, res, url);

    const reply = (value) => send(res, 200, value);
    if (req.method === "GET" && path === "/_control/messages") return reply(state.messages);
    if (req.method === "GET" && path === "/_control/requests") return reply(state.requests);
    if (req.method === "POST" && path === "/_control/deny-next-authorize") return (state.denyNextAuthorize = true), reply({ ok: true });
    if (req.method === "POST" && path === "/_control/revoke-all") {
      for (const t of state.tokens.values()) t.revoked = true;
      for (const c of state.codes.values()) c.revoked = true;
      return reply({ ok: true });
    }
    if (req.method === "POST" && path === "/_control/expire-tokens") {
      for (const t of state.tokens.values()) if (t.kind === "access") t.expires = 0;
      return reply({ ok: true });
    }
    if (req.method === "POST" && path === "/_control/rate-limit") {
      state.rateLimit = { count: Number(url.searchParams.get("count") ?? 1), retryAfter: Number(url.searchParams.get("retry_after") ?? 1) };
      return reply({ ok: true });
    }
    if (req.method === "POST" && path === "/_control/fail-next") {
      state.failNext = { count: Number(url.searchParams.get("count") ?? 1), status: Number(url.searchParams.get("status") ?? 503), retryAfter: url.searchParams.get("retry_after") };
      return reply({ ok: true });
    }
    if (req.method === "POST" && path === "/_control/reset") {
      Object.assign(state, { messages: [], requests: [], denyNextAuthorize: false, rateLimit: { count: 0, retryAfter: 1 }, failNext: { count: 0, status: 503, retryAfter: null } });
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
