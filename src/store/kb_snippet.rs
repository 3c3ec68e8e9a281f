//! KB search snippets: the passage that ranked an article, with the query's words
//! marked, cut to one line's worth around the first of them. Pure text work, done on
//! the passage the ranking already chose (no second full-text query per hit).

use super::query::Segment;
use crate::domain::text;

/// How many characters a snippet keeps.
const WIDTH: usize = 160;
/// How many characters before the first marked word a cut snippet starts.
const BEFORE: usize = 40;

/// `passage` as one line with the words `hit` accepts (by their normalised form)
/// marked; None when no word is marked.
pub(super) fn marked(passage: &str, hit: &dyn Fn(&str) -> bool) -> Option<Vec<Segment>> {
    let line = one_line(passage);
    // (text, marked) pieces: runs of letters and digits, and what stands between them.
    let mut pieces: Vec<(String, bool)> = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let flush = |cur: &mut String, word: bool, pieces: &mut Vec<(String, bool)>| {
        if !cur.is_empty() {
            let is_hit = word && text::index_terms(cur).split(' ').any(|w| !w.is_empty() && hit(w));
            pieces.push((std::mem::take(cur), is_hit));
        }
    };
    for c in line.chars() {
        let w = c.is_alphanumeric();
        if w != in_word {
            flush(&mut cur, in_word, &mut pieces);
            in_word = w;
        }
        cur.push(c);
    }
    flush(&mut cur, in_word, &mut pieces);
    let first = pieces.iter().position(|p| p.1)?;
    let total: usize = pieces.iter().map(|p| p.0.chars().count()).sum();
    // Where the cut starts: a word's start some way before the first mark.
    let before: usize = pieces[..first].iter().map(|p| p.0.chars().count()).sum();
    let mut skip = 0;
    if total > WIDTH && before > BEFORE {
        let mut at = 0;
        for p in &pieces[..first] {
            let n = p.0.chars().count();
            if at + n > before - BEFORE {
                break;
            }
            at += n;
        }
        skip = at;
    }
    let mut out: Vec<Segment> = Vec::new();
    if skip > 0 {
        out.push(Segment { text: "…".into(), hit: false });
    }
    let (mut at, mut kept) = (0usize, 0usize);
    for (t, h) in pieces {
        let n = t.chars().count();
        if at + n <= skip {
            at += n;
            continue;
        }
        let room = WIDTH - kept;
        let piece: String = if n > room { t.chars().take(room).collect() } else { t };
        kept += piece.chars().count();
        match out.last_mut() {
            Some(last) if last.hit == h => last.text.push_str(&piece),
            _ => out.push(Segment { text: piece, hit: h }),
        }
        at += n;
        if kept >= WIDTH {
            break;
        }
    }
    if at < total {
        match out.last_mut() {
            Some(last) if !last.hit => last.text.push('…'),
            _ => out.push(Segment { text: "…".into(), hit: false }),
        }
    }
    Some(out)
}

/// An article's first lines (headings left out), for a hit with no marked passage.
pub(super) fn lead(body: &str) -> Vec<Segment> {
    let lead: String = body
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .flat_map(|l| [l.trim(), " "])
        .collect::<String>()
        .chars()
        .take(120)
        .collect();
    vec![Segment { text: lead.trim_end().to_string(), hit: false }]
}

/// A passage's lines joined, list and quote markers and heading hashes dropped, runs of
/// white space made one space.
fn one_line(passage: &str) -> String {
    let mut out = String::with_capacity(passage.len());
    for l in passage.lines() {
        let t = l.trim();
        let t = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")).or_else(|| t.strip_prefix("> ")).unwrap_or(t);
        let t = t.trim_start_matches('#').trim();
        for w in t.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(w);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(s: &[Segment]) -> String {
        s.iter().map(|g| if g.hit { format!("[{}]", g.text) } else { g.text.clone() }).collect()
    }

    #[test]
    fn marks_the_query_words_by_their_normal_form() {
        let hit = |w: &str| w == "extract" || w == "archive";
        let s = marked("- Extract an Archive:\n", &hit).unwrap();
        assert_eq!(show(&s), "[Extract] an [Archive]:");
        assert!(marked("nothing here", &hit).is_none());
    }

    #[test]
    fn a_long_passage_is_cut_around_the_first_mark() {
        let long = format!("{} printer jammed {}", "word ".repeat(60), "tail ".repeat(60));
        let s = marked(&long, &|w: &str| w == "printer").unwrap();
        let text = show(&s);
        assert!(text.starts_with('…') && text.ends_with('…'), "{text}");
        assert!(text.contains("[printer] jammed"), "{text}");
        let plain: usize = s.iter().map(|g| g.text.chars().count()).sum();
        assert!(plain <= WIDTH + 2, "{plain}");
    }

    #[test]
    fn lead_skips_headings() {
        assert_eq!(show(&lead("# tar\n\n> Archiving utility.\n")), "> Archiving utility.");
    }
}
