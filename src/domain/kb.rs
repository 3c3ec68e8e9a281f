//! Knowledge-base articles.

use serde::{Deserialize, Serialize};

use super::ids::ArticleId;
use crate::string_enum;

string_enum!(
    /// Article fields that can change after creation.
    ArticleField, "article field" {
        Title = "title",
        Body = "body",
        Tags = "tags",
        Category = "category",
        Internal = "internal",
        Source = "source",
        Deleted = "deleted",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleRecord {
    pub title: String,
    /// Markdown.
    pub body: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Internal articles are for technicians only.
    #[serde(default)]
    pub internal: bool,
    /// Where it was imported from (a path relative to the import folder), for re-imports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl ArticleRecord {
    pub fn field_value(&self, f: ArticleField) -> Option<String> {
        use ArticleField as F;
        match f {
            F::Title => Some(self.title.clone()),
            F::Body => Some(self.body.clone()),
            F::Tags => Some(self.tags.join(",")).filter(|s| !s.is_empty()),
            F::Category => self.category.clone(),
            F::Internal => Some(self.internal.to_string()),
            F::Source => self.source.clone(),
            F::Deleted => Some("false".into()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Article {
    pub id: ArticleId,
    #[serde(flatten)]
    pub record: ArticleRecord,
    pub updated_at: i64,
}

/// A KB search hit: the snippet marks matches with `[` `]`-like markers chosen by the caller.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleHit {
    pub id: ArticleId,
    pub title: String,
    pub snippet: String,
    pub score: f64,
}

/// Title from the first `# ` heading, else `None`.
pub fn markdown_title(body: &str) -> Option<String> {
    body.lines()
        .map(str::trim_end)
        .find_map(|l| l.strip_prefix("# "))
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_comes_from_first_h1() {
        assert_eq!(markdown_title("intro\n## sub\n# Real title\n# second").as_deref(), Some("Real title"));
        assert_eq!(markdown_title("no heading here"), None);
        assert_eq!(markdown_title("#   \n"), None);
    }
}
