//! The embedded default database: a PostgreSQL cluster in a data directory Plugboard creates and
//! manages itself from the machine's PostgreSQL binaries. It listens only on a Unix socket in a
//! private directory (no TCP port), is initialised on first start, reused afterwards with all its
//! data, and stopped when Plugboard shuts down. If Plugboard is killed, the next start finds the
//! cluster still running and adopts it.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use tokio::process::Command;

use crate::error::ServerError;

/// PostgreSQL refuses to run as root; then the cluster belongs to this account.
const SERVICE_ACCOUNT: &str = "postgres";
pub const DATABASE_NAME: &str = "plugboard";

pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    data_dir: PathBuf,
    socket_dir: PathBuf,
    log_file: PathBuf,
    run_as: Option<&'static str>,
}

impl EmbeddedPostgres {
    /// Locates the PostgreSQL binaries and lays out `<root>/postgres` (data), `<root>/run`
    /// (socket) and `<root>/postgres.log`.
    pub fn new(root: &Path) -> Result<Self, ServerError> {
        std::fs::create_dir_all(root)?;
        let root = root.canonicalize()?;
        let run_as = running_as_root().then_some(SERVICE_ACCOUNT);
        Ok(Self {
            bin_dir: find_bin_dir()?,
            data_dir: root.join("postgres"),
            socket_dir: root.join("run"),
            log_file: root.join("postgres.log"),
            run_as,
        })
    }

    /// A URL for `database` over the private socket.
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://postgres@localhost/{database}?host={}",
            self.socket_dir.display()
        )
    }

    /// Initialises the cluster if needed and starts it unless it is already running.
    /// Returns true when this call started it.
    pub async fn start(&self) -> Result<bool, ServerError> {
        std::fs::create_dir_all(&self.socket_dir)?;
        if let Some(user) = self.run_as {
            std::fs::create_dir_all(&self.data_dir)?;
            self.run(
                "chown",
                &["-R", user, &path(&self.data_dir), &path(&self.socket_dir)],
                false,
            )
            .await?;
            self.run(
                "chmod",
                &["700", &path(&self.data_dir), &path(&self.socket_dir)],
                false,
            )
            .await?;
            if !self.log_file.exists() {
                std::fs::write(&self.log_file, b"")?;
            }
            self.run("chown", &[user, &path(&self.log_file)], false)
                .await?;
        }
        if !self.data_dir.join("PG_VERSION").exists() {
            tracing::info!(dir = %self.data_dir.display(), "initialising the embedded PostgreSQL cluster");
            let initdb = self.bin("initdb");
            self.run(
                &initdb,
                &[
                    "-D",
                    &path(&self.data_dir),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-locale",
                ],
                true,
            )
            .await?;
        }
        if self.is_running().await? {
            tracing::info!("embedded PostgreSQL already running; reusing it");
            return Ok(false);
        }
        let options = format!(
            "-k {} -c listen_addresses='' -c unix_socket_permissions=0700",
            self.socket_dir.display()
        );
        let pg_ctl = self.bin("pg_ctl");
        self.run(
            &pg_ctl,
            &[
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                &path(&self.data_dir),
                "-l",
                &path(&self.log_file),
                "-o",
                &options,
            ],
            true,
        )
        .await?;
        tracing::info!(socket = %self.socket_dir.display(), "embedded PostgreSQL started");
        Ok(true)
    }

    pub async fn is_running(&self) -> Result<bool, ServerError> {
        if !self.data_dir.join("PG_VERSION").exists() {
            return Ok(false);
        }
        // pg_ctl status: 0 running, 3 not running, 4 no accessible data directory.
        let out = self
            .output(
                &self.bin("pg_ctl"),
                &["status", "-D", &path(&self.data_dir)],
                true,
            )
            .await?;
        Ok(out.status.success())
    }

    /// A fast shutdown: open transactions roll back, committed data is on disk.
    pub async fn stop(&self) -> Result<(), ServerError> {
        if !self.is_running().await? {
            return Ok(());
        }
        let pg_ctl = self.bin("pg_ctl");
        self.run(
            &pg_ctl,
            &["stop", "-w", "-m", "fast", "-D", &path(&self.data_dir)],
            true,
        )
        .await?;
        tracing::info!("embedded PostgreSQL stopped");
        Ok(())
    }

    fn bin(&self, name: &str) -> String {
        path(&self.bin_dir.join(name))
    }

    async fn run(
        &self,
        program: &str,
        args: &[&str],
        as_service_account: bool,
    ) -> Result<(), ServerError> {
        let out = self.output(program, args, as_service_account).await?;
        if out.status.success() {
            return Ok(());
        }
        Err(ServerError::EmbeddedPostgres(format!(
            "`{program} {}` failed ({}): {}{}\n(see also {})",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim(),
            String::from_utf8_lossy(&out.stdout).trim(),
            self.log_file.display()
        )))
    }

    async fn output(
        &self,
        program: &str,
        args: &[&str],
        as_service_account: bool,
    ) -> Result<Output, ServerError> {
        let mut command = match (self.run_as, as_service_account) {
            (Some(user), true) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--", program]);
                c
            }
            _ => Command::new(program),
        };
        command.args(args).kill_on_drop(true);
        command
            .output()
            .await
            .map_err(|e| ServerError::EmbeddedPostgres(format!("could not run {program}: {e}")))
    }
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// `PLUGBOARD_PG_BIN_DIR`, else the newest `/usr/lib/postgresql/<version>/bin`, else `pg_config
/// --bindir` on PATH.
fn find_bin_dir() -> Result<PathBuf, ServerError> {
    if let Ok(dir) = std::env::var("PLUGBOARD_PG_BIN_DIR") {
        return Ok(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    let from_pg_config = std::process::Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    from_pg_config.filter(|dir| dir.join("initdb").exists()).ok_or_else(|| {
        ServerError::EmbeddedPostgres(
            "no PostgreSQL server binaries found: install PostgreSQL (Debian: apt-get install postgresql), \
             set PLUGBOARD_PG_BIN_DIR, or set DATABASE_URL to use an existing server"
                .into(),
        )
    })
}
