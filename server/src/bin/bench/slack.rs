//! The actions benchmark: a Slack connection (made through the OAuth round trip against the Slack
//! Web API contract server, end2end/support/slack-api.mjs) that receives every
//! `message.received`; measured are messages accepted by the contract server per second, and
//! the time from a publish response to the `chat.postMessage` request reaching it.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::Api;

type Error = Box<dyn std::error::Error>;

pub struct SlackContract {
    pub base: String,
    child: Child,
}

impl SlackContract {
    pub fn start() -> Result<Self, Error> {
        use std::io::BufRead;
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../end2end/support/slack-api.mjs");
        let mut child = Command::new("node")
            .arg(script)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        std::io::BufReader::new(stdout).read_line(&mut line)?;
        let ready: Value = serde_json::from_str(line.trim())?;
        let base = ready["base"].as_str().ok_or("no base")?.to_string();
        Ok(Self { base, child })
    }

    /// The variables that point Plugboard's Slack provider here.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("SLACK_CLIENT_ID".into(), "plugboard-test-client".into()),
            ("SLACK_CLIENT_SECRET".into(), "plugboard-test-secret".into()),
            (
                "SLACK_AUTHORIZE_URL".into(),
                format!("{}/oauth/v2/authorize", self.base),
            ),
            (
                "SLACK_TOKEN_URL".into(),
                format!("{}/api/oauth.v2.access", self.base),
            ),
            (
                "SLACK_REVOKE_URL".into(),
                format!("{}/api/auth.revoke", self.base),
            ),
            ("SLACK_API_BASE_URL".into(), format!("{}/api", self.base)),
        ]
    }

    async fn count(&self, http: &reqwest::Client) -> Result<usize, Error> {
        let body: Value = http
            .get(format!("{}/_control/count", self.base))
            .send()
            .await?
            .json()
            .await?;
        Ok(body["messages"].as_u64().unwrap_or(0) as usize)
    }

    /// When (Unix ms) each message whose excerpt is `tag` arrived.
    async fn arrivals(&self, http: &reqwest::Client) -> Result<Vec<(String, f64)>, Error> {
        let messages: Vec<Value> = http
            .get(format!("{}/_control/messages", self.base))
            .send()
            .await?
            .json()
            .await?;
        Ok(messages
            .iter()
            .filter_map(|m| {
                let excerpt = m["blocks"]
                    .as_array()?
                    .iter()
                    .find_map(|b| b["text"]["text"].as_str()?.strip_prefix('>'))?;
                Some((excerpt.to_string(), m["received_at"].as_f64()?))
            })
            .collect())
    }
}

impl Drop for SlackContract {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The admin's session and the Slack connection it made.
pub struct SlackConnection {
    browser: reqwest::Client,
    base: String,
    cookies: String,
    csrf: String,
    id: String,
}

impl SlackConnection {
    /// Subscribes the connection to every customer message in #support-alerts; `replies`:
    /// whether agents may reply from Slack (then each message's thread is remembered).
    pub async fn configure(&self, replies: bool) -> Result<(), Error> {
        let config = json!({"channel": "#support-alerts", "notify_new_conversations": false,
                            "notify_escalations": false, "notify_all_messages": true,
                            "daily_summary": false, "allow_agent_replies": replies});
        let saved = self
            .browser
            .post(format!("{}/api/v1/integrations/save_config", self.base))
            .header("cookie", &self.cookies)
            .header("x-csrf-token", &self.csrf)
            .json(&json!({"id": self.id, "config": config}))
            .send()
            .await?;
        if !saved.status().is_success() {
            return Err(format!("save_config: {}", saved.text().await?).into());
        }
        Ok(())
    }
}

/// The cookies Plugboard set, as a browser keeps them (the server's build of reqwest has no
/// cookie store: the product never needs one, and its cookie layer parsed every webhook's URL).
#[derive(Default)]
struct Cookies(cookie::CookieJar);

impl Cookies {
    fn keep(&mut self, answer: &reqwest::Response) {
        let set = answer.headers().get_all("set-cookie").iter();
        for cookie in set.filter_map(|v| cookie::Cookie::parse(v.to_str().ok()?.to_string()).ok()) {
            match cookie.max_age().is_some_and(|age| age.is_zero()) {
                true => self.0.remove(cookie.name().to_string()),
                false => self.0.add(cookie),
            }
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(cookie::Cookie::value)
    }

    fn header(&self) -> String {
        let pairs: Vec<String> = self.0.iter().map(|c| c.stripped().to_string()).collect();
        pairs.join("; ")
    }
}

/// Signs the admin in and connects Slack through its OAuth round trip.
pub async fn connect(base: &str, email: &str, password: &str) -> Result<SlackConnection, Error> {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut cookies = Cookies::default();
    let signed_in = browser
        .post(format!("{base}/api/v1/auth/sign_in"))
        .header("accept", "application/json")
        .form(&[("email", email), ("password", password)])
        .send()
        .await?;
    cookies.keep(&signed_in);
    let csrf = cookies
        .get("pb_csrf")
        .ok_or("no CSRF cookie after sign-in")?
        .to_string();
    let started = browser
        .post(format!("{base}/api/v1/integrations/start_oauth"))
        .header("cookie", cookies.header())
        .header("x-csrf-token", &csrf)
        .json(&json!({"slug": "slack"}))
        .send()
        .await?;
    cookies.keep(&started);
    let start: Value = started.json().await?;
    let authorize = start["authorize_url"].as_str().ok_or("no authorize_url")?;
    // Slack's own page: none of Plugboard's cookies go there.
    let at_slack = browser.get(authorize).send().await?;
    let callback = at_slack
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .ok_or("Slack did not redirect back")?
        .to_string();
    let landed = browser
        .get(&callback)
        .header("cookie", cookies.header())
        .send()
        .await?;
    cookies.keep(&landed);
    let location = landed
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let id = location
        .split("connected=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .ok_or_else(|| format!("the OAuth round trip did not connect: {location}"))?
        .to_string();
    Ok(SlackConnection {
        browser,
        base: base.to_string(),
        cookies: cookies.header(),
        csrf,
        id,
    })
}

/// Publishes `events` customer messages in batches of 500 (four requests in flight) and waits
/// until Slack has accepted a message for each.
pub async fn throughput(
    api: &Api,
    slack: &SlackContract,
    events: usize,
    label: &str,
) -> Result<(), Error> {
    let before = slack.count(&api.http).await?;
    let started = Instant::now();
    let published_in = api
        .publish_batches(events, |b, n| {
            json!({"event_type": "message.received",
                   "data": {"conversation_id": format!("conv_{b}"), "text": format!("bulk {b}-{n}")}})
        })
        .await?;
    let deadline = Instant::now() + Duration::from_secs(300);
    while slack.count(&api.http).await? < before + events {
        if Instant::now() > deadline {
            return Err("Slack messages did not all arrive within 5 minutes".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let done_in = started.elapsed();
    println!(
        "Slack actions ({label}): published {events} events at {:.0} events/s (batches of 500); {:.0} Slack messages/s end to end",
        events as f64 / published_in.as_secs_f64(),
        events as f64 / done_in.as_secs_f64()
    );
    Ok(())
}

fn unix_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// Single-event publishes at `rate` per second for `duration`; latency is from the publish
/// response to the `chat.postMessage` request's arrival at the contract server (both on this
/// machine's clock, millisecond resolution).
pub async fn latency(
    api: &Api,
    slack: &SlackContract,
    rate: u32,
    duration: Duration,
) -> Result<(), Error> {
    let offered = super::measure::offer(
        api,
        rate,
        duration,
        |n| {
            json!({"event_type": "message.received",
                   "data": {"conversation_id": "conv_latency", "text": format!("latency {n}")}})
        },
        |n, _| Some(format!("latency {n}")),
        unix_ms,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let arrivals: std::collections::HashMap<String, f64> =
        slack.arrivals(&api.http).await?.into_iter().collect();
    let latencies: Vec<f64> = offered
        .acked
        .iter()
        .filter_map(|(tag, at)| arrivals.get(tag).map(|arrived| (arrived - at).max(0.0)))
        .collect();
    let p = super::Percentiles::of(latencies);
    println!(
        "Slack latency at {rate} events/s offered ({} published, {} acknowledged, {} posted): publish response -> chat.postMessage {p}",
        offered.total,
        offered.acked.len(),
        p.count,
    );
    Ok(())
}
