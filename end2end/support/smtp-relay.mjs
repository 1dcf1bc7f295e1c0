// A contract server for the SMTP submission relay Plugboard sends mail through, written from
// RFC 5321 (SMTP), RFC 4954 (AUTH), RFC 3463 (enhanced status codes), RFC 5322 (message format) and
// RFC 2045 (MIME), on the nodemailer project's smtp-server and mailparser. Plain SMTP, no TLS:
//   EHLO advertises AUTH PLAIN LOGIN, SIZE 10485760 and ENHANCEDSTATUSCODES; STARTTLS is not offered.
//   AUTH is required before MAIL FROM (530 5.7.0): user plugboard, password relay-secret; anything else
//   answers 535 5.7.8 Authentication credentials invalid.
//   MAIL FROM must be local@domain (501 5.1.7 otherwise, the null sender <> included).
//   RCPT TO: any address at example.com, example.test or *.test, except nobody@example.com (550 5.1.1
//   User unknown); other domains answer 554 5.7.1 Relay access denied.
//   DATA: over 10 MB answers 552 5.3.4; a message without From, To, Subject, Date, Message-ID or
//   Content-Type header answers 554 5.6.0 Message rejected: missing <Header> header; accepted: 250 2.6.0.
//
// Control: GET /_control/messages (every accepted message, parsed), POST /_control/reset,
// POST /_control/fail-next?code=451&count=1 (the next `count` DATA commands answer `code` with
// 4.3.0 Temporary local problem, try again later for 4xx, 5.7.1 Message rejected as spam for 5xx)
//   node smtp-relay.mjs [port]   SMTP on port, control HTTP on port+1 (both random without a port); prints
//   {"base": "http://127.0.0.1:H", "smtp_url": "smtp://plugboard:relay-secret@127.0.0.1:S", "smtp_port": S}
import http from "node:http";
import { SMTPServer } from "smtp-server";
import { SMTPConnection } from "smtp-server/lib/smtp-connection.js";
import { simpleParser } from "mailparser";

const port = Number(process.argv[2] ?? 0);
const USER = "plugboard";
const PASSWORD = "relay-secret";
const MAX_SIZE = 10 * 1024 * 1024;
const REQUIRED_HEADERS = [["from", "From"], ["to", "To"], ["subject", "Subject"], ["date", "Date"], ["message-id", "Message-ID"], ["content-type", "Content-Type"]];
const ADDRESS = /^[^\s@<>()[\],;:"]+@([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)$/;

let messages = [];
let failNext = { code: 0, count: 0 };

// smtp-server derives the enhanced status code from the reply code alone (554 is always 5.6.0); replies
// written here carry their own RFC 3463 code, so one that starts with an enhanced code is sent as it is.
const send = SMTPConnection.prototype.send;
SMTPConnection.prototype.send = function (code, data, context) {
  return send.call(this, code, data, typeof data === "string" && /^[245]\.\d{1,3}\.\d{1,3} /.test(data) ? false : context);
};
const smtpError = (code, message) => Object.assign(new Error(message), { responseCode: code });
const addressText = (a) => (a == null ? null : Array.isArray(a) ? a.map((x) => x.text).join(", ") : a.text);

/** Header lines as {lowercased name: unfolded raw value}; repeated headers are joined with ", ". */
function headerValues(lines) {
  const out = {};
  for (const { key, line } of lines) {
    const value = line.slice(line.indexOf(":") + 1).replace(/\r?\n[ \t]+/g, " ").trim();
    out[key] = key in out ? `${out[key]}, ${value}` : value;
  }
  return out;
}

const smtp = new SMTPServer({
  name: "relay.example.test",
  banner: "Plugboard contract SMTP relay",
  logger: false,
  hideENHANCEDSTATUSCODES: false,
  secure: false,
  disabledCommands: ["STARTTLS"],
  allowInsecureAuth: true,
  authOptional: false,
  authMethods: ["PLAIN", "LOGIN"],
  authRequiredMessage: "5.7.0 Authentication required",
  size: MAX_SIZE,
  onAuth(auth, session, callback) {
    if (auth.username === USER && auth.password === PASSWORD) return callback(null, { user: USER });
    callback(smtpError(535, "5.7.8 Authentication credentials invalid"));
  },
  onMailFrom(address, session, callback) {
    if (!ADDRESS.test(address.address)) return callback(smtpError(501, "5.1.7 Bad sender address syntax"));
    callback();
  },
  onRcptTo(address, session, callback) {
    const rcpt = address.address;
    const m = rcpt.match(ADDRESS);
    if (!m) return callback(smtpError(501, "5.1.3 Bad recipient address syntax"));
    const domain = m[1].toLowerCase();
    if (domain !== "example.com" && domain !== "example.test" && !domain.endsWith(".test"))
      return callback(smtpError(554, `5.7.1 <${rcpt}>: Relay access denied`));
    if (rcpt.toLowerCase() === "nobody@example.com") return callback(smtpError(550, `5.1.1 <${rcpt}>: Recipient address rejected: User unknown`));
    callback();
  },
  onData(stream, session, callback) {
    const chunks = [];
    let size = 0;
    stream.on("data", (chunk) => {
      size += chunk.length;
      if (!stream.sizeExceeded) chunks.push(chunk);
    });
    stream.on("end", async () => {
      if (stream.sizeExceeded) return callback(smtpError(552, "5.3.4 Message size exceeds fixed maximum message size"));
      if (failNext.count > 0) {
        failNext.count -= 1;
        return callback(
          failNext.code < 500
            ? smtpError(failNext.code, "4.3.0 Temporary local problem, try again later")
            : smtpError(failNext.code, "5.7.1 Message rejected as spam"),
        );
      }
      const raw = Buffer.concat(chunks);
      let parsed;
      try {
        parsed = await simpleParser(raw);
      } catch (err) {
        return callback(smtpError(554, `5.6.0 Message rejected: unparseable message (${err.message})`));
      }
      const headers = headerValues(parsed.headerLines);
      // an empty Subject is allowed (RFC 5322 section 3.6.5); the others need a value
      for (const [key, name] of REQUIRED_HEADERS)
        if (headers[key] === undefined || (key !== "subject" && headers[key] === ""))
          return callback(smtpError(554, `5.6.0 Message rejected: missing ${name} header`));
      // mailparser puts the current time in place of a Date it cannot parse, so check the header itself
      if (Number.isNaN(Date.parse(headers.date))) return callback(smtpError(554, "5.6.0 Message rejected: invalid Date header"));
      const references = parsed.references == null ? null : [].concat(parsed.references);
      messages.push({
        envelope: { from: session.envelope.mailFrom.address, to: session.envelope.rcptTo.map((r) => r.address) },
        auth_user: session.user ?? null,
        from: addressText(parsed.from),
        to: addressText(parsed.to),
        cc: addressText(parsed.cc),
        reply_to: addressText(parsed.replyTo),
        subject: parsed.subject ?? "",
        date: parsed.date.toISOString(),
        message_id: parsed.messageId ?? null,
        in_reply_to: parsed.inReplyTo ?? null,
        references,
        text: parsed.text ?? null,
        html: parsed.html || null,
        headers,
        content_type: parsed.headers.get("content-type").value,
        attachments: parsed.attachments.map((a) => ({ filename: a.filename ?? null, contentType: a.contentType, size: a.size })),
        raw_size: size,
      });
      callback(null, `2.6.0 Ok: queued as ${String(messages.length).padStart(10, "0")}`);
    });
  },
});
smtp.on("error", (err) => console.error("smtp-relay:", err.message));

const reply = (res, status, value) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
};

const control = http.createServer((req, res) => {
  const url = new URL(req.url, "http://relay");
  if (req.method === "GET" && url.pathname === "/_control/messages") return reply(res, 200, messages);
  if (req.method === "POST" && url.pathname === "/_control/reset") {
    messages = [];
    failNext = { code: 0, count: 0 };
    return reply(res, 200, { ok: true });
  }
  if (req.method === "POST" && url.pathname === "/_control/fail-next") {
    const code = Number(url.searchParams.get("code") ?? 451);
    const count = Number(url.searchParams.get("count") ?? 1);
    if (!Number.isInteger(code) || code < 400 || code > 599) return reply(res, 400, { ok: false, error: "code must be a 4xx or 5xx reply code" });
    if (!Number.isInteger(count) || count < 0) return reply(res, 400, { ok: false, error: "count must be a non-negative integer" });
    failNext = { code, count };
    return reply(res, 200, { ok: true, ...failNext });
  }
  return reply(res, 404, { ok: false, error: "not found" });
});

smtp.listen(port, "127.0.0.1", () => {
  const smtpPort = smtp.server.address().port;
  control.listen(port ? port + 1 : 0, "127.0.0.1", () => {
    const base = `http://127.0.0.1:${control.address().port}`;
    console.log(JSON.stringify({ base, smtp_url: `smtp://${USER}:${PASSWORD}@127.0.0.1:${smtpPort}`, smtp_port: smtpPort }));
  });
});
const stop = () => {
  smtp.close();
  control.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
