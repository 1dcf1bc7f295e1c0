//! What a forwarded conversation looks like in the support mailbox: the subject, a plain-text
//! and an HTML body with the customer, the details, the excerpt, the link to the conversation
//! and, when asked, the transcript the event carries (`data.transcript`).

use serde_json::Value;

use super::notice::{cut, Notice};

/// Transcripts are cut to their last messages, and each message to this many characters.
const TRANSCRIPT_MESSAGES: usize = 200;
const MESSAGE_CHARS: usize = 4_000;

/// One line of a transcript: who said what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub who: String,
    pub at: Option<String>,
    pub text: String,
}

/// The text and HTML bodies of a forwarded event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bodies {
    pub text: String,
    pub html: String,
}

/// `[Support] Escalated to a human: Dana Whitfield`, with no line breaks or control characters.
pub fn subject(prefix: &str, notice: &Notice) -> String {
    let mut subject = notice.title.clone();
    if let Some(about) = notice.customer.as_ref().or(notice.excerpt.as_ref()) {
        subject = format!("{subject}: {about}");
    }
    if !prefix.trim().is_empty() {
        subject = format!("{} {subject}", prefix.trim());
    }
    let flat: String = subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cut(flat.trim(), 200)
}

/// The event's transcript (`data.transcript`: a list of `{author, text, created_at}`, where
/// `author` is `{type, name}` or a string), oldest first, cut to its last messages.
pub fn transcript(data: &Value) -> Vec<Said> {
    let Some(messages) = data.get("transcript").and_then(Value::as_array) else {
        return Vec::new();
    };
    let skip = messages.len().saturating_sub(TRANSCRIPT_MESSAGES);
    messages
        .iter()
        .skip(skip)
        .filter_map(|m| {
            let text = m.get("text").and_then(Value::as_str)?.trim();
            if text.is_empty() {
                return None;
            }
            let author = m.get("author");
            let name = author
                .and_then(|a| a.get("name"))
                .or(author.filter(|a| a.is_string()))
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|n| !n.is_empty());
            let role = author
                .and_then(|a| a.get("type"))
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|r| !r.is_empty());
            let who = match (name, role) {
                (Some(name), Some(role)) => format!("{name} ({role})"),
                (Some(name), None) => name.to_string(),
                (None, Some(role)) => capitalised(role),
                (None, None) => "Unknown".to_string(),
            };
            let at = m
                .get("created_at")
                .and_then(Value::as_str)
                .map(|at| cut(at.trim(), 40));
            Some(Said {
                who: cut(&who, 100),
                at,
                text: cut(text, MESSAGE_CHARS),
            })
        })
        .collect()
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Both bodies; `transcript` is empty when the settings leave it out or the event has none.
pub fn bodies(notice: &Notice, transcript: &[Said]) -> Bodies {
    let mut text = format!("{}\n", notice.title);
    let mut html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\"><h2 style=\"margin:0 0 12px\">{}</h2>",
        escape(&notice.title)
    );
    let mut rows = Vec::new();
    if let Some(customer) = &notice.customer {
        rows.push(("Customer".to_string(), customer.clone()));
    }
    rows.extend(notice.details.iter().cloned());
    if !rows.is_empty() {
        text.push('\n');
        html.push_str("<table style=\"border-collapse:collapse\">");
        for (label, value) in &rows {
            text.push_str(&format!("{label}: {value}\n"));
            html.push_str(&format!(
                "<tr><th style=\"text-align:left;padding:2px 12px 2px 0\">{}</th><td>{}</td></tr>",
                escape(label),
                escape(value)
            ));
        }
        html.push_str("</table>");
    }
    if let Some(excerpt) = &notice.excerpt {
        text.push_str(&format!("\n> {}\n", excerpt.replace('\n', "\n> ")));
        html.push_str(&format!(
            "<blockquote style=\"margin:12px 0;padding-left:12px;border-left:3px solid #ccc\">{}</blockquote>",
            paragraphs(excerpt)
        ));
    }
    if let Some(link) = &notice.link {
        text.push_str(&format!("\nView conversation: {link}\n"));
        html.push_str(&format!(
            "<p><a href=\"{}\">View conversation</a></p>",
            escape(link)
        ));
    }
    if !transcript.is_empty() {
        text.push_str("\nTranscript\n----------\n");
        html.push_str("<h3>Transcript</h3>");
        for said in transcript {
            let when = said
                .at
                .as_deref()
                .map(|at| format!(", {at}"))
                .unwrap_or_default();
            text.push_str(&format!("\n{}{when}:\n{}\n", said.who, said.text));
            html.push_str(&format!(
                "<p style=\"margin:8px 0\"><strong>{}</strong><span style=\"color:#666\">{}</span><br>{}</p>",
                escape(&said.who),
                escape(&when),
                paragraphs(&said.text)
            ));
        }
    }
    text.push_str("\n--\nForwarded by Plugboard.\n");
    html.push_str(
        "<p style=\"color:#666;font-size:12px\">Forwarded by Plugboard.</p></body></html>",
    );
    Bodies { text, html }
}

/// Text as HTML: escaped, line breaks kept.
fn paragraphs(text: &str) -> String {
    escape(text).replace('\n', "<br>")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn escalation() -> Notice {
        Notice {
            title: "Escalated to a human".into(),
            customer: Some("Dana <dana@example.com>".into()),
            excerpt: Some("Where is\nmy <order>?".into()),
            details: vec![("Priority".into(), "high".into())],
            conversation_id: Some("c1".into()),
            link: Some("https://app.example.com/c/c1?a=1&b=2".into()),
        }
    }

    #[test]
    fn the_subject_has_the_prefix_the_title_and_who_and_no_line_breaks() {
        let notice = escalation();
        assert_eq!(
            subject("[Support]", &notice),
            "[Support] Escalated to a human: Dana <dana@example.com>"
        );
        let mut plain = notice.clone();
        plain.customer = None;
        plain.excerpt = Some("line\r\nBcc: x@evil.test".into());
        assert_eq!(
            subject("", &plain),
            "Escalated to a human: line  Bcc: x@evil.test"
        );
        plain.excerpt = None;
        assert_eq!(subject(" ", &plain), "Escalated to a human");
    }

    #[test]
    fn the_transcript_reads_authors_as_objects_or_strings_and_skips_empty_messages() {
        let data = json!({"transcript": [
            {"author": {"type": "customer", "name": "Dana"}, "text": "Hi", "created_at": "2026-12-01T10:00:00Z"},
            {"author": "Sam", "text": "Hello!"},
            {"author": {"type": "bot"}, "text": "  "},
            {"author": {"type": "bot"}, "text": "Anything else?"},
            {"text": 5}
        ]});
        let said = transcript(&data);
        assert_eq!(
            said.iter().map(|s| s.who.as_str()).collect::<Vec<_>>(),
            ["Dana (customer)", "Sam", "Bot"]
        );
        assert_eq!(said[0].at.as_deref(), Some("2026-12-01T10:00:00Z"));
        assert!(transcript(&json!({"transcript": "no"})).is_empty());
    }

    #[test]
    fn bodies_escape_the_html_and_carry_the_same_facts_as_the_text() {
        let said = transcript(&json!({"transcript": [{"author": "Dana", "text": "<b>hi</b>"}]}));
        let bodies = bodies(&escalation(), &said);
        assert!(bodies
            .text
            .contains("Customer: Dana <dana@example.com>\nPriority: high\n"));
        assert!(bodies.text.contains("> Where is\n> my <order>?"));
        assert!(bodies
            .text
            .contains("View conversation: https://app.example.com/c/c1?a=1&b=2"));
        assert!(bodies.text.contains("\nDana:\n<b>hi</b>\n"));
        assert!(bodies
            .html
            .contains("<td>Dana &lt;dana@example.com&gt;</td>"));
        assert!(bodies.html.contains("Where is<br>my &lt;order&gt;?"));
        assert!(bodies
            .html
            .contains("href=\"https://app.example.com/c/c1?a=1&amp;b=2\""));
        assert!(bodies.html.contains("&lt;b&gt;hi&lt;/b&gt;"));
        assert!(!bodies.html.contains("<b>hi"));
    }
}
