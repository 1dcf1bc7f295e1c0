//! Reading the OpenAPI document for the docs page: operations grouped by tag, their fields
//! resolved through `$ref` into the components, and a curl example for each. Pure functions
//! over `serde_json::Value`, so they run the same on the server and in the browser.

mod curl;
mod document;
mod operation;
mod schema;
#[cfg(test)]
mod tests;
mod types;

pub use curl::KEY_VAR;
pub use document::parse;
pub use types::{Access, ApiDoc, Field, Group, Op};
