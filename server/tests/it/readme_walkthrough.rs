//! The README's curl walkthrough, run as written (bash, curl, jq) against a real server and a
//! receiver: if the README drifts from the API, this fails.

use std::time::Duration;

use sqlx::PgPool;

use crate::common::binary::workspace_root;
use crate::common::receiver::Receiver;
use crate::common::{database_url, TestApp};

/// The fenced block between the walkthrough markers.
fn walkthrough() -> String {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README");
    let start = readme
        .find("<!-- walkthrough:start -->")
        .expect("start marker");
    let end = readme.find("<!-- walkthrough:end -->").expect("end marker");
    let block = &readme[start..end];
    let body = block.split_once("```sh\n").expect("sh block").1;
    body.rsplit_once("```").expect("block end").0.to_string()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_readme_walkthrough_runs_as_written(pool: PgPool) {
    let app = TestApp::spawn(pool.clone()).await;
    app.setup("Acme", "ada@acme.test").await;
    let receiver = Receiver::start().await;
    // `plugboard` on the PATH is the binary under test, on this test's database.
    let bin = tempfile_dir();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_plugboard"), bin.join("plugboard")).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = tokio::process::Command::new("bash")
        .arg("-euo")
        .arg("pipefail")
        .arg("-c")
        .arg(walkthrough())
        .env("PATH", path)
        .env("DATABASE_URL", database_url(&pool).await)
        .env("RUST_LOG", "error")
        .env("PLUGBOARD_URL", app.base.as_str().trim_end_matches('/'))
        .env("RECEIVER_URL", receiver.url("/webhooks/plugboard"))
        .output()
        .await
        .expect("bash");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains(r#""id":"evt_"#),
        "the publish answer: {stdout}"
    );
    let delivery = stdout
        .lines()
        .find_map(|l| l.strip_prefix("delivery: "))
        .unwrap_or_else(|| panic!("no delivery line in {stdout}"));
    assert!(delivery.ends_with(" succeeded 200"), "{delivery}");
    assert!(stdout.contains("redelivery: "), "{stdout}");
    let received = receiver.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(received.len(), 2, "the event and its redelivery");
    assert_eq!(received[0].json()["data"]["conversation_id"], "conv_1");
    std::fs::remove_dir_all(bin).ok();
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("plugboard-walkthrough-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
