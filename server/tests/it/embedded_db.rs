//! The embedded default database, driven through the real `plugboard` binary: created on first
//! start, kept across a kill -9 and a restart, stopped on SIGTERM.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use crate::common::{binary, PASSWORD};

fn start(data_dir: &Path, port: u16) -> Child {
    let dir = data_dir.display().to_string();
    binary::serve(
        port,
        &[("PLUGBOARD_DATA_DIR", dir)],
        &["DATABASE_URL", "PLUGBOARD_MASTER_KEY"],
    )
}

#[tokio::test]
async fn embedded_database_keeps_data_across_kill_9_and_stops_on_sigterm() {
    let data_dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("embedded-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data_dir);
    let client = reqwest::Client::new();
    let port = binary::free_port();
    let base = format!("http://127.0.0.1:{port}");

    // First start initialises the cluster; set up a company.
    let mut first = start(&data_dir, port);
    binary::wait_healthy(port, &mut first).await;
    assert!(data_dir.join("postgres/PG_VERSION").exists());
    // With no PLUGBOARD_MASTER_KEY, the embedded default made one, readable only by us.
    let key = data_dir.join("master.key");
    assert_eq!(
        std::fs::metadata(&key)
            .expect("master key")
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    let res = client
        .post(format!("{base}/api/v1/auth/setup"))
        .form(&[
            ("company_name", "Durable"),
            ("email", "ada@durable.test"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // kill -9: no chance to clean up.
    first.kill().expect("SIGKILL");
    first.wait().expect("reap");

    // The restart adopts the cluster and everything is still there.
    let mut second = start(&data_dir, port);
    binary::wait_healthy(port, &mut second).await;
    let res = client
        .post(format!("{base}/api/v1/auth/sign_in"))
        .form(&[("email", "ada@durable.test"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        200,
        "the admin created before kill -9 can sign in"
    );
    let status: serde_json::Value = client
        .get(format!("{base}/api/v1/auth/setup_status"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["needs_setup"], false);

    // `plugboard admin create` works on the same embedded cluster while the server runs, and
    // leaves the cluster running for it.
    let admin_create = || {
        Command::new(env!("CARGO_BIN_EXE_plugboard"))
            .args([
                "admin",
                "create",
                "--company",
                "Durable",
                "--email",
                "bob@durable.test",
            ])
            .current_dir(binary::workspace_root())
            .env_remove("DATABASE_URL")
            .env("PLUGBOARD_DATA_DIR", &data_dir)
            .env("PLUGBOARD_ADMIN_PASSWORD", PASSWORD)
            .output()
            .expect("run admin create")
    };
    let created = admin_create();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(String::from_utf8_lossy(&created.stdout).contains("Created admin bob@durable.test"));
    let res = client
        .post(format!("{base}/api/v1/auth/sign_in"))
        .form(&[("email", "bob@durable.test"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the CLI-created admin can sign in");
    let again = admin_create();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has an admin with this email"));

    // SIGTERM: a graceful exit that also stops PostgreSQL.
    let killed = Command::new("kill")
        .args(["-TERM", &second.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let exit = second.wait().expect("wait");
    assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
    assert!(
        !data_dir.join("postgres/postmaster.pid").exists(),
        "PostgreSQL was stopped"
    );

    let _ = std::fs::remove_dir_all(&data_dir);
}
