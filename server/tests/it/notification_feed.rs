//! The notification bell's feed is of one moment: its unread count and its list agree, while
//! notifications are being posted.

use app::notifications::service::{feed, post};
use sqlx::PgPool;
use uuid::Uuid;

use crate::common::TestApp;

#[derive(sqlx::FromRow)]
struct Admin {
    id: Uuid,
    company_id: Uuid,
}

#[sqlx::test(migrations = "../migrations")]
async fn the_unread_count_and_the_list_agree_while_notifications_are_posted(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.setup("Acme", "ada@acme.test").await;
    let admin: Admin = sqlx::query_as("SELECT user_id AS id, company_id FROM memberships")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    // Reads one after another while another task posts: a post that commits between a read's
    // list and its count shows up in one and not the other. Fewer posts than the list holds, so
    // every unread notification is in the list.
    let posting = {
        let pool = app.pool.clone();
        tokio::spawn(async move {
            for n in 0..15 {
                post(
                    &pool,
                    admin.company_id,
                    "test",
                    &format!("Posted {n}"),
                    "",
                    None,
                )
                .await
                .unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(3)).await;
            }
        })
    };
    let mut reads = 0;
    while !posting.is_finished() || reads == 0 {
        let seen = feed(&app.pool, admin.company_id, admin.id, 20)
            .await
            .unwrap();
        let listed_unread = seen.items.iter().filter(|n| !n.read).count() as i64;
        assert_eq!(
            seen.unread, listed_unread,
            "a count of {} beside {listed_unread} unread in the list (read {reads})",
            seen.unread
        );
        reads += 1;
    }
    posting.await.unwrap();
}
