//! The OpenAPI 3.1 document of the REST surface, generated from the server functions' own
//! types: each function's argument struct and result type derive `utoipa::ToSchema`, and its
//! path and method come from the registered server function. [`operations`] lists every server
//! function with who may call it; a test fails if one is missing.

mod argument_rules;
mod constraints;
mod document;
mod inputs;
mod operations;

pub use document::document;
pub use inputs::{input_shapes, ArgKind, ArgType, InputShape};
pub use operations::{operations, Access, Operation};

/// The document as served: the generated one with [`constraints`] written in.
pub fn document_json(
    api_base_url: &str,
    catalogue: &crate::integrations::catalogue::Catalogue,
) -> serde_json::Value {
    let mut doc = serde_json::to_value(document(api_base_url)).unwrap_or_default();
    constraints::apply(&mut doc, catalogue);
    doc
}
