//! The `[keys.*]` tables of the config file, taken from the config's one parse: each
//! binding as written and the line it is on, for the console's keymap to check and
//! apply (`tui::keymap::Keymap::apply_overrides`).

use toml::de::{DeTable, DeValue};

use crate::toml_path::line_at;

/// Every `[keys.CONTEXT]` table, in the document's order of keys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyOverrides {
    pub tables: Vec<KeyTable>,
    /// What is wrong with the section as a whole (its shape, or the file's syntax).
    pub problems: Vec<(usize, String)>,
}

/// One `[keys.CONTEXT]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyTable {
    pub context: String,
    pub line: usize,
    /// `None`: the context's value is not a table.
    pub entries: Option<Vec<KeyEntry>>,
}

/// One `"keys" = "action"` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyEntry {
    pub keys: String,
    pub keys_line: usize,
    /// The action's name, or the TOML type found instead of a string.
    pub action: Result<String, &'static str>,
    pub value_line: usize,
}

impl KeyOverrides {
    /// The `[keys]` section of a parsed document (`text` is its source, for lines).
    pub fn from_doc(doc: &toml::Spanned<DeTable<'_>>, text: &str) -> KeyOverrides {
        let mut out = KeyOverrides::default();
        let Some(keys) = doc.get_ref().get("keys") else { return out };
        let DeValue::Table(contexts) = keys.get_ref() else {
            out.problems.push((
                line_at(text, keys.span().start),
                "[keys] must be a table of tables such as [keys.global]".to_string(),
            ));
            return out;
        };
        for (ctx_key, table) in contexts {
            let entries = match table.get_ref() {
                DeValue::Table(entries) => Some(
                    entries
                        .iter()
                        .map(|(k, v)| KeyEntry {
                            keys: k.get_ref().to_string(),
                            keys_line: line_at(text, k.span().start),
                            action: v.get_ref().as_str().map(str::to_string).ok_or(v.get_ref().type_str()),
                            value_line: line_at(text, v.span().start),
                        })
                        .collect(),
                ),
                _ => None,
            };
            out.tables.push(KeyTable {
                context: ctx_key.get_ref().to_string(),
                line: line_at(text, ctx_key.span().start),
                entries,
            });
        }
        out
    }

    /// The `[keys]` section of a TOML text; a syntax error is a problem on its line.
    pub fn parse(text: &str) -> KeyOverrides {
        match DeTable::parse(text) {
            Ok(doc) => KeyOverrides::from_doc(&doc, text),
            Err(e) => KeyOverrides {
                tables: vec![],
                problems: vec![(e.span().map(|s| line_at(text, s.start)).unwrap_or(1), e.message().trim().to_string())],
            },
        }
    }
}
