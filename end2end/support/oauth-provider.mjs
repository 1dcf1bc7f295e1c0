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
await server.start(oauthPort, "127.0.0.1");

const log = { authorize: [], token: [], revoke: [] };
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
  if (req.method === "POST" && url.pathname === "/reset") {
    log.authorize.length = 0;
    log.token.length = 0;
    log.revoke.length = 0;
    return reply(200, { ok: true });
  }
  reply(404, { error: "unknown control path" });
});
control.listen(controlPort, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  console.log(JSON.stringify({ issuer, control: `http://127.0.0.1:${control.address().port}` }));
});

const stop = async () => {
  control.close();
  await server.stop();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
