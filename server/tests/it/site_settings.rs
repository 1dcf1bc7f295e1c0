//! Leptos.toml (read by the running server) and the cargo-leptos metadata in Cargo.toml (read
//! by the build) must agree on where the site is written and what its files are called.

use std::path::Path;

fn read_toml(name: &str) -> toml::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.parse()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn runtime_site_settings_match_the_build() {
    let site = read_toml("Leptos.toml");
    let site = &site["package"]["metadata"]["leptos"];
    let cargo = read_toml("Cargo.toml");
    let build = &cargo["workspace"]["metadata"]["leptos"][0];

    assert_eq!(
        site["output-name"].as_str(),
        build["name"].as_str(),
        "output name"
    );
    // cargo-leptos writes to its defaults unless Cargo.toml overrides them.
    let build_root = build
        .get("site-root")
        .and_then(|v| v.as_str())
        .unwrap_or("target/site");
    let build_pkg = build
        .get("site-pkg-dir")
        .and_then(|v| v.as_str())
        .unwrap_or("pkg");
    assert_eq!(site["site-root"].as_str(), Some(build_root));
    assert_eq!(site["site-pkg-dir"].as_str(), Some(build_pkg));
    // Hashed names on both sides: the build writes plugboard.<hash>.wasm and hash.txt, and the
    // server reads hash.txt to link them (and caches /pkg for a year only then).
    assert_eq!(
        site["hash-files"].as_bool(),
        Some(true),
        "Leptos.toml hash-files"
    );
    assert_eq!(
        build["hash-files"].as_bool(),
        Some(true),
        "Cargo.toml hash-files"
    );
    assert!(
        build.get("site-addr").is_none(),
        "the address belongs in Leptos.toml only"
    );
}
