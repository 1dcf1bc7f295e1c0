#!/usr/bin/env bash
# Installs what building and testing Plugboard needs, skipping whatever is already there.
# Sourced by scripts/run and scripts/test. Usage: source scripts/setup.sh [--for-tests]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FOR_TESTS=0
[[ "${1:-}" == "--for-tests" ]] && FOR_TESTS=1

WASM_BINDGEN_VERSION=0.2.130   # must equal the wasm-bindgen pin in Cargo.toml
CARGO_LEPTOS_VERSION=0.3.11

export PATH="$ROOT/scripts/tools/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=0
apt_install() {
  if [[ $APT_UPDATED == 0 ]]; then
    say "apt-get update"
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- Debian packages ---------------------------------------------------------------------
missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
# The embedded database runs the machine's PostgreSQL server binaries.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v pg_config >/dev/null || missing+=(postgresql)
command -v runuser >/dev/null || missing+=(util-linux)
if [[ $FOR_TESTS == 1 ]]; then
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  # The README's curl walkthrough is run by the tests as written.
  command -v curl >/dev/null || missing+=(curl)
  command -v jq >/dev/null || missing+=(jq)
fi
if ((${#missing[@]})); then apt_install "${missing[@]}"; fi

# --- Rust targets and tools --------------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# How the installed cargo-leptos was built (its lock as adjusted below); a machine whose copy was
# built otherwise builds it again, and the release build after it.
CARGO_LEPTOS_RECIPE="cargo-leptos $CARGO_LEPTOS_VERSION, wasm_split_cli_support 0.2.4 with scripts/patches/wasm_split_cli_support-shared-in-main.patch"
CARGO_LEPTOS_STAMP="${CARGO_HOME:-$HOME/.cargo}/.plugboard-cargo-leptos"
if ! cargo leptos --version >/dev/null 2>&1 ||
  [[ "$(cat "$CARGO_LEPTOS_STAMP" 2>/dev/null || true)" != "$CARGO_LEPTOS_RECIPE" ]]; then
  # Its lock file pins cargo-util-schemas 0.14.2, which needs rustc 1.96; 0.14.1 builds on
  # older compilers. So cargo fetches the source (through a throw-away manifest that depends
  # on it), and we build that source with the adjusted lock.
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION from source (about 10 minutes, once per machine)"
  work="$(mktemp -d)"
  mkdir -p "$work/fetch/src"
  cat >"$work/fetch/Cargo.toml" <<TOML
[package]
name = "fetch-cargo-leptos"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
cargo-leptos = "=$CARGO_LEPTOS_VERSION"
TOML
  : >"$work/fetch/src/lib.rs"
  (cd "$work/fetch" && cargo fetch --quiet)
  src="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/cargo-leptos-"$CARGO_LEPTOS_VERSION" | head -n1)"
  cp -r "$src" "$work/cargo-leptos"
  (
    cd "$work/cargo-leptos"
    rm -f rust-toolchain.toml
    rustc_minor="$(rustc --version | sed -E 's/^rustc 1\.([0-9]+).*/\1/')"
    if grep -q 'name = "cargo-util-schemas"' Cargo.lock && ((rustc_minor < 96)); then
      cargo update -p cargo-util-schemas --precise 0.14.1
    fi
    # The wasm splitter in its lock (wasm_split_cli_support 0.2.3) leaves all of the program's
    # data (every page's text, tables) in the shared bundle whenever splitting a data segment
    # would pad it; 0.2.4 lays the pieces out without padding and splits them (the shared wasm
    # measured 301 KB Brotli before, 269 KB after). It needs rayon 1.12.
    cargo update -p rayon --precise 1.12.0
    cargo update -p wasm_split_cli_support --precise 0.2.4
    # Each set of split modules that shares code gets a chunk of its own: with a dozen lazy
    # functions, a page fetched 40-120 files, most a few hundred bytes, and on HTTP/1.1 (six
    # connections) the requests, not the bytes, set the time. The patch (one rule, read from
    # WASM_SPLIT_SHARED_IN_MAIN_AT at build time; unset, the splitter is as published) puts code
    # shared that widely in the main module. Built from the published source with the patch.
    cargo fetch --quiet
    splitter="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/wasm_split_cli_support-0.2.4 | head -n1)"
    cp -r "$splitter" "$work/wasm_split_cli_support"
    git -C "$work/wasm_split_cli_support" apply "$ROOT/scripts/patches/wasm_split_cli_support-shared-in-main.patch"
    printf '\n[patch.crates-io]\nwasm_split_cli_support = { path = "../wasm_split_cli_support" }\n' >>Cargo.toml
    cargo update -p wasm_split_cli_support
    # Its release profile asks for fat LTO in one codegen unit, which turns the end of a build
    # of some 900 crates into one long single-threaded step. A build tool gains nothing from
    # it, so it is built without (13 min 8 s on a fresh 2-core machine, 14 min 5 s with it).
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      cargo install --path . --locked --force
  )
  rm -rf "$work"
  printf '%s\n' "$CARGO_LEPTOS_RECIPE" >"$CARGO_LEPTOS_STAMP"
fi

# --- npm packages ------------------------------------------------------------------------
npm_install() { # dir
  local dir="$1"
  if [[ ! -d "$dir/node_modules" || "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    say "npm ci in ${dir#"$ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
# wasm-opt from npm's binaryen (Debian's older one silently breaks release bundles).
npm_install "$ROOT/scripts/tools"
if [[ $FOR_TESTS == 1 ]]; then
  npm_install "$ROOT/end2end"
fi

# --- the release build -------------------------------------------------------------------
# `cargo leptos build --release` regenerates and optimises the wasm on every run (about 45 s)
# even when no source changed. A stamp written after each successful build lets a start with
# nothing newer than it skip the build. --precompress writes .br/.gz beside each site file,
# which the server sends as they are.
# Code shared by this many lazily loaded modules goes into the main wasm (the patched splitter,
# above); measured in README "Benchmark", "Fewer, larger chunks".
SPLIT_SHARED_IN_MAIN_AT="${SPLIT_SHARED_IN_MAIN_AT:-3}"
build_release() { # [--force]
  local stamp="$ROOT/target/release/.plugboard-built"
  local settings="split shared in main at $SPLIT_SHARED_IN_MAIN_AT"
  # .cargo holds the rustflags (erase_components) both halves of the build must share.
  local inputs=(app/src app/Cargo.toml frontend server/src server/Cargo.toml style public migrations
    Cargo.toml Cargo.lock Leptos.toml .cargo "$CARGO_LEPTOS_STAMP")
  if [[ "${1:-}" != "--force" && -f "$stamp" && -x "$ROOT/target/release/plugboard" ]] &&
    [[ "$(cat "$stamp")" == "$settings" ]] &&
    [[ -z "$(cd "$ROOT" && find "${inputs[@]}" -newer "$stamp" -print -quit)" ]]; then
    say "release build is up to date (nothing changed since it was made)"
    return
  fi
  # --split: each page's code (app/src/routes.rs) goes into a wasm chunk of its own, fetched
  # when the page is first shown, so a page loads the shell and its own code only.
  say "cargo leptos build --release --precompress --split"
  mkdir -p "$(dirname "$stamp")"
  printf '%s' "$settings" >"$stamp.next"
  (cd "$ROOT" && WASM_SPLIT_SHARED_IN_MAIN_AT="$SPLIT_SHARED_IN_MAIN_AT" \
    cargo leptos build --release --precompress --split)
  mv "$stamp.next" "$stamp"
}
