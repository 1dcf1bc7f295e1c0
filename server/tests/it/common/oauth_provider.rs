//! Runs the test OAuth 2.0 server (oauth2-mock-server, from npm) in a node process, and reads
//! what it received through its control port.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

pub struct OAuthProvider {
    pub issuer: String,
    pub control: String,
    child: Child,
}

impl OAuthProvider {
    pub fn start() -> Self {
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end/support/oauth-provider.mjs");
        let mut child = Command::new("node")
            .arg(&script)
            .current_dir(script.parent().expect("support dir"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start node (run scripts/test, which installs end2end's npm packages)");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("provider ready line");
        let ready: Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|e| panic!("provider said {line:?}: {e}"));
        Self {
            issuer: ready["issuer"].as_str().expect("issuer").to_string(),
            control: ready["control"].as_str().expect("control").to_string(),
            child,
        }
    }

    /// The variables that point provider `prefix` (e.g. `SALESFORCE`) at this server.
    pub fn env_for(&self, prefix: &str) -> Vec<(String, String)> {
        vec![
            (
                format!("{prefix}_CLIENT_ID"),
                "plugboard-test-client".into(),
            ),
            (
                format!("{prefix}_CLIENT_SECRET"),
                "plugboard-test-secret".into(),
            ),
            (
                format!("{prefix}_AUTHORIZE_URL"),
                format!("{}/authorize", self.issuer),
            ),
            (
                format!("{prefix}_TOKEN_URL"),
                format!("{}/token", self.issuer),
            ),
            (
                format!("{prefix}_REVOKE_URL"),
                format!("{}/revoke", self.issuer),
            ),
        ]
    }

    pub async fn log(&self) -> Value {
        reqwest::get(format!("{}/log", self.control))
            .await
            .expect("log")
            .json()
            .await
            .expect("log json")
    }

    pub async fn control(&self, path: &str) {
        let res = reqwest::Client::new()
            .post(format!("{}{path}", self.control))
            .send()
            .await
            .expect("control");
        assert_eq!(res.status(), 200, "control {path}");
    }
}

impl Drop for OAuthProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
