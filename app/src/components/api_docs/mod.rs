//! The API documentation page (`/developers/api`), rendered from the live OpenAPI document.

mod docs_operation;
mod docs_overview;
mod docs_page;
mod rich_text;

pub use docs_page::ApiDocsPage;
