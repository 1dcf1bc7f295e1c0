//! Static files as a release build lays them out: hashed `pkg/` names are cached for a year
//! (`immutable`), everything else is revalidated; both answer a conditional request with 304
//! and send the precompressed file the browser accepts (saying that it varies with what the
//! browser accepts); a missing file is a 404 cached by
//! nobody, and pages keep `no-store`.

use std::path::PathBuf;

use reqwest::header;
use sqlx::PgPool;

use crate::common::TestApp;

/// A site folder like cargo-leptos writes with `hash-files` and `--precompress`.
fn site(name: &str) -> PathBuf {
    let root = std::env::temp_dir().join(format!("plugboard-site-{name}-{}", std::process::id()));
    let pkg = root.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("plugboard.0123abcd.wasm"), b"\0asm wasm bytes").unwrap();
    std::fs::write(pkg.join("plugboard.0123abcd.wasm.br"), b"brotli bytes").unwrap();
    std::fs::write(pkg.join("plugboard.css"), b"body{}").unwrap();
    std::fs::write(root.join("favicon.svg"), b"<svg/>").unwrap();
    root
}

#[sqlx::test(migrations = "../migrations")]
async fn hashed_assets_are_immutable_and_everything_answers_304_when_unchanged(pool: PgPool) {
    let root = site("hashed");
    // The hash file cargo-leptos writes beside the binary, read by the page's links.
    let exe_dir = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    std::fs::write(
        exe_dir.join("hash.txt"),
        "js: 0123abcd\nwasm: 0123abcd\ncss: 0123abcd\n",
    )
    .unwrap();
    let app = TestApp::builder(pool).site(&root, true).await;
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(app.base.join(path).unwrap());

    let wasm = get("/pkg/plugboard.0123abcd.wasm")
        .header(header::ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();
    assert_eq!(wasm.status(), 200);
    assert_eq!(
        wasm.headers()[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(wasm.headers()[header::CONTENT_ENCODING], "br");
    // Which file was sent depends on Accept-Encoding: a shared cache must know, for each.
    assert_eq!(wasm.headers()[header::VARY], "accept-encoding");
    let plain = get("/pkg/plugboard.0123abcd.wasm").send().await.unwrap();
    assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
    assert_eq!(plain.headers()[header::VARY], "accept-encoding");
    let plain_headers = plain.headers().clone();
    assert_eq!(plain.bytes().await.unwrap().as_ref(), b"\0asm wasm bytes");
    // Never sniffed as another type; the headers that only matter to pages are left off.
    assert_eq!(plain_headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(plain_headers.get(header::X_FRAME_OPTIONS).is_none());
    let last_modified = wasm.headers()[header::LAST_MODIFIED].clone();
    assert_eq!(wasm.bytes().await.unwrap().as_ref(), b"brotli bytes");

    // A browser revalidating sends back the date; unchanged, it gets 304 and no body.
    let again = get("/pkg/plugboard.0123abcd.wasm")
        .header(header::IF_MODIFIED_SINCE, last_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert!(again.bytes().await.unwrap().is_empty());

    // Outside pkg/ names stay when content changes: stored, but checked each time.
    let icon = get("/favicon.svg").send().await.unwrap();
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()[header::CACHE_CONTROL], "no-cache");
    let icon_modified = icon.headers()[header::LAST_MODIFIED].clone();
    let icon_again = get("/favicon.svg")
        .header(header::IF_MODIFIED_SINCE, icon_modified)
        .send()
        .await
        .unwrap();
    assert_eq!(icon_again.status(), 304);

    let missing = get("/pkg/plugboard.ffffffff.wasm").send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing
        .headers()
        .get(header::CACHE_CONTROL)
        .is_none_or(|v| v != "public, max-age=31536000, immutable"));

    // A path that names no file outside pkg/ gets the app's 404 page, framed by nobody.
    let no_file = get("/no-such-file.txt").send().await.unwrap();
    assert_eq!(no_file.status(), 404);
    assert!(no_file.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(no_file.headers()[header::X_FRAME_OPTIONS], "DENY");

    // Pages carry private data: never stored. They link the hashed names.
    let page = get("/signin").send().await.unwrap();
    assert_eq!(page.headers()[header::CACHE_CONTROL], "no-store");
    let html = page.text().await.unwrap();
    for linked in [
        "/pkg/plugboard.0123abcd.css",
        "/pkg/plugboard.0123abcd.wasm",
    ] {
        assert!(html.contains(linked), "the page does not link {linked}");
    }
    let _ = std::fs::remove_dir_all(root);
}

#[sqlx::test(migrations = "../migrations")]
async fn without_hashed_names_pkg_is_revalidated_not_cached_for_a_year(pool: PgPool) {
    let root = site("plain");
    let app = TestApp::builder(pool).site(&root, false).await;
    let css = reqwest::get(app.base.join("/pkg/plugboard.css").unwrap())
        .await
        .unwrap();
    assert_eq!(css.status(), 200);
    assert_eq!(css.headers()[header::CACHE_CONTROL], "no-cache");
    let _ = std::fs::remove_dir_all(root);
}
