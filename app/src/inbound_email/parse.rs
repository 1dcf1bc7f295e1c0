//! The three providers' inbound-parse requests read into one [`InboundEmail`]: Postmark's
//! `Headers` list, Mailgun's `message-headers` pairs and SendGrid's `headers` text each become
//! one header block.
//!   Postmark: JSON (postmarkapp.com/developer/webhooks/inbound-webhook).
//!   Mailgun: a route's forward(), urlencoded or multipart, `message-headers` as JSON pairs
//!   (documentation.mailgun.com, "Receiving messages via HTTP through a forward() action").
//!   SendGrid: Inbound Parse, multipart, parsed (`headers`, `text`, `html`, `attachmentN`) or
//!   raw (`email`, the whole MIME message) (twilio.com/docs/sendgrid, "Inbound Parse Webhook").
use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use super::message::{addresses, finish, malformed, raw_mime, read_headers};
pub use super::message::{Attachment, InboundEmail, Malformed};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PostmarkHeader {
    name: String,
    value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PostmarkAttachment {
    name: String,
    #[serde(default)]
    content_type: String,
    #[serde(default)]
    content_length: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PostmarkInbound {
    #[serde(rename = "MessageID", default)]
    message_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    from_name: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    cc: String,
    #[serde(default)]
    original_recipient: String,
    #[serde(default)]
    reply_to: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    text_body: String,
    #[serde(default)]
    html_body: String,
    #[serde(default)]
    headers: Vec<PostmarkHeader>,
    #[serde(default)]
    attachments: Vec<PostmarkAttachment>,
}

pub fn postmark(body: &[u8]) -> Result<InboundEmail, Malformed> {
    let inbound: PostmarkInbound = serde_json::from_slice(body)
        .map_err(|e| malformed("body", format!("Not a Postmark inbound message: {e}")))?;
    let block: String = inbound
        .headers
        .iter()
        .map(|h| {
            format!(
                "{}: {}\r\n",
                h.name.trim(),
                h.value.replace(['\r', '\n'], " ")
            )
        })
        .collect();
    let mut email = InboundEmail {
        from_email: Some(inbound.from).filter(|f| !f.is_empty()),
        from_name: Some(inbound.from_name).filter(|f| !f.is_empty()),
        reply_to: Some(inbound.reply_to).filter(|r| !r.is_empty()),
        to: addresses(&inbound.to),
        cc: addresses(&inbound.cc),
        subject: inbound.subject,
        text: Some(inbound.text_body).filter(|t| !t.is_empty()),
        html: Some(inbound.html_body).filter(|h| !h.is_empty()),
        provider_id: Some(inbound.message_id).filter(|m| !m.is_empty()),
        attachments: inbound
            .attachments
            .into_iter()
            .map(|a| Attachment {
                filename: a.name,
                content_type: a.content_type,
                size: a.content_length,
            })
            .collect(),
        ..InboundEmail::default()
    };
    read_headers(&block, &mut email);
    Ok(finish(email, &[inbound.original_recipient]))
}

/// A form's fields and files, from either encoding.
#[derive(Debug, Default)]
pub struct Form {
    pub fields: HashMap<String, String>,
    pub files: Vec<(String, Attachment)>,
}

impl Form {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// `application/x-www-form-urlencoded` or `multipart/form-data` (files kept as sizes only).
pub async fn form(content_type: &str, body: axum::body::Bytes) -> Result<Form, Malformed> {
    let mut form = Form::default();
    // The boundary is case-sensitive; the media type is not.
    if content_type
        .to_ascii_lowercase()
        .starts_with("application/x-www-form-urlencoded")
    {
        form.fields = url::form_urlencoded::parse(&body).into_owned().collect();
        return Ok(form);
    }
    let boundary = multer::parse_boundary(content_type).map_err(|_| {
        malformed(
            "content-type",
            "Expected multipart/form-data with a boundary, or a urlencoded form.",
        )
    })?;
    let stream = futures::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    loop {
        let field = match parts.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                return Err(malformed(
                    "body",
                    format!("The form could not be read: {e}"),
                ))
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let file = field.file_name().map(str::to_string);
        let content_type = field
            .content_type()
            .map(|m| m.to_string())
            .unwrap_or_else(|| "application/octet-stream".into());
        let bytes = field
            .bytes()
            .await
            .map_err(|e| malformed("body", format!("The form could not be read: {e}")))?;
        match file {
            Some(filename) => form.files.push((
                name,
                Attachment {
                    filename,
                    content_type,
                    size: bytes.len() as u64,
                },
            )),
            None => {
                form.fields
                    .insert(name, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    Ok(form)
}

pub fn mailgun(form: &Form) -> Result<InboundEmail, Malformed> {
    let pairs: Vec<Value> = match form.get("message-headers") {
        Some(raw) => serde_json::from_str(raw).map_err(|_| {
            malformed(
                "message-headers",
                "Expected a JSON list of [name, value] pairs.",
            )
        })?,
        None => Vec::new(),
    };
    let block: String = pairs
        .iter()
        .filter_map(|pair| {
            let name = pair.get(0)?.as_str()?;
            let value = pair.get(1)?.as_str()?;
            Some(format!(
                "{}: {}\r\n",
                name.trim(),
                value.replace(['\r', '\n'], " ")
            ))
        })
        .collect();
    if let Some(mime) = form.get("body-mime") {
        return Ok(raw_mime(
            mime.as_bytes(),
            &[form.get("recipient").unwrap_or_default().to_string()],
        ));
    }
    let field = |name: &str| form.get(name).map(str::to_string).filter(|v| !v.is_empty());
    let mut email = InboundEmail {
        subject: field("subject").unwrap_or_default(),
        text: field("body-plain"),
        html: field("body-html"),
        to: addresses(form.get("To").or(form.get("to")).unwrap_or_default()),
        cc: addresses(form.get("Cc").or(form.get("cc")).unwrap_or_default()),
        attachments: form.files.iter().map(|(_, a)| a.clone()).collect(),
        ..InboundEmail::default()
    };
    let from = format!("From: {}\r\n", form.get("from").unwrap_or_default());
    read_headers(&(from + &block), &mut email);
    Ok(finish(
        email,
        &[form.get("recipient").unwrap_or_default().to_string()],
    ))
}

pub fn sendgrid(form: &Form) -> Result<InboundEmail, Malformed> {
    #[derive(Deserialize, Default)]
    struct Envelope {
        #[serde(default)]
        to: Vec<String>,
    }
    let envelope: Envelope = match form.get("envelope") {
        Some(raw) => serde_json::from_str(raw)
            .map_err(|_| malformed("envelope", "Expected JSON with a `to` list."))?,
        None => Envelope::default(),
    };
    if let Some(raw) = form.get("email") {
        return Ok(raw_mime(raw.as_bytes(), &envelope.to));
    }
    let headers = form
        .get("headers")
        .ok_or_else(|| malformed("headers", "The parsed message has no `headers` field."))?;
    let field = |name: &str| form.get(name).map(str::to_string).filter(|v| !v.is_empty());
    let mut email = InboundEmail {
        subject: field("subject").unwrap_or_default(),
        text: field("text"),
        html: field("html"),
        to: addresses(form.get("to").unwrap_or_default()),
        cc: addresses(form.get("cc").unwrap_or_default()),
        attachments: form.files.iter().map(|(_, a)| a.clone()).collect(),
        ..InboundEmail::default()
    };
    read_headers(headers, &mut email);
    Ok(finish(email, &envelope.to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sendgrids_raw_mode_is_read_from_the_whole_message() {
        let raw = "From: \"Sam Lee\" <Sam@Example.org>\r\nTo: acme@in.example.test\r\nCc: b@example.org\r\n\
Subject: =?utf-8?q?Caf=C3=A9?=\r\nMessage-ID: <r1@example.org>\r\nIn-Reply-To: <r0@example.org>\r\n\
References: <q@example.org> <r0@example.org>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=b1\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nHello\r\n\
--b1\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n\r\n%PDF\r\n--b1--\r\n";
        let envelope = r#"{"to":["acme@in.example.test"],"from":"sam@example.org"}"#;
        let body = format!(
            "--X\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n{raw}\r\n\
--X\r\nContent-Disposition: form-data; name=\"envelope\"\r\n\r\n{envelope}\r\n--X--\r\n"
        );
        let form = form("multipart/form-data; boundary=X", body.into())
            .await
            .expect("form");
        let email = sendgrid(&form).expect("email");
        assert_eq!(email.from_email.as_deref(), Some("Sam@Example.org"));
        assert_eq!(email.from_name.as_deref(), Some("Sam Lee"));
        assert_eq!(email.subject, "Café");
        assert_eq!(email.message_id.as_deref(), Some("r1@example.org"));
        assert_eq!(email.in_reply_to, ["r0@example.org"]);
        assert_eq!(email.references, ["q@example.org", "r0@example.org"]);
        assert_eq!(email.text.as_deref(), Some("Hello"));
        assert_eq!(email.recipients, ["acme@in.example.test", "b@example.org"]);
        assert_eq!(
            email.attachments,
            [Attachment {
                filename: "a.pdf".into(),
                content_type: "application/pdf".into(),
                size: 4
            }]
        );
    }

    #[tokio::test]
    async fn bad_requests_name_what_is_wrong() {
        assert_eq!(postmark(b"[1]").unwrap_err().field, "body");
        let err = form("text/plain", "x".into()).await.unwrap_err();
        assert_eq!(err.field, "content-type");
        let mut bad = Form::default();
        bad.fields.insert("message-headers".into(), "{".into());
        assert_eq!(mailgun(&bad).unwrap_err().field, "message-headers");
        assert_eq!(sendgrid(&Form::default()).unwrap_err().field, "headers");
    }
}
