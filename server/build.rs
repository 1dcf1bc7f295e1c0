//! `sqlx::migrate!` (server/src/db.rs) and the tests' `#[sqlx::test(migrations)]` embed the
//! migrations when this crate compiles: a new migration must rebuild it, or the binary would
//! refuse a database the tests migrated ("previously applied but is missing").
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
