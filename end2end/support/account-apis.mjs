// Contract servers for the cheap "who am I" calls Plugboard makes to check pasted credentials,
// written from the providers' API references:
//   Stripe  GET /stripe/v1/account   Authorization: Bearer <key> (or Basic with the key as user).
//           200 the Account object; 401 {"error": {"message": "Invalid API Key provided: ...",
//           "type": "invalid_request_error"}}; a restricted key without the account permission
//           403 {"error": {"message": "The provided key ... does not have the required permissions
//           ...", "type": "invalid_request_error"}}.
//   Zendesk GET /zendesk/<subdomain>/api/v2/users/me.json   Authorization: Basic
//           base64("<email>/token:<api_token>"). 200 {"user": {...}}; a wrong token 401
//           {"error": "Couldn't authenticate you"}; an unknown subdomain 404.
// Keys: Stripe sk_test_plugboard (full), rk_test_plugboard_limited (restricted, no account
// read). Zendesk: subdomain acme, agent@acme.test with token zd-test-token.
//   node account-apis.mjs [port]   prints {"base": "http://127.0.0.1:N"}
import http from "node:http";

const port = Number(process.argv[2] ?? 0);
const STRIPE_FULL = "sk_test_plugboard";
const STRIPE_LIMITED = "rk_test_plugboard_limited";
const ZENDESK = { subdomain: "acme", email: "agent@acme.test", token: "zd-test-token" };

const reply = (res, status, value, headers = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(value));
};
const redact = (key) => `${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`;

function basic(req) {
  const header = req.headers.authorization ?? "";
  if (!header.startsWith("Basic ")) return null;
  const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function stripe(req, res) {
  if (req.method !== "GET") return reply(res, 405, { error: { message: "Unrecognized request URL.", type: "invalid_request_error" } });
  const header = req.headers.authorization ?? "";
  const key = header.startsWith("Bearer ") ? header.slice(7) : basic(req)?.user ?? "";
  if (!key) {
    return reply(res, 401, { error: { message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth.", type: "invalid_request_error" } });
  }
  if (key === STRIPE_LIMITED) {
    return reply(res, 403, { error: { message: `The provided key '${redact(key)}' does not have the required permissions for this endpoint on account 'acct_1PlugboardTest'. Having the 'rak_accounts_kyc_basic_read' permission would allow this request to continue.`, type: "invalid_request_error" } });
  }
  if (key !== STRIPE_FULL) {
    return reply(res, 401, { error: { message: `Invalid API Key provided: ${redact(key)}`, type: "invalid_request_error" } });
  }
  return reply(res, 200, {
    id: "acct_1PlugboardTest", object: "account", email: "billing@acme.test", country: "US",
    business_profile: { name: "Acme Corporation", url: "https://acme.test" },
    settings: { dashboard: { display_name: "Acme" } }, charges_enabled: true, type: "standard",
  }, { "request-id": "req_plugboard" });
}

function zendesk(req, res, subdomain) {
  if (subdomain !== ZENDESK.subdomain) return reply(res, 404, { error: "InvalidEndpoint", description: "Not found" });
  if (req.method !== "GET") return reply(res, 405, { error: "MethodNotAllowed" });
  const credentials = basic(req);
  const ok = credentials && credentials.user === `${ZENDESK.email}/token` && credentials.password === ZENDESK.token;
  if (!ok) return reply(res, 401, { error: "Couldn't authenticate you" });
  return reply(res, 200, { user: { id: 361543, name: "Avery Agent", email: ZENDESK.email, role: "admin", active: true } });
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, "http://contract");
  req.resume();
  req.on("end", () => {
    if (url.pathname === "/stripe/v1/account") return stripe(req, res);
    const zd = url.pathname.match(/^\/zendesk\/([a-z0-9-]+)\/api\/v2\/users\/me\.json$/);
    if (zd) return zendesk(req, res, zd[1]);
    reply(res, 404, { error: "not found" });
  });
});
server.listen(port, "127.0.0.1", () => console.log(JSON.stringify({ base: `http://127.0.0.1:${server.address().port}` })));
const stop = () => {
  server.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
