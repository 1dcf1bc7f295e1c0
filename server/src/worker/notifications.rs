//! Deliveries queued in one process wake the workers of the others through LISTEN/NOTIFY, sent
//! only while another process listens (`app::delivery::peers`: every process says hello every
//! couple of seconds). The announcer NOTIFYs on a connection of its own, so the listener can
//! tell this process's notifications (its worker was already woken directly) from other
//! processes' and ignore them: each would otherwise cost an empty claim.

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

use app::delivery::peers::{HELLO_CHANNEL, HELLO_EVERY};
use app::delivery::queue::CHANNEL;
use app::runtime::AppState;
use sqlx::postgres::{PgConnection, PgListener};
use sqlx::Connection;
use tokio::sync::watch;

use super::IDLE_POLL;

/// The backend process id of the announcer's connection (0 until it has one).
#[derive(Clone, Default)]
pub struct AnnouncerPid(Arc<AtomicI32>);

impl AnnouncerPid {
    fn set(&self, pid: i32) {
        self.0.store(pid, Ordering::Relaxed);
    }

    fn is(&self, pid: u32) -> bool {
        let own = self.0.load(Ordering::Relaxed);
        own != 0 && u32::try_from(own).is_ok_and(|own| own == pid)
    }
}

/// Says hello to other processes every [`HELLO_EVERY`] and, while another process listens,
/// NOTIFYs them that deliveries were queued here: one statement at a time, however many
/// publishes asked for it meanwhile.
pub async fn announce(state: AppState, own: AnnouncerPid, mut shutdown: watch::Receiver<bool>) {
    let mut connection: Option<PgConnection> = None;
    let mut hello = tokio::time::interval(HELLO_EVERY);
    hello.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let channel = tokio::select! {
            _ = hello.tick() => HELLO_CHANNEL,
            _ = state.announce_deliveries.notified() => match state.peers.listening() {
                true => CHANNEL,
                false => continue,
            },
            _ = shutdown.changed() => return,
        };
        if connection.is_none() {
            connection = connect(&state, &own).await;
        }
        let sent = match connection.as_mut() {
            Some(conn) => notify(&mut *conn, channel).await,
            // Without a connection of its own, the notification goes out on any: this
            // process's listener then takes it for another's, and its worker claims once more.
            None => notify(&state.pool, channel).await,
        };
        match sent {
            Ok(()) if channel == CHANNEL => state.peers.note_announced(),
            Ok(()) => {}
            Err(e) => {
                tracing::warn!("NOTIFY {channel}: {e}");
                connection = None;
                own.set(0);
            }
        }
    }
}

async fn notify<'c>(
    executor: impl sqlx::PgExecutor<'c>,
    channel: &'static str,
) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(channel)
        .execute(executor)
        .await
        .map(drop)
}

async fn connect(state: &AppState, own: &AnnouncerPid) -> Option<PgConnection> {
    let connected = async {
        let mut conn = PgConnection::connect_with(&state.pool.connect_options()).await?;
        let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut conn)
            .await?;
        Ok::<_, sqlx::Error>((conn, pid))
    };
    match connected.await {
        Ok((conn, pid)) => {
            own.set(pid);
            Some(conn)
        }
        Err(e) => {
            tracing::warn!("delivery announcer's connection: {e}");
            None
        }
    }
}

/// Turns other processes' notifications into a wake-up for an idle worker here.
pub async fn listen(state: AppState, own: AnnouncerPid, mut shutdown: watch::Receiver<bool>) {
    loop {
        match PgListener::connect_with(&state.pool).await {
            Ok(mut listener) => match listener.listen_all([CHANNEL, HELLO_CHANNEL]).await {
                Ok(()) => loop {
                    tokio::select! {
                        received = listener.recv() => match received {
                            Ok(notification) if own.is(notification.process_id()) => {}
                            Ok(notification) => {
                                state.peers.heard();
                                if notification.channel() == CHANNEL {
                                    state.peers.note_woken();
                                    state.deliveries_ready.notify_one();
                                }
                            }
                            Err(e) => {
                                tracing::warn!("delivery notifications: {e}");
                                break;
                            }
                        },
                        _ = shutdown.changed() => return,
                    }
                },
                Err(e) => tracing::warn!("LISTEN {CHANNEL}, {HELLO_CHANNEL}: {e}"),
            },
            Err(e) => tracing::warn!("delivery notifications: {e}"),
        }
        tokio::select! {
            _ = tokio::time::sleep(IDLE_POLL) => {}
            _ = shutdown.changed() => return,
        }
    }
}
