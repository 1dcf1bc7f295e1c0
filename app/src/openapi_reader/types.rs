//! The API reference as the docs page shows it.

pub use super::schema::Field;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiDoc {
    pub title: String,
    pub version: String,
    pub intro: String,
    /// `servers[0].url`: the public base URL (paths start with `/api/v1`).
    pub server: String,
    /// Security schemes: (name, description).
    pub schemes: Vec<(String, String)>,
    /// The fields of the error object (`{"error": {...}}`).
    pub error_fields: Vec<Field>,
    /// Every response header the document mentions, in order.
    pub headers: Vec<String>,
    pub groups: Vec<Group>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub tag: String,
    pub operations: Vec<Op>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Public,
    /// A signed-in admin only.
    Session,
    /// An API key with this scope (or an admin).
    Scope(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    pub id: String,
    pub method: String,
    pub path: String,
    pub tag: String,
    pub summary: String,
    /// The description's paragraphs, without the summary sentence they start with.
    pub description: Vec<String>,
    pub access: Access,
    /// Who may call it, in the document's words.
    pub access_note: String,
    /// Query parameters (GET).
    pub params: Vec<Field>,
    /// JSON body fields (POST).
    pub body: Vec<Field>,
    /// The 200 response: its type and, for an object (or a list of them), its fields.
    pub response_type: String,
    pub response: Vec<Field>,
    /// Other statuses: (status, description).
    pub errors: Vec<(String, String)>,
    pub curl: String,
}

impl Op {
    /// Whether a lower-case search matches the operation.
    pub fn matches(&self, q: &str) -> bool {
        q.is_empty()
            || [&self.path, &self.summary, &self.tag, &self.method]
                .into_iter()
                .chain(self.description.iter())
                .any(|text| text.to_lowercase().contains(q))
    }
}
