//! Where a key of a TOML document is written: `file:line` for configuration errors,
//! found through the parser's spans (never by searching the text).
//!
//! A path names a value as errors name it: `sla.policies[0].resolution`,
//! `macros[2].name`, `priority.matrix`.

use toml::de::{DeTable, DeValue};

/// The 1-based line of the byte `offset` in `text`.
pub fn line_at(text: &str, offset: usize) -> usize {
    1 + text[..offset.min(text.len())].matches('\n').count()
}

/// The line where `path` is written in `doc` (parsed from `text`). A key that is not
/// written gives the line of the nearest table that is (a missing key is reported where
/// its table starts); an array index past the end, or a first key not in the document,
/// gives `None`.
pub fn line_of(doc: &toml::Spanned<DeTable<'_>>, text: &str, path: &str) -> Option<usize> {
    let mut span = None;
    let mut table = doc.get_ref();
    let mut value: Option<&DeValue<'_>> = None;
    for (n, segment) in path.split('.').enumerate() {
        let (key, indexes) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        if let Some(v) = value {
            match v {
                DeValue::Table(t) => table = t,
                _ => break,
            }
        }
        let Some((k, v)) = table.get_key_value(key) else {
            if n == 0 {
                return None;
            }
            break;
        };
        span = Some(k.span());
        let mut v = v;
        for index in indexes.split(']').filter_map(|s| s.strip_prefix('[')) {
            let i: usize = index.parse().ok()?;
            match v.get_ref() {
                DeValue::Array(items) => v = items.get(i)?,
                _ => return None,
            }
            span = Some(v.span());
        }
        value = Some(v.get_ref());
    }
    span.map(|s| line_at(text, s.start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_the_lines_they_are_written_on() {
        let text = "[agent]\nname = \"x\"\n\n[[sla.calendars]]\nname = \"a\"\ntz = \"UTC\"\n\n[[sla.calendars]]\nname = \"b\"\ntz = \"UTC\"\nhours = { mon = \"8-17\" }\nholidays = [\"x\"]\n\n[[sla.policies]]\nname = \"p\"\nresolution = \"3x\"\n";
        let doc = DeTable::parse(text).unwrap();
        let at = |p: &str| line_of(&doc, text, p);
        assert_eq!(at("sla.calendars[1].hours.mon"), Some(11));
        assert_eq!(at("sla.calendars[1].holidays[0]"), Some(12));
        assert_eq!(at("sla.calendars[0].tz"), Some(6));
        assert_eq!(at("sla.calendars[0].hours"), Some(4), "not written: where its table starts");
        assert_eq!(at("sla.policies[0].resolution"), Some(16));
        assert_eq!(at("sla.policies[3].name"), None);
        assert_eq!(at("agent.name"), Some(2));
        assert_eq!(at("views[0].name"), None);
    }
}
