// A contract server for the WhatsApp Business Cloud API calls Plugboard makes, written from Meta's
// documentation (developers.facebook.com/docs/whatsapp/cloud-api: reference/messages,
// reference/phone-numbers, support/error-codes, overview "customer service windows"):
//   GET  /v21.0/{phone-number-id}            Bearer; fields=display_phone_number,verified_name
//   POST /v21.0/{phone-number-id}/messages   Bearer, JSON: messaging_product "whatsapp", to, type
//                                            "text" (text.body <= 4096) or "template" (template.name,
//                                            template.language.code); answers contacts + messages[].id
// Errors are Graph API errors: {"error": {"message", "type", "code", "error_subcode"?, "error_data"?,
// "fbtrace_id"}}: 190 (access token invalid, HTTP 401), 100 (invalid parameter), 131047
// (re-engagement: more than 24 hours since the customer last wrote; only a template may be sent),
// 131026 (undeliverable), 130429 (throughput rate limit, HTTP 429 here as Meta sends it).
//
// Token: EAAtest-plugboard-whatsapp. Phone number id 106540352242922 (+1 555-010-0100, "Acme
// Support"). Customers: 15551234567 wrote within 24 hours; 15559876543 did not (131047 for free
// text); any other number has no WhatsApp account (131026). Templates: "follow_up" in en_US.
//
// Control: GET /_control/messages, POST /_control/revoke (the token stops working),
// POST /_control/rate-limit?count=N.
//   node whatsapp-api.mjs [port]   prints {"base": "http://127.0.0.1:N"}
import http from "node:http";
import crypto from "node:crypto";

const port = Number(process.argv[2] ?? 0);
const TOKEN = "EAAtest-plugboard-whatsapp";
const PHONE = { id: "106540352242922", display_phone_number: "+1 555-010-0100", verified_name: "Acme Support", quality_rating: "GREEN" };
const IN_WINDOW = new Set(["15551234567"]);
const OUT_OF_WINDOW = new Set(["15559876543"]);
const TEMPLATES = new Set(["follow_up/en_US"]);

const state = { messages: [], revoked: false, rateLimit: 0 };

const send = (res, status, value) => {
  res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
  res.end(JSON.stringify(value));
};
const graphError = (res, status, code, message, extra = {}) =>
  send(res, status, { error: { message, type: "OAuthException", code, ...extra, fbtrace_id: crypto.randomBytes(9).toString("base64url") } });

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

function authorized(req, res) {
  const header = req.headers.authorization ?? "";
  if (!header.startsWith("Bearer ") || header.slice(7) !== TOKEN || state.revoked) {
    graphError(res, 401, 190, "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.", { error_subcode: 460 });
    return false;
  }
  return true;
}

async function postMessage(req, res) {
  if ((req.headers["content-type"] ?? "").split(";")[0].trim() !== "application/json")
    return graphError(res, 400, 100, "(#100) Invalid parameter");
  let body;
  try {
    body = JSON.parse(await readBody(req));
  } catch {
    return graphError(res, 400, 100, "(#100) Invalid parameter");
  }
  if (state.rateLimit > 0) {
    state.rateLimit -= 1;
    return graphError(res, 429, 130429, "(#130429) Rate limit hit", { error_data: { messaging_product: "whatsapp", details: "Cloud API message throughput has been reached." } });
  }
  if (body.messaging_product !== "whatsapp")
    return graphError(res, 400, 100, "(#100) The parameter messaging_product is required.");
  if (typeof body.to !== "string" || !/^\+?[0-9]{6,15}$/.test(body.to))
    return graphError(res, 400, 100, "(#100) Invalid parameter", { error_data: { messaging_product: "whatsapp", details: "Parameter 'to' is invalid." } });
  const to = body.to.replace(/^\+/, "");
  if (body.type === "text") {
    const text = body.text?.body;
    if (typeof text !== "string" || text.length === 0)
      return graphError(res, 400, 100, "(#100) The parameter text['body'] is required.");
    if (text.length > 4096)
      return graphError(res, 400, 100, "(#100) Param text['body'] must be at most 4096 characters long.");
  } else if (body.type === "template") {
    const key = `${body.template?.name}/${body.template?.language?.code}`;
    if (!TEMPLATES.has(key))
      return graphError(res, 404, 132001, "(#132001) Template name does not exist in the translation", { error_data: { messaging_product: "whatsapp", details: `template name (${body.template?.name}) does not exist in ${body.template?.language?.code}` } });
  } else {
    return graphError(res, 400, 100, "(#100) Param type must be one of {AUDIO, CONTACTS, DOCUMENT, IMAGE, INTERACTIVE, LOCATION, REACTION, STICKER, TEMPLATE, TEXT, VIDEO}");
  }
  if (!IN_WINDOW.has(to) && !OUT_OF_WINDOW.has(to))
    return graphError(res, 400, 131026, "Message undeliverable", { error_data: { messaging_product: "whatsapp", details: "Message Undeliverable." } });
  if (body.type === "text" && OUT_OF_WINDOW.has(to))
    return graphError(res, 400, 131047, "Re-engagement message", { error_data: { messaging_product: "whatsapp", details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number." } });
  const id = `wamid.${crypto.randomBytes(24).toString("base64url")}`;
  state.messages.push({ id, to, type: body.type, text: body.text ?? null, template: body.template ?? null, received_at: Date.now() });
  return send(res, 200, { messaging_product: "whatsapp", contacts: [{ input: body.to, wa_id: to }], messages: [{ id }] });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, "http://graph");
  const path = url.pathname;
  try {
    if (req.method === "GET" && path === "/_control/messages") return send(res, 200, state.messages);
    if (req.method === "POST" && path === "/_control/revoke") return (state.revoked = true), send(res, 200, { ok: true });
    if (req.method === "POST" && path === "/_control/rate-limit")
      return (state.rateLimit = Number(url.searchParams.get("count") ?? 1)), send(res, 200, { ok: true });
    const phone = path.match(/^\/v[0-9.]+\/([0-9]+)(\/messages)?$/);
    if (!phone) return graphError(res, 400, 2500, "Unknown path components: " + path);
    if (!authorized(req, res)) return;
    if (phone[1] !== PHONE.id)
      return graphError(res, 400, 100, `Unsupported post request. Object with ID '${phone[1]}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`, { error_subcode: 33 });
    if (!phone[2] && req.method === "GET") {
      const fields = (url.searchParams.get("fields") ?? "verified_name,display_phone_number,quality_rating").split(",");
      return send(res, 200, Object.fromEntries(["id", ...fields].filter((f) => f in PHONE).map((f) => [f, PHONE[f]])));
    }
    if (phone[2] && req.method === "POST") return await postMessage(req, res);
    return graphError(res, 400, 100, "(#100) Unsupported request method");
  } catch (e) {
    return send(res, 500, { error: { message: String(e), type: "OAuthException", code: 1 } });
  }
});

server.listen(port, "127.0.0.1", () => {
  console.log(JSON.stringify({ base: `http://127.0.0.1:${server.address().port}` }));
});
