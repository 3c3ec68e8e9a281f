//! Printing: JSON for scripts, sanitised text for people.

use std::io::Write;

use serde::Serialize;

use crate::domain::text::{self, Glyphs, Lines};

#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub json: bool,
}

impl Out {
    /// Print `value` as JSON, or the human text `human()` produces.
    pub fn emit<T: Serialize>(&self, value: &T, human: impl FnOnce() -> String) -> anyhow::Result<()> {
        let mut stdout = std::io::stdout().lock();
        if self.json {
            serde_json::to_writer_pretty(&mut stdout, value)?;
            writeln!(stdout)?;
        } else {
            let s = human();
            if !s.is_empty() {
                writeln!(stdout, "{}", s.trim_end_matches('\n'))?;
            }
        }
        Ok(())
    }
}

/// One line of untrusted text, made inert.
pub fn line(s: &str) -> String {
    text::clean(s).into_owned()
}

/// A block of untrusted text, made inert, newlines kept.
pub fn block(s: &str) -> String {
    text::sanitize(s, Lines::Multi, Glyphs::Unicode).into_owned()
}

/// Fit untrusted text into a column.
pub fn cell(s: &str, w: usize) -> String {
    text::fit(&text::clean(s), w, Glyphs::Unicode)
}

/// What an import did, for people and scripts alike.
#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Each with its place (`file:line: why`).
    pub rejected: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored_columns: Vec<String>,
    /// Taken in, but worth a look (`file:line: what`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl ImportReport {
    /// All or nothing: refuse the whole import when anything was rejected, unless `skip_bad`.
    pub fn refuse_unless(&self, skip_bad: bool, items: &str) -> Result<(), super::CliError> {
        if self.rejected.is_empty() || skip_bad {
            return Ok(());
        }
        let n = self.rejected.len();
        let list = self.rejected.iter().take(20).map(|r| format!("  {}", line(r))).collect::<Vec<_>>().join("\n");
        let more = if n > 20 { format!("\n  ... and {} more", n - 20) } else { String::new() };
        Err(super::CliError::Failed(format!(
            "{n} {items} rejected; nothing was imported (fix them, or use --skip-bad to import the rest):\n{list}{more}"
        )))
    }

    pub fn render(&self) -> String {
        let mut s = format!("{} created, {} updated, {} unchanged", self.created, self.updated, self.unchanged);
        if !self.rejected.is_empty() {
            s.push_str(&format!(", {} rejected:", self.rejected.len()));
            for r in &self.rejected {
                s.push_str(&format!("\n  {}", line(r)));
            }
        }
        if !self.warnings.is_empty() {
            s.push_str(&format!("\n{} warning(s):", self.warnings.len()));
            for w in self.warnings.iter().take(20) {
                s.push_str(&format!("\n  {}", line(w)));
            }
            if self.warnings.len() > 20 {
                s.push_str(&format!("\n  ... and {} more", self.warnings.len() - 20));
            }
        }
        if !self.ignored_columns.is_empty() {
            s.push_str(&format!("\nignored columns: {}", line(&self.ignored_columns.join(", "))));
        }
        s
    }
}

pub use crate::domain::text::thousands;

/// Guard a CSV cell against spreadsheet formula injection.
pub fn csv_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}").into() } else { s.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_cells() {
        assert_eq!(thousands(1204), "1,204");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(12), "12");
        assert_eq!(csv_safe("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(csv_safe("plain"), "plain");
        assert_eq!(cell("ab\u{1b}[2Jcd", 6), "ab␛[2…");
    }
}
