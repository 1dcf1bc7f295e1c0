//! Browsers leave pages mid-load (a click elsewhere, a reload, a closed tab). The server must
//! take that in its stride: no panic in the render the visit started, and the next visit gets
//! the whole page.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::TestApp;

/// The pages an admin lands on, each with resources that load while it streams.
const PAGES: [&str; 5] = [
    "/settings",
    "/integrations/api",
    "/integrations/available",
    "/integrations/connected",
    "/dashboard",
];

/// The server's threads, by name.
const SERVER_THREADS: &str = "page-renders-server";

/// Panics raised on the server's threads.
fn record_server_panics() -> Arc<Mutex<Vec<String>>> {
    let panics = Arc::new(Mutex::new(Vec::new()));
    let seen = panics.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some(SERVER_THREADS) {
            let place = info.location().map(|l| l.to_string()).unwrap_or_default();
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            if let Ok(mut seen) = seen.lock() {
                seen.push(format!("{place}: {message}"));
            }
        }
        previous(info);
    }));
    panics
}

/// Asks for `path` as a browser does and leaves after `read` bytes of the answer (0: as soon
/// as the request is sent, after `wait`), resetting the connection as a closed tab does.
async fn leave_mid_load(app: &TestApp, session: &str, path: &str, read: usize, wait: Duration) {
    let addr = app.base.socket_addrs(|| None).expect("address")[0];
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: pb_session={session}\r\n\
         Accept: text/html\r\nAccept-Encoding: br, gzip\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    if read == 0 {
        tokio::time::sleep(wait).await;
    } else {
        let mut got = vec![0u8; read];
        let _ = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut got)).await;
    }
    // A zero linger resets the connection at once (the deprecation is about the blocking
    // close a non-zero linger makes).
    #[allow(deprecated)]
    let _ = stream.set_linger(Some(Duration::ZERO));
    drop(stream);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_visitor_leaving_a_page_mid_load_panics_nothing_and_the_next_visit_gets_it_whole(
    pool: PgPool,
) {
    // Served on threads of its own, as `main` serves: the panics came when a render's task ran
    // on one thread while the page it belonged to was dropped on another.
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(SERVER_THREADS)
        .enable_all()
        .build()
        .expect("runtime");
    let options = (*pool.connect_options()).clone();
    let server = server_runtime.handle().clone();
    let app = std::thread::spawn(move || {
        server.block_on(async move {
            let pool = PgPoolOptions::new()
                .connect_with(options)
                .await
                .expect("pool");
            TestApp::spawn(pool).await
        })
    })
    .join()
    .expect("server");
    let admin = app.setup("Acme", "ada@acme.test").await;
    let session = admin.cookie("pb_session").expect("session cookie");
    let panics = record_server_panics();

    // Leaving at several moments: before the first byte (the handler still runs), after the
    // headers, mid-body.
    let waits = [0u64, 200, 500, 1_000, 2_000, 4_000].map(Duration::from_micros);
    for round in 0..8 {
        for page in PAGES {
            for wait in waits {
                leave_mid_load(&app, &session, page, 0, wait).await;
            }
            leave_mid_load(&app, &session, page, 1 + round * 97, Duration::ZERO).await;
        }
    }
    // What the left renders still had to do, they do now.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _ = std::panic::take_hook();
    let panics = panics.lock().expect("panics").clone();
    assert!(
        panics.is_empty(),
        "{} panics while visitors left pages mid-load, e.g. {:?}",
        panics.len(),
        &panics[..panics.len().min(3)]
    );

    for page in PAGES {
        let res = admin.get(page).await;
        assert_eq!(res.status(), 200, "{page}");
        let html = res.text().await.expect("page");
        assert!(html.contains("</html>"), "{page} came whole");
    }
    let settings = admin.get("/settings").await.text().await.expect("page");
    assert!(
        settings.contains("Acme"),
        "the settings page shows the company"
    );
    // Its time zones are streamed after the page, as the last of its data.
    assert!(
        settings.contains("Pacific/Auckland"),
        "the time zones came too"
    );

    let pool = app.pool.clone();
    drop(app);
    let _ = server_runtime
        .spawn(async move { pool.close().await })
        .await;
    server_runtime.shutdown_background();
}

/// Pages with data only the browser loads: a provider's OAuth app on its deep-linked dialog,
/// and the API reference.
const BROWSER_LOADED: [&str; 2] = [
    "/integrations/available?provider=hubspot",
    "/developers/api",
];

/// The server renders every part of every page, those with browser-loaded data included, which
/// show it as loading. (When a `<Suspense>` met browser-only data on the server, it sent its
/// fallback, left its part to the browser, as the page's `__INCOMPLETE_CHUNKS` list says, and
/// kept walking that part after the page had ended and disposed it: a panic on a server thread
/// now and then, and a deep-linked dialog missing from its page.)
#[sqlx::test(migrations = "../migrations")]
async fn the_server_renders_every_part_of_a_page_browser_loaded_data_as_loading(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let admin = app.setup("Acme", "ada@acme.test").await;
    for page in PAGES.iter().chain(BROWSER_LOADED.iter()) {
        let res = admin.get(page).await;
        assert_eq!(res.status(), 200, "{page}");
        let html = res.text().await.expect("page");
        assert!(
            html.contains("__INCOMPLETE_CHUNKS=[];"),
            "{page}: the server left a part of the page to the browser"
        );
    }

    let deep_link = admin
        .get(BROWSER_LOADED[0])
        .await
        .text()
        .await
        .expect("page");
    assert!(
        deep_link.contains("HubSpot Integration")
            && deep_link.contains("data-testid=\"provider-detail\""),
        "the deep-linked dialog is in the server's page"
    );
    let panel = deep_link
        .split("data-testid=\"app-setup\"")
        .nth(1)
        .expect("the OAuth app panel is in the dialog");
    assert!(
        panel.contains("Loading..."),
        "the panel's app, loaded by the browser, shows as loading"
    );
    let docs = admin
        .get(BROWSER_LOADED[1])
        .await
        .text()
        .await
        .expect("page");
    assert!(
        docs.contains("Loading the API reference..."),
        "the docs page"
    );
}
