//! The OpenAPI 3.1 document of the REST surface, generated from the server functions' own
//! types: each function's argument struct and result type derive `utoipa::ToSchema`, and its
//! path and method come from the registered server function. [`operations`] lists every server
//! function with who may call it; a test fails if one is missing.

mod document;
mod operations;

pub use document::document;
pub use operations::{operations, Access, Operation};
