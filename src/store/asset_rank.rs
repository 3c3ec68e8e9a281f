//! Asset lookup ranked one way for the CLI (`tix asset find`) and the console: an exact
//! tag, then a tag by its letters and number (`lt43` is LON-LT-00043, not BER-LT-00433),
//! then hostname, serial and holder, and a fuzzy match (characters in order) last.

use std::collections::HashSet;

use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;

use super::query::{ASSET_COLS, asset_row};
use super::{Result, Store};
use crate::domain::asset::Asset;

/// How well an asset answers a lookup: lower tiers first, then the fuzzy score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AssetTier {
    ExactTag,
    TagDigits,
    Hostname,
    Serial,
    Holder,
    Fuzzy,
}

/// The tier of `a` for query `q` (trimmed), if it matches at all. Pure.
pub fn asset_tier(a: &Asset, q: &str) -> Option<AssetTier> {
    let ql = q.to_lowercase();
    let lower = |s: Option<&str>| s.map(str::to_lowercase).unwrap_or_default();
    let tag = a.record.tag.to_lowercase();
    if tag == ql {
        return Some(AssetTier::ExactTag);
    }
    if tag_by_digits(&tag, &ql) {
        return Some(AssetTier::TagDigits);
    }
    let host = lower(a.record.hostname.as_deref());
    if !host.is_empty() && host.starts_with(&ql) {
        return Some(AssetTier::Hostname);
    }
    let serial = lower(a.record.serial.as_deref());
    if !serial.is_empty() && serial.starts_with(&ql) {
        return Some(AssetTier::Serial);
    }
    let holder = lower(a.holder_name.as_deref());
    if !holder.is_empty() && holder.split_whitespace().any(|w| w.starts_with(&ql)) || holder.starts_with(&ql) {
        return Some(AssetTier::Holder);
    }
    let line = format!("{tag} {host} {serial} {} {holder}", lower(a.record.model.as_deref()));
    SkimMatcherV2::default().fuzzy_match(&line, &ql).map(|_| AssetTier::Fuzzy)
}

/// `lt43` names LON-LT-00043: the query's number equals the tag's last number (leading
/// zeros aside) and the query's letters are a run of the tag's letter groups.
fn tag_by_digits(tag: &str, q: &str) -> bool {
    let (letters, digits): (String, String) =
        (q.chars().filter(|c| c.is_alphabetic()).collect(), q.chars().filter(|c| c.is_ascii_digit()).collect());
    if digits.is_empty() || !q.chars().rev().take_while(|c| !c.is_alphabetic()).any(|c| c.is_ascii_digit()) {
        return false;
    }
    let Some(tag_num) = tag.split(|c: char| !c.is_ascii_digit()).rfind(|s| !s.is_empty()) else { return false };
    if tag_num.trim_start_matches('0') != digits.trim_start_matches('0') {
        return false;
    }
    let groups: String = tag.split(|c: char| !c.is_alphabetic()).collect::<Vec<_>>().concat();
    letters.is_empty() || groups.contains(&letters)
}

impl Store {
    /// Assets for a lookup, best first (see [`asset_tier`]); at most `limit`.
    pub fn rank_assets(&self, text: &str, limit: u32) -> Result<Vec<Asset>> {
        let q = text.trim();
        if q.is_empty() {
            return self.find_assets("", limit);
        }
        let mut seen = HashSet::new();
        let mut cands: Vec<Asset> = Vec::new();
        let mut add = |v: Vec<Asset>, cands: &mut Vec<Asset>| {
            cands.extend(v.into_iter().filter(|a| seen.insert(a.id)));
        };
        add(self.find_assets(q, 200)?, &mut cands);
        let digits: String = q.chars().filter(|c| c.is_ascii_digit()).collect();
        let number = digits.trim_start_matches('0');
        if !number.is_empty() {
            let sql = format!(
                "SELECT {ASSET_COLS} FROM assets s LEFT JOIN people p ON p.id = s.holder
                 WHERE s.deleted = 0 AND s.tag LIKE ?1 LIMIT 2000"
            );
            add(self.collect(&sql, [format!("%{number}")], asset_row)?, &mut cands);
        }
        if cands.len() < limit as usize * 4 && q.chars().count() >= 2 {
            add(self.assets_matching(q, 1_000)?, &mut cands);
        }
        let m = SkimMatcherV2::default();
        let mut ranked: Vec<(AssetTier, i64, Asset)> = cands
            .into_iter()
            .filter_map(|a| {
                let tier = asset_tier(&a, q)?;
                let line = format!("{} {}", a.record.tag, a.record.hostname.as_deref().unwrap_or(""));
                let score = m.fuzzy_match(&line.to_lowercase(), &q.to_lowercase()).unwrap_or(0);
                Some((tier, score, a))
            })
            .collect();
        ranked.sort_by(|x, y| x.0.cmp(&y.0).then(y.1.cmp(&x.1)).then_with(|| x.2.record.tag.cmp(&y.2.record.tag)));
        ranked.truncate(limit as usize);
        Ok(ranked.into_iter().map(|(_, _, a)| a).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_by_its_letters_and_number() {
        assert!(tag_by_digits("lon-lt-00043", "lt43"));
        assert!(tag_by_digits("lon-lt-00043", "43"));
        assert!(tag_by_digits("lon-lt-00043", "lonlt43"));
        assert!(!tag_by_digits("ber-lt-00433", "lt43"));
        assert!(!tag_by_digits("lon-pc-00043", "lt43"));
        assert!(!tag_by_digits("lon-lt-00043", "lt"));
    }
}
