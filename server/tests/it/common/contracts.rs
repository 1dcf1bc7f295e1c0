//! Runs a provider's contract server (`end2end/support/<name>.mjs`, shared with the browser
//! suite: Slack's Web API, Discord's webhooks, Telegram's Bot API, Zapier's catch hooks, an SMTP
//! relay) in a node process, and
//! reads what it received through its control paths.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct Contract {
    pub base: String,
    /// The whole ready line (the SMTP relay adds its `smtp_url`).
    pub ready: Value,
    child: Child,
}

impl Contract {
    /// Starts `end2end/support/<script>` and waits for its ready line.
    pub fn start(script: &str) -> Self {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../end2end/support")
            .join(script);
        let mut child = Command::new("node")
            .arg(&path)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start node");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("ready line");
        let ready: Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|e| panic!("{script} said {line:?}: {e}"));
        Self {
            base: ready["base"].as_str().expect("base").to_string(),
            ready,
            child,
        }
    }

    pub fn slack() -> Self {
        Self::start("slack-api.mjs")
    }

    /// Everything that points Plugboard's Slack provider at a Slack contract server.
    pub fn slack_env(&self) -> HashMap<String, String> {
        [
            ("SLACK_CLIENT_ID", "plugboard-test-client".to_string()),
            ("SLACK_CLIENT_SECRET", "plugboard-test-secret".to_string()),
            (
                "SLACK_AUTHORIZE_URL",
                format!("{}/oauth/v2/authorize", self.base),
            ),
            (
                "SLACK_TOKEN_URL",
                format!("{}/api/oauth.v2.access", self.base),
            ),
            ("SLACK_REVOKE_URL", format!("{}/api/auth.revoke", self.base)),
            ("SLACK_API_BASE_URL", format!("{}/api", self.base)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// Everything that points Plugboard's Discord provider at a Discord contract server.
    pub fn discord_env(&self) -> HashMap<String, String> {
        [
            ("DISCORD_CLIENT_ID", "plugboard-test-client".to_string()),
            ("DISCORD_CLIENT_SECRET", "plugboard-test-secret".to_string()),
            (
                "DISCORD_AUTHORIZE_URL",
                format!("{}/oauth2/authorize", self.base),
            ),
            (
                "DISCORD_TOKEN_URL",
                format!("{}/api/oauth2/token", self.base),
            ),
            (
                "DISCORD_REVOKE_URL",
                format!("{}/api/oauth2/token/revoke", self.base),
            ),
            ("DISCORD_API_BASE_URL", format!("{}/api", self.base)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// Everything that points Plugboard's Microsoft Teams provider at a Microsoft identity
    /// platform and Graph contract server.
    pub fn teams_env(&self) -> HashMap<String, String> {
        [
            (
                "MICROSOFT_TEAMS_CLIENT_ID",
                "plugboard-test-client".to_string(),
            ),
            (
                "MICROSOFT_TEAMS_CLIENT_SECRET",
                "plugboard-test-secret".to_string(),
            ),
            (
                "MICROSOFT_TEAMS_AUTHORIZE_URL",
                format!("{}/common/oauth2/v2.0/authorize", self.base),
            ),
            (
                "MICROSOFT_TEAMS_TOKEN_URL",
                format!("{}/common/oauth2/v2.0/token", self.base),
            ),
            (
                "MICROSOFT_TEAMS_API_BASE_URL",
                format!("{}/v1.0", self.base),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// A control path's JSON list, e.g. `/_control/messages`.
    pub async fn list(&self, path: &str) -> Vec<Value> {
        reqwest::get(format!("{}{path}", self.base))
            .await
            .expect("control")
            .json()
            .await
            .expect("control json")
    }

    /// Waits until the control list at `path` has `n` entries (or the time is up).
    pub async fn wait_for(&self, path: &str, n: usize, timeout: Duration) -> Vec<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let entries = self.list(path).await;
            if entries.len() >= n || Instant::now() > deadline {
                return entries;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// A control action, e.g. `/_control/revoke-all` or `/_control/rate-limit?count=1&retry_after=2`.
    pub async fn control(&self, path: &str) {
        let res = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .send()
            .await
            .expect("control");
        assert_eq!(res.status(), 200, "control {path}");
    }
}

impl Drop for Contract {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
