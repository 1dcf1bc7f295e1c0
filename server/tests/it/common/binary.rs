//! The real `plugboard` binary, for the tests that need a process of their own (kill -9, the
//! embedded database): started with `serve` on a free port, and waited for until healthy.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// `plugboard serve` on 127.0.0.1:`port` with `env` set and `unset` removed from the
/// environment it inherits.
pub fn serve(port: u16, env: &[(&str, String)], unset: &[&str]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plugboard"));
    command
        .arg("serve")
        .current_dir(workspace_root())
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("RUST_LOG", "error")
        .stdout(Stdio::null());
    for name in unset {
        command.env_remove(name);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    command.spawn().expect("start plugboard")
}

/// Waits until `/healthz` answers 200 (panics if the process exits or 60 s pass).
pub async fn wait_healthy(port: u16, child: &mut Child) {
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Some(status) = child.try_wait().expect("child status") {
            panic!("plugboard exited early: {status}");
        }
        if let Ok(res) = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
        {
            if res.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("plugboard did not become healthy");
}
