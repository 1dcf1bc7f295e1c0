//! Runs the Slack Web API contract server (`end2end/support/slack-api.mjs`, shared with the
//! browser suite) in a node process, and reads what it received through its control paths.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct SlackApi {
    pub base: String,
    child: Child,
}

impl SlackApi {
    pub fn start() -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end/support/slack-api.mjs");
        let mut child = Command::new("node")
            .arg(&script)
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
            .unwrap_or_else(|e| panic!("slack-api said {line:?}: {e}"));
        Self {
            base: ready["base"].as_str().expect("base").to_string(),
            child,
        }
    }

    /// Everything that points Plugboard's Slack provider here.
    pub fn env(&self) -> HashMap<String, String> {
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

    /// The messages Slack accepted, in order.
    pub async fn messages(&self) -> Vec<Value> {
        self.get("/_control/messages").await
    }

    /// Every Web API call, accepted or not.
    pub async fn requests(&self) -> Vec<Value> {
        self.get("/_control/requests").await
    }

    /// Waits until Slack has accepted `n` messages.
    pub async fn wait_for_messages(&self, n: usize, timeout: Duration) -> Vec<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages().await;
            if messages.len() >= n || Instant::now() > deadline {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn get(&self, path: &str) -> Vec<Value> {
        reqwest::get(format!("{}{path}", self.base))
            .await
            .expect("control")
            .json()
            .await
            .expect("control json")
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

impl Drop for SlackApi {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
