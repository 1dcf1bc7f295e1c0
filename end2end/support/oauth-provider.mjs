// A real OAuth 2.0 authorization server for tests (oauth2-mock-server, which we did not write:
// authorization code + PKCE S256 verification, refresh tokens, revocation), plus a small control
// port so a test can read what the provider received and script its next answer.
//
//   node oauth-provider.mjs [oauthPort] [controlPort]
// prints one JSON line: {"issuer": "http://127.0.0.1:N", "control": "http://127.0.0.1:M"}
import http from "node:http";
import { OAuth2Server, Events } from "oauth2-mock-server";

const oauthPort = Number(process.argv[2] ?? 0);
const controlPort = Number(process.argv[3] ?? 0);

const server = new OAuth2Server();
await server.issuer.keys.generate("RS256");

const log = { authorize: [], token: [], revoke: [] };
// The OAuth clients registered with this provider (id -> secret). The token endpoint
// authenticates the client (RFC 6749 section 2.3.1: HTTP Basic or the body's client_id and
// client_secret) and answers an unknown client or a wrong secret with 401 invalid_client
// (section 5.2). More clients register through the control port.
// Authorization codes this provider issued and that were not exchanged yet: a code is good for
// one exchange (RFC 6749 section 4.1.2), and any other is invalid_grant (section 5.2).
const issuedCodes = new Set();
const clients = new Map([
  ["plugboard-test-client", "plugboard-test-secret"],
  ["plugboard-e2e-client", "plugboard-e2e-secret"],
]);

/** The client a token request authenticates as: { id, secret, basic } (id or secret may be missing). */
function clientOf(req, form) {
  const header = req.headers.authorization ?? "";
  if (header.startsWith("Basic ")) {
    const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return {
      id: decodeURIComponent(decoded.slice(0, colon)),
      secret: decodeURIComponent(decoded.slice(colon + 1)),
      basic: true,
    };
  }
  return { id: form.client_id, secret: form.client_secret, basic: false };
}

// The mock issues tokens for any code and checks no client: token requests authenticate their
// client here first, as a provider does before it looks at the grant, and a code must be one
// this provider issued. The form read here is handed on parsed (the
// mock's body parser leaves an already-read request alone).
const oauth = http.createServer((req, res) => {
  const path = new URL(req.url, "http://oauth").pathname;
  if (req.method !== "POST" || path !== "/token") return server.service.requestHandler(req, res);
  let raw = "";
  req.setEncoding("utf8");
  req.on("data", (chunk) => (raw += chunk));
  req.on("end", () => {
    const form = Object.fromEntries(new URLSearchParams(raw));
    const client = clientOf(req, form);
    if (!client.id || !clients.has(client.id) || clients.get(client.id) !== client.secret) {
      log.token.push({ grant_type: form.grant_type, client_id: client.id ?? null, refused: "invalid_client" });
      const headers = { "content-type": "application/json", "cache-control": "no-store" };
      if (client.basic) headers["www-authenticate"] = 'Basic realm="token"';
      res.writeHead(401, headers);
      return res.end(JSON.stringify({ error: "invalid_client", error_description: "Client authentication failed." }));
    }
    if (form.grant_type === "authorization_code" && !issuedCodes.delete(form.code ?? "")) {
      log.token.push({ grant_type: form.grant_type, client_id: client.id, refused: "invalid_grant" });
      res.writeHead(400, { "content-type": "application/json", "cache-control": "no-store" });
      return res.end(JSON.stringify({ error: "invalid_grant", error_description: "The authorization code is invalid or was already used." }));
    }
    req.body = form;
    server.service.requestHandler(req, res);
  });
});
await new Promise((resolve) => oauth.listen(oauthPort, "127.0.0.1", resolve));
server.issuer.url = `http://127.0.0.1:${oauth.address().port}`;
let denyNextAuthorize = false;
let nextTokenError = null;

server.service.on(Events.BeforeAuthorizeRedirect, (redirect, req) => {
  const q = req.query;
  log.authorize.push({
    client_id: q.client_id,
    scope: q.scope,
    state: q.state,
    code_challenge: q.code_challenge ?? null,
    code_challenge_method: q.code_challenge_method ?? null,
    redirect_uri: q.redirect_uri,
  });
  if (denyNextAuthorize) {
    denyNextAuthorize = false;
    redirect.url.searchParams.delete("code");
    redirect.url.searchParams.set("error", "access_denied");
    redirect.url.searchParams.set("error_description", "The user denied the request");
  }
  const code = redirect.url.searchParams.get("code");
  if (code) issuedCodes.add(code);
});

server.service.on(Events.BeforeResponse, (response, req) => {
  const body = req.body ?? {};
  log.token.push({
    grant_type: body.grant_type,
    has_code_verifier: typeof body.code_verifier === "string",
    refresh_token: body.refresh_token ?? null,
    client_id: body.client_id ?? null,
    basic_auth: typeof req.headers.authorization === "string",
  });
  if (nextTokenError) {
    response.statusCode = nextTokenError.status;
    response.body = nextTokenError.body;
    nextTokenError = null;
  }
});

// The mock's revoke route does not parse its body; read the form here.
server.service.on(Events.BeforeRevoke, (_response, req) => {
  const entry = { token: null, token_type_hint: null, basic_auth: typeof req.headers.authorization === "string" };
  log.revoke.push(entry);
  let raw = "";
  req.setEncoding("utf8");
  req.on("data", (chunk) => (raw += chunk));
  req.on("end", () => {
    const form = new URLSearchParams(raw);
    entry.token = form.get("token");
    entry.token_type_hint = form.get("token_type_hint");
  });
});

const control = http.createServer((req, res) => {
  const url = new URL(req.url, "http://control");
  const reply = (status, value) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(value));
  };
  if (req.method === "GET" && url.pathname === "/log") return reply(200, log);
  if (req.method === "POST" && url.pathname === "/deny-next-authorize") {
    denyNextAuthorize = true;
    return reply(200, { ok: true });
  }
  if (req.method === "POST" && url.pathname === "/fail-next-token") {
    nextTokenError = {
      status: 400,
      body: {
        error: url.searchParams.get("error") ?? "invalid_grant",
        error_description: url.searchParams.get("description") ?? "Token has been expired or revoked.",
      },
    };
    return reply(200, { ok: true });
  }
  if (req.method === "POST" && url.pathname === "/clients") {
    clients.set(url.searchParams.get("id") ?? "", url.searchParams.get("secret") ?? "");
    return reply(200, { ok: true });
  }
  if (req.method === "POST" && url.pathname === "/reset") {
    log.authorize.length = 0;
    log.token.length = 0;
    log.revoke.length = 0;
    return reply(200, { ok: true });
  }
  reply(404, { error: "unknown control path" });
});
control.listen(controlPort, "127.0.0.1", () => {
  const issuer = server.issuer.url;
  console.log(JSON.stringify({ issuer, control: `http://127.0.0.1:${control.address().port}` }));
});

const stop = () => {
  control.close();
  oauth.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
