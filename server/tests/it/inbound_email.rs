//! Email forwarding, inbound: mail to a company's address arrives as Postmark, Mailgun and
//! SendGrid send it (their documented request shapes and verification), becomes one
//! `message.received` event, is deduplicated by Message-ID and threaded by In-Reply-To.

use base64::Engine;
use hmac::{Hmac, Mac};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::EncodePublicKey;
use serde_json::{json, Value};
use sha2::Sha256;
use sqlx::PgPool;

use crate::common::{Browser, TestApp};

const DOMAIN: &str = "in.plugboard.test";
const MAILGUN_KEY: &str = "test-webhook-signing-key";

struct Inbound {
    app: TestApp,
    sendgrid_key: SigningKey,
    http: reqwest::Client,
}

impl Inbound {
    async fn start(pool: PgPool) -> Self {
        let sendgrid_key = SigningKey::random(&mut rand::rngs::OsRng);
        let public = p256::PublicKey::from(sendgrid_key.verifying_key())
            .to_public_key_der()
            .expect("der");
        let public = base64::engine::general_purpose::STANDARD.encode(public.as_bytes());
        let app = TestApp::builder(pool)
            .config(move |c| {
                c.email.inbound_domain = Some(DOMAIN.into());
                c.email.inbound.postmark_basic_auth = Some(("postmark".into(), "s3cret".into()));
                c.email.inbound.mailgun_signing_key = Some(MAILGUN_KEY.into());
                c.email.inbound.sendgrid_verification_key = Some(public);
            })
            .await;
        Self {
            app,
            sendgrid_key,
            http: reqwest::Client::new(),
        }
    }

    async fn postmark(&self, body: &Value, password: &str) -> (u16, Value) {
        let res = self
            .http
            .post(self.app.base.join("/inbound/email/postmark").unwrap())
            .basic_auth("postmark", Some(password))
            .json(body)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }

    /// A Mailgun route's forward(): urlencoded, signed over timestamp + token.
    async fn mailgun(&self, fields: &[(&str, &str)], key: &str) -> (u16, Value) {
        let timestamp = chrono::Utc::now().timestamp().to_string();
        let token = format!("{:050}", rand::random::<u64>());
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(format!("{timestamp}{token}").as_bytes());
        let signature = hex::encode(mac.finalize().into_bytes());
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.extend([
            ("timestamp", timestamp.as_str()),
            ("token", token.as_str()),
            ("signature", signature.as_str()),
        ]);
        let res = self
            .http
            .post(self.app.base.join("/inbound/email/mailgun").unwrap())
            .form(&form)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }

    /// SendGrid's Inbound Parse: multipart, signed (ECDSA P-256) over timestamp + body.
    async fn sendgrid(
        &self,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
        tamper: bool,
    ) -> (u16, Value) {
        let boundary = "xYzZY";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
        }
        if let Some((filename, bytes)) = file {
            body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"attachment1\"; filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
            body.extend(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").as_bytes());
        let timestamp = chrono::Utc::now().timestamp().to_string();
        let mut signed = timestamp.as_bytes().to_vec();
        signed.extend(&body);
        let signature: DerSignature = self.sendgrid_key.sign(&signed);
        if tamper {
            body.extend(b" ");
        }
        let res = self
            .http
            .post(self.app.base.join("/inbound/email/sendgrid").unwrap())
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(
                "X-Twilio-Email-Event-Webhook-Signature",
                base64::engine::general_purpose::STANDARD.encode(signature.as_bytes()),
            )
            .header("X-Twilio-Email-Event-Webhook-Timestamp", &timestamp)
            .body(body)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }

    async fn event(&self, public_id: &Value) -> Value {
        let id =
            uuid::Uuid::parse_str(public_id.as_str().unwrap().trim_start_matches("evt_")).unwrap();
        let (event_type, data): (String, Value) =
            sqlx::query_as("SELECT event_type, data FROM events WHERE id = $1")
                .bind(id)
                .fetch_one(&self.app.pool)
                .await
                .unwrap();
        assert_eq!(event_type, "message.received");
        data
    }
}

fn postmark_mail(to: &str, message_id: &str) -> Value {
    json!({
        "FromName": "Dana Whitfield", "MessageStream": "inbound", "From": "Dana@Example.com",
        "FromFull": {"Email": "Dana@Example.com", "Name": "Dana Whitfield", "MailboxHash": ""},
        "To": format!("\"Acme\" <{to}>"), "ToFull": [{"Email": to, "Name": "Acme", "MailboxHash": ""}],
        "Cc": "", "CcFull": [], "Bcc": "", "BccFull": [], "OriginalRecipient": to, "ReplyTo": "",
        "Subject": "My order", "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b", "MailboxHash": "",
        "Date": "Wed, 2 Dec 2026 09:15:00 +0000", "TextBody": "Where is my order?",
        "HtmlBody": "<p>Where is my order?</p>", "StrippedTextReply": "", "Tag": "",
        "Headers": [{"Name": "X-Spam-Status", "Value": "No"}, {"Name": "Message-ID", "Value": message_id}],
        "Attachments": [{"Name": "receipt.pdf", "Content": "JVBERi0=", "ContentType": "application/pdf",
                         "ContentLength": 5, "ContentID": ""}]
    })
}

async fn connect(admin: &Browser) -> Value {
    admin
        .post_ok(
            "/api/v1/integrations/connect_api_key",
            json!({"slug": "email-forwarding", "values": {"support_address": "support@example.com"}}),
        )
        .await
}

#[sqlx::test(migrations = "../migrations")]
async fn mail_through_each_provider_becomes_one_threaded_message_received_event(pool: PgPool) {
    let inbound = Inbound::start(pool).await;
    let admin = inbound.app.setup("Acme", "ada@acme.test").await;
    let address = format!("acme@{DOMAIN}");

    // Before the company connects Email forwarding, its mail is refused so Postmark stops.
    let (status, answer) = inbound
        .postmark(&postmark_mail(&address, "<m1@mail.example.com>"), "s3cret")
        .await;
    assert_eq!((status, answer["status"].as_str()), (403, Some("rejected")));
    let card = connect(&admin).await;
    assert_eq!(card["inbound_address"], address);

    let (status, _) = inbound
        .postmark(&postmark_mail(&address, "<m1@mail.example.com>"), "wrong")
        .await;
    assert_eq!(status, 401);
    let (status, first) = inbound
        .postmark(&postmark_mail(&address, "<m1@mail.example.com>"), "s3cret")
        .await;
    assert_eq!(
        (status, first["status"].as_str()),
        (200, Some("published")),
        "{first}"
    );
    let data = inbound.event(&first["event_id"]).await;
    let conversation = data["conversation_id"].as_str().unwrap().to_string();
    assert!(conversation.starts_with("email_"), "{conversation}");
    assert_eq!(data["channel"], "email");
    assert_eq!(
        data["customer"],
        json!({"name": "Dana Whitfield", "email": "dana@example.com"})
    );
    assert_eq!(data["text"], "Where is my order?");
    assert_eq!(data["html"], "<p>Where is my order?</p>");
    assert_eq!(data["email"]["subject"], "My order");
    assert_eq!(data["email"]["message_id"], "m1@mail.example.com");
    assert_eq!(data["email"]["received_via"], "postmark");
    assert_eq!(
        data["email"]["attachments"],
        json!([{"filename": "receipt.pdf", "content_type": "application/pdf", "size": 5}])
    );
    // Postmark retries: the same mail is the same event.
    let (status, again) = inbound
        .postmark(&postmark_mail(&address, "<m1@mail.example.com>"), "s3cret")
        .await;
    assert_eq!(
        (status, again["status"].as_str()),
        (200, Some("already_received"))
    );
    assert_eq!(again["event_id"], first["event_id"]);

    // Dana answers through Mailgun: same conversation. A wrong signature is refused.
    let headers = json!([
        ["Message-Id", "<m2@mail.example.com>"],
        ["In-Reply-To", "<m1@mail.example.com>"],
        ["References", "<m1@mail.example.com>"],
        ["Subject", "Re: My order"]
    ])
    .to_string();
    let to = format!("acme+orders@{DOMAIN}");
    let mail = [
        ("recipient", to.as_str()),
        ("sender", "dana@example.com"),
        ("from", "Dana Whitfield <dana@example.com>"),
        ("subject", "Re: My order"),
        ("body-plain", "Any news?"),
        ("message-headers", headers.as_str()),
    ];
    let (status, _) = inbound.mailgun(&mail, "another key").await;
    assert_eq!(status, 401);
    let (status, reply) = inbound.mailgun(&mail, MAILGUN_KEY).await;
    assert_eq!(
        (status, reply["status"].as_str()),
        (200, Some("published")),
        "{reply}"
    );
    let data = inbound.event(&reply["event_id"]).await;
    assert_eq!(
        data["conversation_id"],
        conversation.as_str(),
        "threaded by In-Reply-To"
    );
    assert_eq!(data["text"], "Any news?");
    assert_eq!(data["email"]["in_reply_to"], "m1@mail.example.com");
    let stranger = [
        ("recipient", "someone@in.plugboard.test"),
        ("from", "x@example.com"),
        ("subject", "Hi"),
    ];
    let (status, _) = inbound.mailgun(&stranger, MAILGUN_KEY).await;
    assert_eq!(status, 406, "Mailgun stops retrying a mail for no one here");

    // A new mail through SendGrid, with an attachment: a new conversation.
    let raw_headers = format!(
        "From: Sam Lee <sam@example.org>\r\nTo: {address}\r\nSubject: Invoice question\r\nMessage-ID: <s1@mail.example.org>\r\nDate: Wed, 2 Dec 2026 10:00:00 +0000"
    );
    let envelope = json!({"to": [address], "from": "sam@example.org"}).to_string();
    let fields = [
        ("headers", raw_headers.as_str()),
        ("to", address.as_str()),
        ("from", "Sam Lee <sam@example.org>"),
        ("subject", "Invoice question"),
        ("text", "Why was I charged twice?"),
        ("envelope", envelope.as_str()),
        ("attachments", "1"),
        ("SPF", "pass"),
    ];
    let (status, _) = inbound
        .sendgrid(&fields, Some(("invoice.pdf", b"%PDF-1.7 twelve")), true)
        .await;
    assert_eq!(status, 401, "a body that is not the signed one is refused");
    let (status, sam) = inbound
        .sendgrid(&fields, Some(("invoice.pdf", b"%PDF-1.7 twelve")), false)
        .await;
    assert_eq!(
        (status, sam["status"].as_str()),
        (200, Some("published")),
        "{sam}"
    );
    let data = inbound.event(&sam["event_id"]).await;
    assert_ne!(data["conversation_id"], conversation.as_str());
    assert_eq!(
        data["customer"],
        json!({"name": "Sam Lee", "email": "sam@example.org"})
    );
    assert_eq!(data["email"]["attachments"][0]["size"], 15);

    // An out-of-office reply starts nothing.
    let auto = format!("{raw_headers}\r\nAuto-Submitted: auto-replied").replace("<s1@", "<s2@");
    let fields = [
        ("headers", auto.as_str()),
        ("to", address.as_str()),
        ("envelope", envelope.as_str()),
        ("text", "Away"),
    ];
    let (status, ignored) = inbound.sendgrid(&fields, None, false).await;
    assert_eq!((status, ignored["status"].as_str()), (200, Some("ignored")));
    let stored: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE event_type = 'message.received'")
            .fetch_one(&inbound.app.pool)
            .await
            .unwrap();
    assert_eq!(stored, 3, "Dana's mail, her answer and Sam's mail");
}

#[sqlx::test(migrations = "../migrations")]
async fn each_company_gets_its_own_address_and_only_its_own_mail(pool: PgPool) {
    let inbound = Inbound::start(pool).await;
    let first = inbound.app.setup("Acme", "ada@acme.test").await;
    let second = inbound.app.other_company("Acme!", "bo@other.test").await;
    assert_eq!(
        connect(&first).await["inbound_address"],
        format!("acme@{DOMAIN}")
    );
    assert_eq!(
        connect(&second).await["inbound_address"],
        format!("acme-2@{DOMAIN}")
    );
    // The second company turns receiving off: its mail is refused, the first's still taken.
    let id = second
        .get_json("/api/v1/integrations/list")
        .await
        .as_array()
        .unwrap()[0]["id"]
        .clone();
    second
        .post_ok(
            "/api/v1/integrations/save_config",
            json!({"id": id, "config": {"receive_emails": false}}),
        )
        .await;
    let (status, _) = inbound
        .postmark(
            &postmark_mail(&format!("acme-2@{DOMAIN}"), "<x1@mail.example.com>"),
            "s3cret",
        )
        .await;
    assert_eq!(status, 403);
    let (status, taken) = inbound
        .postmark(
            &postmark_mail(&format!("acme@{DOMAIN}"), "<x1@mail.example.com>"),
            "s3cret",
        )
        .await;
    assert_eq!(status, 200);
    let company: uuid::Uuid = sqlx::query_scalar("SELECT company_id FROM events WHERE id = $1")
        .bind(
            uuid::Uuid::parse_str(
                taken["event_id"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("evt_"),
            )
            .unwrap(),
        )
        .fetch_one(&inbound.app.pool)
        .await
        .unwrap();
    let acme: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM companies WHERE inbound_email_slug = 'acme'")
            .fetch_one(&inbound.app.pool)
            .await
            .unwrap();
    assert_eq!(company, acme);
}
