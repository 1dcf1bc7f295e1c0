#![recursion_limit = "512"]
use std::process::ExitCode;

use app::runtime::AppState;
use clap::Parser;
use server::cli::{AdminCommand, ApiKeyCommand, Cli, Command, DbCommand};
use server::config::{self, DatabaseChoice};
use server::embedded_pg::{EmbeddedPostgres, DATABASE_NAME};
use server::{db, ServerError};
use sqlx::migrate::MigrateDatabase;
use tokio::sync::watch;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc's allocator: a profile of single-event publishing found 22-24% of
/// the server's CPU in glibc's malloc and free (README, "Benchmark").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to stderr: stdout carries command output (`db start` prints a DATABASE_URL).
    // Spans log their time when they close: `RUST_LOG=info,app::delivery=debug` shows each
    // delivery step's (claim, send, record) and `app::events=debug` each group commit's.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info,sqlx=warn")),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve().await,
        Command::Admin { command } => admin(command).await,
        Command::ApiKey { command } => api_key(command).await,
        Command::Db { command } => database(command).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), ServerError> {
    let settings = config::load()?;
    let catalogue = config::catalogue(&settings.config.public_url)?;
    let cipher = config::cipher(&settings.database)?;
    let (url, embedded) = open_database(settings.database).await?;
    let result = async {
        let pool = db::connect(&url).await?;
        let pages = server::PageRoutes::generate();
        let addr = settings.leptos_options.site_addr;
        let state = AppState::new(
            pool,
            settings.config,
            settings.leptos_options,
            catalogue,
            std::sync::Arc::new(cipher),
        )?;
        let public_url = state.config.public_url.clone();
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("shutting down");
            let _ = stop.send(true);
        });
        println!("Plugboard is running at {public_url} (listening on http://{addr})");
        server::serve(listener, state, &pages, stopped).await
    }
    .await;
    // Stop the cluster we manage whether serving ended cleanly or not.
    if let Some((pg, _)) = embedded {
        if let Err(e) = pg.stop().await {
            tracing::error!("{e}");
        }
    }
    result
}

/// The database URL to use and, when we manage the embedded cluster, the cluster and whether
/// this call started it.
async fn open_database(
    choice: DatabaseChoice,
) -> Result<(String, Option<(EmbeddedPostgres, bool)>), ServerError> {
    match choice {
        DatabaseChoice::Url(url) => Ok((url, None)),
        DatabaseChoice::Embedded(dir) => {
            let pg = EmbeddedPostgres::new(&dir)?;
            let started = pg.start().await?;
            Ok((pg.url(DATABASE_NAME), Some((pg, started))))
        }
    }
}

async fn admin(command: AdminCommand) -> Result<(), ServerError> {
    let (company, email, password) = match command {
        AdminCommand::Create {
            company,
            email,
            password,
        } => (company, email, password),
        AdminCommand::Operator {
            company,
            email,
            revoke,
        } => return operator(&company, &email, !revoke).await,
    };
    let (url, embedded) = open_database(config::database_choice()).await?;
    let pool = db::connect(&url).await?;
    let result =
        app::company::service::create_admin_in_company(&pool, &company, &email, password).await;
    pool.close().await;
    // Stop the cluster only if this command started it; a running server may be using it.
    if let Some((pg, true)) = embedded {
        pg.stop().await?;
    }
    let (company_id, user_id) = result?;
    println!("Created admin {email} (user {user_id}) in company {company:?} ({company_id}).");
    Ok(())
}

async fn operator(company: &str, email: &str, operator: bool) -> Result<(), ServerError> {
    let (url, embedded) = open_database(config::database_choice()).await?;
    let pool = db::connect(&url).await?;
    let result =
        app::company::admins::set_installation_operator(&pool, company, email, operator).await;
    pool.close().await;
    if let Some((pg, true)) = embedded {
        pg.stop().await?;
    }
    result?;
    match operator {
        true => println!("{email} of {company:?} may now set up provider apps for this installation."),
        false => println!("{email} of {company:?} may no longer set up provider apps (unless their company is the first)."),
    }
    Ok(())
}

async fn api_key(command: ApiKeyCommand) -> Result<(), ServerError> {
    use app::api_keys::service::{create_for_company_named, NewKey};
    use app::auth::scope::Scope;
    let ApiKeyCommand::Create {
        company,
        name,
        scopes,
        expires_in_days,
    } = command;
    let scopes = scopes
        .iter()
        .map(|s| {
            Scope::parse(s.trim()).ok_or_else(|| {
                let known: Vec<&str> = Scope::EVERY.iter().map(|s| s.as_str()).collect();
                ServerError::Usage(format!("unknown scope {s:?}; known: {}", known.join(", ")))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let new = NewKey::validate(&name, scopes, expires_in_days)?;
    let (url, embedded) = open_database(config::database_choice()).await?;
    let pool = db::connect(&url).await?;
    let result = create_for_company_named(&pool, &company, new).await;
    pool.close().await;
    if let Some((pg, true)) = embedded {
        pg.stop().await?;
    }
    let issued = result?;
    let scopes: Vec<&str> = issued.key.scopes.iter().map(|s| s.as_str()).collect();
    eprintln!(
        "Created API key {:?} ({}) for {company:?} with scopes {}. It is shown only now:",
        issued.key.name,
        issued.key.id,
        scopes.join(",")
    );
    println!("{}", issued.secret);
    Ok(())
}

async fn database(command: DbCommand) -> Result<(), ServerError> {
    match command {
        DbCommand::Start { data_dir, database } => {
            let pg = EmbeddedPostgres::new(&data_dir.unwrap_or_else(config::data_dir))?;
            pg.start().await?;
            println!("DATABASE_URL={}", pg.url(&database));
        }
        DbCommand::Stop { data_dir } => {
            EmbeddedPostgres::new(&data_dir.unwrap_or_else(config::data_dir))?
                .stop()
                .await?;
        }
        DbCommand::Drop { database_url } => {
            if sqlx::Postgres::database_exists(&database_url).await? {
                sqlx::Postgres::force_drop_database(&database_url).await?;
            }
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
