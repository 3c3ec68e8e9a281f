//! Asset-inventory CSV import: bytes in, [`AssetRow`]s and precise [`RowError`]s out.
//!
//! This is a pure function over the file's bytes ([`parse_assets_csv`]); it never touches the
//! store. The caller (`tix asset import`) turns rows into store changes and decides what to do with
//! bad rows (all-or-nothing unless `--skip-bad`).
//!
//! # Header mapping
//!
//! Header names are compared case-insensitively, ignoring whitespace, `_`, `-` and `:`, so
//! "Asset Tag", "asset_tag" and "AssetTag" are the same column. For each field the aliases are
//! listed best first; when a file has several of them the best one is used and the others are
//! reported in [`ParsedAssets::ignored_columns`] (they are not used as a per-row fallback).
//!
//! | field           | headers, best first                                                              |
//! |-----------------|----------------------------------------------------------------------------------|
//! | `tag` (required)| Asset Tag, Tag, Asset ID, Inventory Number                                       |
//! | `hostname`      | Hostname, Computer Name, then the asset's name: Asset Name, Item Name, Name      |
//! | `serial`        | Serial, Serial Number                                                            |
//! | `model`         | Model, Model Name                                                                |
//! | `manufacturer`  | Manufacturer, Make, Vendor                                                       |
//! | `category`      | Category, Type                                                                   |
//! | `status`        | Status, Status Label (raw text; see [`map_status`])                              |
//! | `holder_name`   | Checked Out To, Assigned To, User, Full Name, Checked Out To: First Name + Checked Out To: Last Name, First Name + Last Name |
//! | `holder_email`  | Checked Out To: Email, User Email, Email                                         |
//! | `location`      | Location, Site                                                                   |
//! | `ip`            | IP, IP Address                                                                   |
//! | `mac`           | MAC, MAC Address                                                                 |
//! | `purchase_date` | Purchase Date                                                                    |
//! | `warranty_end`  | Warranty End, Warranty Expires, Warranty Expiration, Asset EOL Date, EOL Date    |
//! | (months)        | Warranty, Warranty Months: `warranty_end` = purchase date + months, used only when the row has no explicit end date and has a purchase date |
//! | `notes`         | Notes, Asset Notes, Comments                                                     |
//!
//! Every other named column is listed once in `ignored_columns`. Columns with a blank header are
//! ignored too, but a value under one is a row error.
//!
//! # Rules
//!
//! * Values are trimmed; an empty value is `None`. Line breaks inside a quoted value become `\n`.
//!   First + last name columns are joined with a space.
//! * Dates become ISO `YYYY-MM-DD`. Accepted: `2024-03-05`, `2024/03/05`, US `3/5/24` and
//!   `3/5/2024` (month first, as Snipe-IT and Excel write them), `05.03.2024` and `05.03.24`
//!   (day first). Two-digit years are 20xx. A trailing time (`2024-03-05 00:00:00`) is dropped and
//!   MySQL's zero date `0000-00-00` counts as empty.
//! * The file may start with a UTF-8 byte-order mark and with Excel's `sep=;` line; lines may end in
//!   CRLF, LF or a lone CR. The delimiter is `,` unless the header line has more `;` or tabs.
//! * Line numbers are 1-based physical lines (any of the three endings counts), and a record whose
//!   quoted value spans several lines is reported at the line where it starts.
//! * Row errors (the row is left out of `rows`; one error per problem, so a row may have several):
//!   wrong number of fields, a value that is not UTF-8, a value longer than [`MAX_FIELD_BYTES`], a
//!   value under a blank header, a missing tag, a tag already used on an earlier line (compared
//!   ASCII-case-insensitively, like the store), an unreadable date or warranty month count.
//!   Rows whose fields are all empty are skipped silently.
//! * Whole-file errors (`Err`): a UTF-16 file, a quote that is never closed (everything after it
//!   would be one value, so nothing after it can be trusted), no tag column, or a used column named
//!   twice. An empty file, or one with only a header, is `Ok` with no rows.
//! * `status` is kept as written; [`map_status`] turns it into one of tix's asset statuses.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Months, NaiveDate};
use csv::{ByteRecord, ReaderBuilder};

/// Longest accepted value, in bytes; a longer one is a row error.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// One parsed row, ready to become an asset. Strings are trimmed; empty → None.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetRow {
    /// 1-based physical line number where the record starts in the file.
    pub line: u64,
    pub tag: String,
    pub hostname: Option<String>,
    pub serial: Option<String>,
    pub model: Option<String>,
    pub manufacturer: Option<String>,
    pub category: Option<String>,
    /// Raw text, e.g. "Ready to Deploy", "Deployed", "Archived"; see [`map_status`].
    pub status: Option<String>,
    pub holder_name: Option<String>,
    pub holder_email: Option<String>,
    pub location: Option<String>,
    pub ip: Option<String>,
    pub mac: Option<String>,
    /// ISO YYYY-MM-DD.
    pub purchase_date: Option<String>,
    /// ISO YYYY-MM-DD.
    pub warranty_end: Option<String>,
    pub notes: Option<String>,
}

/// A problem with one row (or the header), with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct RowError {
    pub file: String,
    pub line: u64,
    pub message: String,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ParsedAssets {
    pub rows: Vec<AssetRow>,
    /// Bad rows (the caller decides: all-or-nothing unless --skip-bad).
    pub errors: Vec<RowError>,
    /// Header names that were not mapped (for the report), once each.
    pub ignored_columns: Vec<String>,
}

/// The fields a column can feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Tag,
    Hostname,
    Serial,
    Model,
    Manufacturer,
    Category,
    Status,
    HolderName,
    HolderEmail,
    Location,
    Ip,
    Mac,
    PurchaseDate,
    WarrantyEnd,
    WarrantyMonths,
    Notes,
}

/// Number of [`Target`]s (the last one's index + 1).
const TARGETS: usize = Target::Notes as usize + 1;

/// Which part of a field a column holds (names can come as first + last).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Whole,
    First,
    Last,
}

/// Normalised header name → (field, rank: lower is better, part).
const ALIASES: &[(&str, Target, u8, Part)] = {
    use Part::*;
    use Target::*;
    &[
        ("assettag", Tag, 0, Whole),
        ("tag", Tag, 1, Whole),
        ("assetid", Tag, 2, Whole),
        ("inventorynumber", Tag, 3, Whole),
        ("hostname", Hostname, 0, Whole),
        ("computername", Hostname, 1, Whole),
        ("assetname", Hostname, 2, Whole),
        ("itemname", Hostname, 3, Whole),
        ("name", Hostname, 4, Whole),
        ("serial", Serial, 0, Whole),
        ("serialnumber", Serial, 1, Whole),
        ("model", Model, 0, Whole),
        ("modelname", Model, 1, Whole),
        ("manufacturer", Manufacturer, 0, Whole),
        ("make", Manufacturer, 1, Whole),
        ("vendor", Manufacturer, 2, Whole),
        ("category", Category, 0, Whole),
        ("type", Category, 1, Whole),
        ("status", Status, 0, Whole),
        ("statuslabel", Status, 1, Whole),
        ("checkedoutto", HolderName, 0, Whole),
        ("assignedto", HolderName, 1, Whole),
        ("user", HolderName, 2, Whole),
        ("fullname", HolderName, 3, Whole),
        ("checkedouttofirstname", HolderName, 4, First),
        ("checkedouttolastname", HolderName, 4, Last),
        ("firstname", HolderName, 5, First),
        ("lastname", HolderName, 5, Last),
        ("checkedouttoemail", HolderEmail, 0, Whole),
        ("useremail", HolderEmail, 1, Whole),
        ("email", HolderEmail, 2, Whole),
        ("location", Location, 0, Whole),
        ("site", Location, 1, Whole),
        ("ip", Ip, 0, Whole),
        ("ipaddress", Ip, 1, Whole),
        ("mac", Mac, 0, Whole),
        ("macaddress", Mac, 1, Whole),
        ("purchasedate", PurchaseDate, 0, Whole),
        ("warrantyend", WarrantyEnd, 0, Whole),
        ("warrantyexpires", WarrantyEnd, 1, Whole),
        ("warrantyexpiration", WarrantyEnd, 2, Whole),
        ("asseteoldate", WarrantyEnd, 3, Whole),
        ("eoldate", WarrantyEnd, 4, Whole),
        ("warranty", WarrantyMonths, 0, Whole),
        ("warrantymonths", WarrantyMonths, 1, Whole),
        ("notes", Notes, 0, Whole),
        ("assetnotes", Notes, 1, Whole),
        ("comments", Notes, 2, Whole),
    ]
};

const TAG_HEADERS: &str = "'Asset Tag', 'Tag', 'Asset ID' or 'Inventory Number'";

/// Header name for matching: lower case, without whitespace, `_`, `-`, `:` and byte-order marks.
fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | ':' | '\u{feff}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The columns that feed one field.
#[derive(Debug, Clone, Copy, Default)]
struct Sel {
    whole: Option<usize>,
    first: Option<usize>,
    last: Option<usize>,
}

/// What each column of the file means.
#[derive(Debug)]
struct Layout {
    /// Header names as written (trimmed); empty for a blank header.
    names: Vec<String>,
    sel: [Option<Sel>; TARGETS],
    ignored: Vec<String>,
    delim: u8,
}

impl Layout {
    /// Map the header record; `Err` carries the message of a whole-file error.
    fn new(header: &ByteRecord, delim: u8) -> Result<Layout, String> {
        let names: Vec<String> = header
            .iter()
            .map(|f| {
                String::from_utf8_lossy(f).trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}').to_string()
            })
            .collect();
        // (column, target, rank, part) for every column that names a field.
        let mut candidates = Vec::new();
        let mut ignored: Vec<usize> = Vec::new();
        for (col, name) in names.iter().enumerate() {
            if name.is_empty() {
                continue;
            }
            let norm = normalize(name);
            match ALIASES.iter().find(|a| a.0 == norm) {
                Some(&(_, target, rank, part)) => candidates.push((col, target, rank, part)),
                None => ignored.push(col),
            }
        }
        let mut sel = [None; TARGETS];
        let mut duplicates = Vec::new();
        for (t, chosen) in sel.iter_mut().enumerate() {
            let Some(best) = candidates.iter().filter(|c| c.1 as usize == t).map(|c| c.2).min() else { continue };
            let mut s = Sel::default();
            for part in [Part::Whole, Part::First, Part::Last] {
                let cols: Vec<usize> = candidates
                    .iter()
                    .filter(|c| c.1 as usize == t && c.2 == best && c.3 == part)
                    .map(|c| c.0)
                    .collect();
                if cols.len() > 1 {
                    let positions: Vec<String> = cols.iter().map(|c| (c + 1).to_string()).collect();
                    let how = if cols.len() == 2 { "twice" } else { "more than once" };
                    duplicates.push(format!(
                        "column '{}' appears {how} (columns {}); remove or rename all but one",
                        names[cols[0]],
                        join_and(&positions)
                    ));
                }
                let slot = match part {
                    Part::Whole => &mut s.whole,
                    Part::First => &mut s.first,
                    Part::Last => &mut s.last,
                };
                *slot = cols.first().copied();
            }
            *chosen = Some(s);
            for c in candidates.iter().filter(|c| c.1 as usize == t && c.2 != best) {
                ignored.push(c.0);
            }
        }
        if !duplicates.is_empty() {
            return Err(duplicates.join("; "));
        }
        if sel[Target::Tag as usize].is_none() {
            let found: Vec<String> = names.iter().filter(|n| !n.is_empty()).map(|n| format!("'{n}'")).collect();
            let found = if found.is_empty() { "none".to_string() } else { found.join(", ") };
            return Err(format!("no asset tag column (expected {TAG_HEADERS}); headers found: {found}"));
        }
        // Once each, in column order.
        ignored.sort_unstable();
        let mut seen = HashSet::new();
        let ignored = ignored.into_iter().map(|c| &names[c]).filter(|n| seen.insert(n.as_str())).cloned().collect();
        Ok(Layout { names, sel, ignored, delim })
    }

    fn whole(&self, t: Target) -> Option<usize> {
        self.sel[t as usize].and_then(|s| s.whole)
    }

    /// How to name column `col` in a message.
    fn column(&self, col: usize) -> String {
        match self.names.get(col) {
            Some(n) if !n.is_empty() => format!("column '{n}'"),
            _ => format!("column {}", col + 1),
        }
    }

    /// The trimmed text of a column, `None` if empty, absent, too long or not UTF-8 (the last two
    /// are reported by `check_fields` / here).
    fn text(&self, rec: &ByteRecord, col: Option<usize>, problems: &mut Vec<String>) -> Option<String> {
        let raw = rec.get(col?)?;
        if raw.len() > MAX_FIELD_BYTES {
            return None;
        }
        match std::str::from_utf8(raw) {
            Ok(s) => Some(s.trim())
                .filter(|s| !s.is_empty())
                .map(|s| if s.contains('\r') { s.replace("\r\n", "\n").replace('\r', "\n") } else { s.to_string() }),
            Err(e) => {
                let at = e.valid_up_to();
                problems.push(format!(
                    "{}: not valid UTF-8 (byte 0x{:02X} at offset {at}; save the file as UTF-8)",
                    self.column(col?),
                    raw[at]
                ));
                None
            }
        }
    }

    /// Checks that look at every field: length, values under blank headers, and values that look
    /// like several rows joined by a stray quote. `spans` describes a multi-line record.
    fn check_fields(&self, rec: &ByteRecord, spans: &str, problems: &mut Vec<String>) {
        // An embedded line with this many delimiters looks like a whole row of this file.
        let row_like = self.names.len().saturating_sub(1).max(3);
        for (col, raw) in rec.iter().enumerate() {
            if raw.len() > MAX_FIELD_BYTES {
                problems.push(format!(
                    "{}: value is {} bytes, over the {MAX_FIELD_BYTES}-byte limit{spans}",
                    self.column(col),
                    raw.len()
                ));
                continue;
            }
            if self.names[col].is_empty() && !raw.trim_ascii().is_empty() {
                problems.push(format!("column {} has a value but no header", col + 1));
            }
            let most = raw.split(|&b| is_eol(b)).skip(1).map(|l| l.iter().filter(|&&b| b == self.delim).count()).max();
            if self.names.len() >= 4 && most.is_some_and(|n| n >= row_like) {
                problems.push(format!(
                    "{}: the value has a line that looks like a whole row ({} delimiters){spans}",
                    self.column(col),
                    most.unwrap_or_default()
                ));
            }
        }
    }

    /// Build the row, or collect why it cannot be built. `tags` maps tags seen so far (ASCII lower
    /// case) to their line and spelling.
    fn row(
        &self,
        rec: &ByteRecord,
        line: u64,
        spans: &str,
        tags: &mut HashMap<String, (u64, String)>,
    ) -> Result<AssetRow, Vec<String>> {
        let mut problems = Vec::new();
        self.check_fields(rec, spans, &mut problems);
        let p = &mut problems;
        let tag_col = self.whole(Target::Tag);
        let reported = p.len();
        let tag = self.text(rec, tag_col, p);
        // `text` gives None without a new problem for an empty value (or one over the size limit,
        // which `check_fields` has reported).
        let too_long = tag_col.and_then(|c| rec.get(c)).is_some_and(|f| f.len() > MAX_FIELD_BYTES);
        match &tag {
            Some(t) => {
                let key = t.to_ascii_lowercase();
                match tags.get(&key) {
                    Some((first, spelled)) if spelled == t => {
                        p.push(format!("duplicate tag '{t}' (already used on line {first})"))
                    }
                    Some((first, spelled)) => p.push(format!(
                        "duplicate tag '{t}' (already used on line {first} as '{spelled}'; tags ignore case)"
                    )),
                    None => {
                        tags.insert(key, (line, t.clone()));
                    }
                }
            }
            None if p.len() == reported && !too_long => {
                p.push(format!("{} is empty; every asset needs a tag", self.column(tag_col.unwrap_or(0))))
            }
            None => {}
        }
        let get = |t: Target, p: &mut Vec<String>| self.text(rec, self.whole(t), p);
        let hostname = get(Target::Hostname, p);
        let serial = get(Target::Serial, p);
        let model = get(Target::Model, p);
        let manufacturer = get(Target::Manufacturer, p);
        let category = get(Target::Category, p);
        let status = get(Target::Status, p);
        let holder_name = match self.sel[Target::HolderName as usize] {
            Some(Sel { whole: Some(c), .. }) => self.text(rec, Some(c), p),
            Some(Sel { first, last, .. }) => {
                let parts: Vec<String> = [first, last].into_iter().filter_map(|c| self.text(rec, c, p)).collect();
                Some(parts.join(" ")).filter(|s| !s.is_empty())
            }
            None => None,
        };
        let holder_email = get(Target::HolderEmail, p);
        let location = get(Target::Location, p);
        let ip = get(Target::Ip, p);
        let mac = get(Target::Mac, p);
        let purchase = self.date(rec, Target::PurchaseDate, p);
        let mut warranty_end = self.date(rec, Target::WarrantyEnd, p);
        let months_col = self.whole(Target::WarrantyMonths);
        if let Some(m) = self.text(rec, months_col, p) {
            match parse_months(&m) {
                Some(months) => {
                    if warranty_end.is_none() {
                        warranty_end = purchase.and_then(|d| d.checked_add_months(Months::new(months)));
                    }
                }
                None => {
                    p.push(format!("{}: '{m}' is not a number of months", self.column(months_col.unwrap_or_default())))
                }
            }
        }
        let notes = get(Target::Notes, p);
        match tag {
            Some(tag) if problems.is_empty() => Ok(AssetRow {
                line,
                tag,
                hostname,
                serial,
                model,
                manufacturer,
                category,
                status,
                holder_name,
                holder_email,
                location,
                ip,
                mac,
                purchase_date: purchase.map(iso),
                warranty_end: warranty_end.map(iso),
                notes,
            }),
            _ => Err(problems),
        }
    }

    fn date(&self, rec: &ByteRecord, t: Target, p: &mut Vec<String>) -> Option<NaiveDate> {
        let col = self.whole(t);
        let text = self.text(rec, col, p)?;
        match crate::domain::time::parse_day(&text) {
            Ok(d) => d,
            Err(()) => {
                let hint = if looks_day_first(&text) {
                    "; dates with '/' are read month first, and this one only works day first: write it as YYYY-MM-DD or DD.MM.YYYY"
                } else {
                    ""
                };
                p.push(format!(
                    "{}: '{text}' is not a date (use YYYY-MM-DD, M/D/YYYY, M/D/YY or DD.MM.YYYY{hint})",
                    self.column(col.unwrap_or_default())
                ));
                None
            }
        }
    }
}

/// "1", "1 and 2", "1, 2 and 3".
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn iso(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// A `/` date that fails month-first but would work day-first (e.g. "25/12/2023").
fn looks_day_first(s: &str) -> bool {
    let parts: Vec<&str> = s.trim().split('/').collect();
    matches!(parts[..], [d, m, y] if d.len() <= 2 && crate::domain::time::ymd(y, m, d).is_some())
}

/// A warranty length: "36", "36.0", "36 months", "36 mo".
fn parse_months(s: &str) -> Option<u32> {
    let lower = s.trim().to_ascii_lowercase();
    let num = ["months", "month", "mos", "mo"].iter().find_map(|suf| lower.strip_suffix(suf)).unwrap_or(&lower).trim();
    let num = match num.split_once('.') {
        Some((int, frac)) if frac.bytes().all(|b| b == b'0') => int,
        Some(_) => return None,
        None => num,
    };
    if num.is_empty() || num.len() > 4 || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    num.parse().ok().filter(|&m| m <= 1200)
}

/// Map a status word to tix's asset statuses: returns one of "in-use", "in-stock", "in-repair",
/// "retired", "lost", or None if unknown.
///
/// Matching ignores case, spaces and punctuation. Snipe-IT's defaults map as: Deployed → in-use;
/// Ready to Deploy, Pending, Deployable → in-stock; Out for Diagnostics, Out for Repair,
/// Pending Diagnostics, Undeployable, Broken → in-repair; Archived, Broken - Not Fixable →
/// retired; Lost/Stolen → lost. A label with a note in parentheses ("Deployed (Jane Doe)") is
/// matched on the part before the parenthesis.
pub fn map_status(s: &str) -> Option<&'static str> {
    let key: String = s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
    let found = match key.as_str() {
        "inuse" | "deployed" | "assigned" | "checkedout" | "active" | "inservice" | "issued" | "production" => {
            Some("in-use")
        }
        "instock" | "readytodeploy" | "deployable" | "available" | "spare" | "stock" | "storage" | "instorage"
        | "pending" | "new" | "ready" | "unassigned" | "onhand" => Some("in-stock"),
        "inrepair" | "repair" | "outforrepair" | "underrepair" | "broken" | "faulty" | "damaged" | "defective"
        | "undeployable" | "pendingdiagnostics" | "outfordiagnostics" | "diagnostics" | "maintenance"
        | "inmaintenance" | "rma" => Some("in-repair"),
        "retired" | "archived" | "brokennotfixable" | "disposed" | "decommissioned" | "recycled" | "scrapped"
        | "eol" | "endoflife" | "sold" | "donated" | "destroyed" | "writtenoff" => Some("retired"),
        "lost" | "stolen" | "loststolen" | "lostorstolen" | "missing" => Some("lost"),
        _ => None,
    };
    match found {
        None if s.contains('(') => s.split('(').next().filter(|p| !p.trim().is_empty()).and_then(map_status),
        f => f,
    }
}

/// Byte offsets where each physical line starts (CRLF, LF and lone CR all end a line).
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: &[u8]) -> Lines {
        let mut starts = vec![0];
        let mut i = 0;
        while i < text.len() {
            match text[i] {
                b'\r' if text.get(i + 1) == Some(&b'\n') => {
                    i += 2;
                    starts.push(i);
                }
                b'\r' | b'\n' => {
                    i += 1;
                    starts.push(i);
                }
                _ => i += 1,
            }
        }
        Lines { starts }
    }

    /// 1-based line of the byte at `offset`.
    fn line_of(&self, offset: usize) -> u64 {
        self.starts.partition_point(|&s| s <= offset) as u64
    }
}

fn is_eol(b: u8) -> bool {
    b == b'\r' || b == b'\n'
}

/// Excel's optional first line `sep=;`: returns where the data starts and the delimiter it names.
fn excel_sep_line(text: &[u8]) -> (usize, Option<u8>) {
    match text {
        [s, e, p, b'=', d, rest @ ..]
            if [*s, *e, *p].eq_ignore_ascii_case(b"sep")
                && !is_eol(*d)
                && *d != b'"'
                && d.is_ascii()
                && rest.first().is_none_or(|&b| is_eol(b)) =>
        {
            let skip = match rest {
                [b'\r', b'\n', ..] => 2,
                [] => 0,
                _ => 1,
            };
            (5 + skip, Some(*d))
        }
        _ => (0, None),
    }
}

/// `,` unless the first record has more `;` or tabs outside quotes.
fn sniff_delimiter(data: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in data {
        match b {
            b'"' => quoted = !quoted,
            b'\r' | b'\n' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let delims = [b',', b';', b'\t'];
    let best = (0..3).fold(0, |best, i| if counts[i] > counts[best] { i } else { best });
    delims[best]
}

/// Find a quoted field that is never closed, following the csv crate's rules (a quote opens a
/// quoted field only at the start of a field; `""` inside is a literal quote). Returns the offset
/// of the opening quote and the 0-based column it is in.
fn unterminated_quote(data: &[u8], delim: u8) -> Option<(usize, usize)> {
    #[derive(Clone, Copy)]
    enum S {
        FieldStart,
        Unquoted,
        Quoted(usize),
        QuoteInQuoted(usize),
    }
    let mut s = S::FieldStart;
    let mut col = 0;
    for (i, &b) in data.iter().enumerate() {
        s = match s {
            S::FieldStart if b == b'"' => S::Quoted(i),
            S::FieldStart | S::Unquoted | S::QuoteInQuoted(_) if b == delim => {
                col += 1;
                S::FieldStart
            }
            S::FieldStart | S::Unquoted | S::QuoteInQuoted(_) if is_eol(b) => {
                col = 0;
                S::FieldStart
            }
            S::FieldStart | S::Unquoted => S::Unquoted,
            S::Quoted(start) if b == b'"' => S::QuoteInQuoted(start),
            S::Quoted(start) => S::Quoted(start),
            S::QuoteInQuoted(start) if b == b'"' => S::Quoted(start),
            S::QuoteInQuoted(_) => S::Unquoted,
        };
    }
    match s {
        S::Quoted(start) => Some((start, col)),
        _ => None,
    }
}

/// Parse the whole file. Returns Err only for problems that make the whole file unusable
/// (UTF-16, an unterminated quote, no tag column, a used column named twice); everything else
/// is a row error in [`ParsedAssets::errors`]. An empty file is `Ok` with no rows.
pub fn parse_assets_csv(bytes: &[u8], file: &str) -> Result<ParsedAssets, RowError> {
    let fail = |line: u64, message: String| RowError { file: file.to_string(), line, message };
    let mut layout: Option<Layout> = None;
    let mut out = ParsedAssets::default();
    let mut tags = HashMap::new();
    for_each_record(bytes, file, |event| {
        match event {
            Event::Header { rec, delim, .. } => {
                let l = Layout::new(rec, delim)?;
                out.ignored_columns = l.ignored.clone();
                layout = Some(l);
            }
            Event::Ragged { line, message } => out.errors.push(fail(line, message)),
            Event::Row { rec, line, spans } => {
                let layout = layout.as_ref().expect("the header comes first");
                match layout.row(rec, line, spans, &mut tags) {
                    Ok(row) => out.rows.push(row),
                    Err(problems) => out.errors.extend(problems.into_iter().map(|m| fail(line, m))),
                }
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// What [`for_each_record`] found, in file order.
pub(crate) enum Event<'a> {
    /// The header record (the first non-blank one) and the file's delimiter.
    Header { rec: &'a ByteRecord, delim: u8 },
    /// A record with as many fields as the header, not all blank. `spans` describes a
    /// record that runs over several lines (empty otherwise), for messages.
    Row { rec: &'a ByteRecord, line: u64, spans: &'a str },
    /// A record with another number of fields than the header.
    Ragged { line: u64, message: String },
}

/// Read a CSV file the way every tix importer does: UTF-16 refused, a UTF-8 byte-order mark
/// and Excel's `sep=` line skipped, the delimiter sniffed from the header line, CRLF, LF or
/// lone-CR line ends, physical line numbers (a multi-line record at the line it starts), an
/// unterminated quote refused as a whole-file error at the line where it opens, blank records
/// skipped. `f` returning `Err` for the header makes the whole file fail at the header line.
pub(crate) fn for_each_record(
    bytes: &[u8],
    file: &str,
    mut f: impl FnMut(Event<'_>) -> Result<(), String>,
) -> Result<(), RowError> {
    let fail = |line: u64, message: String| RowError { file: file.to_string(), line, message };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(fail(1, "the file is UTF-16; save it as \"CSV UTF-8\" and import that".into()));
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let lines = Lines::new(text);
    let (start, sep) = excel_sep_line(text);
    let data = &text[start..];
    let delim = sep.unwrap_or_else(|| sniff_delimiter(data));
    // The csv crate reports where a record starts as a byte offset that may point at the end of
    // the previous line's terminator (and its line count ignores lone CRs), so count lines here.
    let record_line = |pos: u64| {
        let mut at = start + pos as usize;
        while at < text.len() && is_eol(text[at]) {
            at += 1;
        }
        (at, lines.line_of(at))
    };
    let last_line = |from: usize, to: usize| {
        let mut end = to.min(text.len());
        while end > from + 1 && is_eol(text[end - 1]) {
            end -= 1;
        }
        lines.line_of(end.saturating_sub(1).max(from))
    };

    let mut rdr = ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delim).from_reader(data);
    let mut rec = ByteRecord::new();
    let header_found = rdr.read_byte_record(&mut rec).map_err(|e| fail(1, format!("cannot read the file: {e}")))?;
    let (_, header_line) = record_line(rec.position().map_or(0, |p| p.byte()));
    let header_end = start + rdr.position().byte() as usize;

    if let Some((quote, col)) = unterminated_quote(data, delim) {
        let quote = start + quote;
        let line = lines.line_of(quote);
        let name = match rec.get(col) {
            Some(n) if quote >= header_end && !n.trim_ascii().is_empty() => {
                format!(" ('{}')", String::from_utf8_lossy(n.trim_ascii()))
            }
            _ => String::new(),
        };
        let end = last_line(quote, text.len());
        let rest = if end > line { format!("lines {line}–{end}") } else { format!("line {line}") };
        return Err(fail(
            line,
            format!(
                "unterminated quote in column {}{name}: the quoted value never ends, so the rest of the file ({rest}) \
                 would be read as one value; close the quote, and double any quote inside a value (\"\")",
                col + 1
            ),
        ));
    }
    if !header_found {
        return Ok(());
    }
    let expected = rec.len();
    f(Event::Header { rec: &rec, delim }).map_err(|m| fail(header_line, m))?;
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = lines.line_of(start + rdr.position().byte() as usize);
                return Err(fail(line, format!("cannot read the file: {e}")));
            }
        }
        let (at, line) = record_line(rec.position().map_or(0, |p| p.byte()));
        if rec.iter().all(|f| f.trim_ascii().is_empty()) {
            continue;
        }
        let end_line = last_line(at, start + rdr.position().byte() as usize);
        let spans = if end_line > line {
            format!(" (the record runs over lines {line}–{end_line}; a stray quote may have joined them)")
        } else {
            String::new()
        };
        if rec.len() != expected {
            let message = format!("expected {expected} fields as in the header, found {}{spans}", rec.len());
            f(Event::Ragged { line, message }).map_err(|m| fail(line, m))?;
            continue;
        }
        f(Event::Row { rec: &rec, line, spans: &spans }).map_err(|m| fail(line, m))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    macro_rules! fixture {
        ($name:literal) => {
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/assets/", $name)).as_slice()
        };
    }

    fn parse(bytes: &[u8]) -> ParsedAssets {
        parse_assets_csv(bytes, "t.csv").expect("file should be usable")
    }

    fn parse_err(bytes: &[u8]) -> RowError {
        parse_assets_csv(bytes, "t.csv").expect_err("file should be rejected")
    }

    fn tags(p: &ParsedAssets) -> Vec<&str> {
        p.rows.iter().map(|r| r.tag.as_str()).collect()
    }

    fn lines(p: &ParsedAssets) -> Vec<u64> {
        p.rows.iter().map(|r| r.line).collect()
    }

    fn error_lines(p: &ParsedAssets) -> Vec<u64> {
        p.errors.iter().map(|e| e.line).collect()
    }

    #[test]
    fn bom_is_stripped_before_the_first_header() {
        let bytes = fixture!("bom.csv");
        assert!(bytes.starts_with(b"\xEF\xBB\xBFCompany"));
        let p = parse(bytes);
        assert_eq!(p.ignored_columns, ["Company"]);
        assert_eq!(tags(&p), ["BOM-001", "BOM-002"]);
        assert_eq!(p.rows[0].hostname.as_deref(), Some("kiosk-01"));
        assert_eq!(p.rows[0].warranty_end.as_deref(), Some("2029-01-15"));
        assert!(p.errors.is_empty());
        // A BOM in front of a mapped first header works too.
        let p = parse(b"\xEF\xBB\xBFAsset Tag,Name\nX-1,pc\n");
        assert_eq!(tags(&p), ["X-1"]);
    }

    #[test]
    fn lf_crlf_and_cr_endings_give_the_same_rows_and_line_numbers() {
        let files = [
            ("lf", fixture!("endings-lf.csv")),
            ("crlf", fixture!("endings-crlf.csv")),
            ("cr", fixture!("endings-cr.csv")),
        ];
        assert!(!files[0].1.contains(&b'\r'));
        assert!(files[1].1.windows(2).any(|w| w == b"\r\n"));
        assert!(!files[2].1.contains(&b'\n'));
        for (style, bytes) in files {
            let p = parse(bytes);
            assert_eq!(tags(&p), ["E-001", "E-002", "E-004", "E-005", "E-007"], "{style}");
            // E-002 and E-004 have notes spanning lines; each record is reported where it starts.
            assert_eq!(lines(&p), [2, 3, 7, 10, 13], "{style}");
            // Bad dates on line 5 and in the multi-line record starting on line 11.
            assert_eq!(error_lines(&p), [5, 11], "{style}: {:?}", p.errors);
            assert!(p.errors[0].message.contains("'Purchase Date': 'not-a-date'"), "{style}");
            assert!(p.errors[1].message.contains("'13/45/2024'"), "{style}");
            // Embedded line breaks come out as \n whatever the file used.
            assert_eq!(p.rows[1].notes.as_deref(), Some("two\nline note"), "{style}");
            assert_eq!(p.rows[2].notes.as_deref(), Some("three\nline\nnote"), "{style}");
            assert_eq!(p.rows[2].purchase_date.as_deref(), Some("2024-03-05"), "{style}");
            assert_eq!(p.rows[3].purchase_date.as_deref(), Some("2024-12-31"), "{style}");
        }
    }

    #[test]
    fn line_index_counts_every_ending_style() {
        let l = Lines::new(b"a\r\nb\rc\n\rd");
        let line_at = |s: &str| l.line_of(s.len());
        assert_eq!(l.line_of(0), 1);
        assert_eq!(line_at("a\r\n"), 2);
        assert_eq!(line_at("a\r\nb\r"), 3);
        assert_eq!(line_at("a\r\nb\rc\n"), 4);
        assert_eq!(line_at("a\r\nb\rc\n\r"), 5);
    }

    #[test]
    fn invalid_utf8_is_a_row_error_and_other_rows_survive() {
        let p = parse(fixture!("invalid-utf8.csv"));
        assert_eq!(tags(&p), ["U-001", "U-003"]);
        assert_eq!(p.rows[1].notes.as_deref(), Some("caf\u{e9} (valid UTF-8)"));
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        assert_eq!(p.errors[0].line, 3);
        assert!(p.errors[0].message.starts_with("column 'Notes': not valid UTF-8"), "{}", p.errors[0]);
        // Bad bytes in an unmapped column (Supplier, line 4) do not matter.
        assert_eq!(p.ignored_columns, ["Supplier"]);
    }

    #[test]
    fn unterminated_quote_rejects_the_file_at_the_opening_line() {
        let e = parse_err(fixture!("unterminated-quote.csv"));
        assert_eq!(e.line, 3);
        assert!(e.message.starts_with("unterminated quote in column 3 ('Notes')"), "{e}");
        assert!(e.message.contains("lines 3–5"), "{e}");
        assert_eq!(e.to_string().split(": ").next(), Some("t.csv:3"));
        // On the last line, without a final line break, and in the header.
        assert_eq!(parse_err(b"Asset Tag,Notes\nA,\"open").line, 2);
        assert_eq!(parse_err(b"Asset Tag,\"Notes\nA,b\n").line, 1);
        // Balanced quotes, escaped quotes and quotes inside unquoted values are fine.
        let p = parse(b"Asset Tag,Notes\nA,\"say \"\"hi\"\"\"\nB,12\" monitor\nC,\"x\"y\"\n");
        assert_eq!(
            p.rows.iter().map(|r| r.notes.clone().unwrap()).collect::<Vec<_>>(),
            ["say \"hi\"", "12\" monitor", "xy\""]
        );
    }

    #[test]
    fn stray_quote_that_joins_lines_is_reported_where_the_record_starts() {
        let p = parse(fixture!("stray-quote.csv"));
        assert_eq!(tags(&p), ["S-001", "S-005"]);
        assert_eq!(lines(&p), [2, 6]);
        assert_eq!(error_lines(&p), [3]);
        let m = &p.errors[0].message;
        assert!(m.contains("expected 4 fields") && m.contains("found 5") && m.contains("lines 3–5"), "{m}");
        // Joined lines that happen to give the right field count are caught by their shape.
        let p = parse(b"Asset Tag,Hostname,Notes,Location\nS-2,pc,\"oops,Room 2\nS-3,pc,x,Room 3\nS-4,pc,y\",Room 4\n");
        assert!(p.rows.is_empty());
        assert_eq!(error_lines(&p), [2]);
        assert!(p.errors[0].message.contains("looks like a whole row"), "{:?}", p.errors);
        // Ordinary multi-line notes with a comma or two are not flagged.
        let p = parse(b"Asset Tag,Hostname,Notes,Location\nS-2,pc,\"line one\nline two, with a comma\",Room 2\n");
        assert!(p.errors.is_empty(), "{:?}", p.errors);
    }

    #[test]
    fn ragged_rows_are_row_errors_with_expected_and_found_counts() {
        let p = parse(fixture!("ragged.csv"));
        assert_eq!(tags(&p), ["R-001", "R-003", "R-005"]);
        assert_eq!(p.rows[2].notes.as_deref(), Some("quoted, with comma"));
        assert_eq!(error_lines(&p), [3, 5]);
        assert_eq!(p.errors[0].message, "expected 4 fields as in the header, found 3");
        assert_eq!(p.errors[1].message, "expected 4 fields as in the header, found 5");
        // The trailing ",,," row is blank and skipped silently.
        assert_eq!(p.errors.len(), 2);
    }

    #[test]
    fn a_mapped_column_named_twice_rejects_the_file() {
        let e = parse_err(fixture!("duplicate-headers.csv"));
        assert_eq!(e.line, 1);
        assert!(e.message.contains("column 'Category' appears twice (columns 2 and 4)"), "{e}");
        // Different spellings of the same header are the same column.
        let e = parse_err(b"Asset Tag,asset_tag\nA,A\n");
        assert!(e.message.contains("columns 1 and 2"), "{e}");
        let e = parse_err(b"Tag,First Name,Last Name,first-name\nA,b,c,d\n");
        assert!(e.message.contains("'First Name' appears twice (columns 2 and 4)"), "{e}");
    }

    #[test]
    fn duplicate_unmapped_headers_are_fine_and_listed_once() {
        let p = parse(fixture!("duplicate-unmapped-headers.csv"));
        assert_eq!(tags(&p), ["D-001", "D-002"]);
        assert_eq!(p.ignored_columns, ["Company"]);
        assert!(p.errors.is_empty());
    }

    #[test]
    fn blank_headers_are_ignored_but_values_under_them_are_errors() {
        let p = parse(fixture!("blank-headers.csv"));
        assert_eq!(tags(&p), ["B-001", "B-003"]);
        assert!(p.ignored_columns.is_empty());
        assert_eq!(error_lines(&p), [3]);
        assert_eq!(p.errors[0].message, "column 2 has a value but no header");
    }

    #[test]
    fn missing_and_duplicate_tags_are_row_errors() {
        let p = parse(fixture!("tags.csv"));
        assert_eq!(tags(&p), ["T-001", "T-003", "T-006"]);
        assert_eq!(error_lines(&p), [3, 5, 6]);
        assert_eq!(p.errors[0].message, "column 'Asset Tag' is empty; every asset needs a tag");
        assert_eq!(p.errors[1].message, p.errors[0].message);
        assert!(p.errors[2].message.contains("duplicate tag 't-001' (already used on line 2 as 'T-001'"));
        // A tag of Unicode spaces only is missing too.
        let p = parse("Tag,Name\n\u{a0},pc\n".as_bytes());
        assert_eq!(error_lines(&p), [2]);
        assert!(p.errors[0].message.ends_with("every asset needs a tag"));
        let p = parse(b"Tag\nA\nA\n");
        assert_eq!(p.errors[0].message, "duplicate tag 'A' (already used on line 2)");
    }

    #[test]
    fn empty_and_header_only_files_have_no_rows() {
        for bytes in [fixture!("empty.csv"), b"\xEF\xBB\xBF", b"\n\r\n", b"sep=,\n"] {
            assert_eq!(parse(bytes), ParsedAssets::default());
        }
        let p = parse(fixture!("header-only.csv"));
        assert!(p.rows.is_empty() && p.errors.is_empty());
    }

    #[test]
    fn a_file_without_a_tag_column_is_rejected_listing_its_headers() {
        let e = parse_err(fixture!("no-tag-column.csv"));
        assert_eq!(e.line, 1);
        assert!(e.message.starts_with("no asset tag column"), "{e}");
        assert!(e.message.ends_with("headers found: 'Hostname', 'Serial Number', 'Owner'"), "{e}");
        assert!(parse_err(b",,\n1,2,3\n").message.ends_with("headers found: none"));
    }

    #[test]
    fn fields_over_64_kib_are_row_errors() {
        let template = std::str::from_utf8(fixture!("huge-field.csv")).unwrap();
        let huge = template.replace("@@HUGE@@", &"x".repeat(MAX_FIELD_BYTES + 1));
        let p = parse(huge.as_bytes());
        assert_eq!(tags(&p), ["H-001", "H-003"]);
        assert_eq!(error_lines(&p), [3]);
        assert!(p.errors[0].message.starts_with("column 'Notes': value is 65537 bytes"), "{:?}", p.errors);
        // Exactly at the limit is fine, and the limit applies to unmapped columns as well.
        let p = parse(template.replace("@@HUGE@@", &"x".repeat(MAX_FIELD_BYTES)).as_bytes());
        assert!(p.errors.is_empty());
        let p = parse(format!("Tag,Extra\nA,{}\n", "y".repeat(MAX_FIELD_BYTES + 1)).as_bytes());
        assert_eq!(error_lines(&p), [2]);
    }

    #[test]
    fn dates_in_every_accepted_form_and_precise_date_errors() {
        let p = parse(fixture!("dates.csv"));
        let got: Vec<(&str, Option<&str>, Option<&str>)> =
            p.rows.iter().map(|r| (r.tag.as_str(), r.purchase_date.as_deref(), r.warranty_end.as_deref())).collect();
        assert_eq!(
            got,
            [
                ("DT-01", Some("2024-03-05"), None),
                ("DT-02", Some("2024-03-05"), None),
                ("DT-03", Some("2024-03-05"), None),
                ("DT-04", Some("2024-03-05"), None),
                ("DT-05", Some("2024-03-05"), None),
                ("DT-06", Some("2024-03-05"), None),
                ("DT-07", Some("2024-01-31"), Some("2024-02-29")),
                ("DT-08", Some("2024-03-05"), Some("2027-01-01")),
                ("DT-09", None, None),
                ("DT-10", None, None),
                ("DT-16", Some("2024-03-05"), Some("2025-03-05")),
            ]
        );
        assert_eq!(error_lines(&p), [12, 13, 14, 15, 16]);
        assert!(
            p.errors[0].message.contains("'25/12/2023' is not a date") && p.errors[0].message.contains("day first")
        );
        assert!(p.errors[1].message.starts_with("column 'Purchase Date': '2024-02-30' is not a date"));
        assert!(p.errors[2].message.contains("'3/5/024'"));
        assert!(p.errors[3].message.starts_with("column 'Warranty End': 'soon' is not a date"));
        assert_eq!(p.errors[4].message, "column 'Warranty Months': 'three years' is not a number of months");
    }

    #[test]
    fn date_parser_checks_year_length() {
        let d = |s: &str| crate::domain::time::parse_day(s).map(|d| d.map(iso));
        assert_eq!(d("3/5/23"), Ok(Some("2023-03-05".into())));
        assert_eq!(d("12/31/99"), Ok(Some("2099-12-31".into())));
        assert_eq!(d("2024-3-5"), Ok(Some("2024-03-05".into())));
        assert_eq!(d("2024-03-05T08:30:00"), Ok(Some("2024-03-05".into())));
        assert_eq!(d("3/5/2024 0:00"), Ok(Some("2024-03-05".into())));
        for bad in ["23-03-05", "3/5/123", "3/5/02024", "05.03.124", "2024-03", "2024-03-05-01", "2024--05", "", "x"] {
            assert_eq!(d(bad), Err(()), "{bad}");
        }
        for bad in ["2024-03-05 noon", "1/2/3", "+1/2/24", "3/ 5/24", "2024-13-01", "٣/٥/٢٤"] {
            assert_eq!(d(bad), Err(()), "{bad}");
        }
    }

    #[test]
    fn warranty_month_counts() {
        assert_eq!(parse_months("36"), Some(36));
        assert_eq!(parse_months("36.0"), Some(36));
        assert_eq!(parse_months(" 12 Months "), Some(12));
        assert_eq!(parse_months("1 month"), Some(1));
        assert_eq!(parse_months("24mo"), Some(24));
        for bad in ["", "-3", "1.5", "3 years", "99999", "1201", "months"] {
            assert_eq!(parse_months(bad), None, "{bad}");
        }
        // No purchase date: no computed end, and no error.
        let p = parse(b"Tag,Warranty\nA,36\n");
        assert_eq!(p.rows[0].warranty_end, None);
    }

    #[test]
    fn excel_sep_line_semicolons_and_header_spellings() {
        let p = parse(fixture!("excel-semicolon.csv"));
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.ignored_columns, ["Cost"]);
        let r = &p.rows[0];
        assert_eq!(r.line, 3);
        assert_eq!(
            *r,
            AssetRow {
                line: 3,
                tag: "XL-001".into(),
                hostname: Some("ws-001".into()),
                serial: Some("SN-001".into()),
                model: None,
                manufacturer: Some("Fujitsu".into()),
                category: Some("Desktop".into()),
                status: Some("In Use".into()),
                holder_name: Some("Ada Lovelace".into()),
                holder_email: Some("ada@example.org".into()),
                location: Some("Berlin".into()),
                ip: Some("10.0.0.5".into()),
                mac: Some("00:11:22:33:44:55".into()),
                purchase_date: Some("2024-03-05".into()),
                warranty_end: Some("2026-03-05".into()),
                notes: Some("Notes; with semicolon".into()),
            }
        );
        assert_eq!(p.rows[1].holder_name, None);
    }

    #[test]
    fn delimiter_is_sniffed_from_the_header_line() {
        assert_eq!(tags(&parse(b"Asset Tag;Name;Notes\nA;pc;x, y\n")), ["A"]);
        let p = parse(b"Asset Tag\tName\tNotes\nA\tpc\tx; y, z\n");
        assert_eq!(p.rows[0].notes.as_deref(), Some("x; y, z"));
        // A comma header with a quoted semicolon stays comma-separated.
        let p = parse(b"Asset Tag,\"Notes; misc\",Name\nA,x,pc\n");
        assert_eq!(p.rows[0].hostname.as_deref(), Some("pc"));
        assert_eq!(sniff_delimiter(b"Asset Tag"), b',');
    }

    #[test]
    fn snipe_it_style_export_maps_every_field() {
        let p = parse(fixture!("snipeit-like.csv"));
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.ignored_columns, ["Company"]);
        assert_eq!(lines(&p), [2, 3, 4, 5, 6, 8]);
        assert_eq!(
            p.rows[0],
            AssetRow {
                line: 2,
                tag: "ACME-0001".into(),
                hostname: Some("LT-0001".into()),
                serial: Some("5CG1234XYZ".into()),
                model: Some("Latitude 5440, 14\"".into()),
                manufacturer: Some("Dell".into()),
                category: Some("Laptop".into()),
                status: Some("Deployed".into()),
                holder_name: Some("Ada Lovelace".into()),
                holder_email: Some("ada@example.org".into()),
                location: Some("HQ 2nd floor".into()),
                ip: None,
                mac: None,
                purchase_date: Some("2023-01-23".into()),
                warranty_end: Some("2026-01-23".into()),
                notes: Some("Docked at desk 12, \"spare\" charger in drawer".into()),
            }
        );
        let r = &p.rows[4];
        assert_eq!((r.holder_name.as_deref(), r.purchase_date.as_deref()), (Some("Alan"), None));
        assert_eq!(r.notes.as_deref(), Some("Reported stolen\nfrom car"));
        assert_eq!(p.rows[5].warranty_end.as_deref(), Some("2022-02-28"));
        let statuses: Vec<_> = p.rows.iter().map(|r| r.status.as_deref().and_then(map_status)).collect();
        assert_eq!(
            statuses,
            [Some("in-use"), Some("in-stock"), Some("in-repair"), Some("in-use"), Some("lost"), Some("retired")]
        );
    }

    #[test]
    fn better_aliases_win_and_the_others_are_ignored() {
        let p = parse(
            b"Name,Hostname,Tag,Asset Tag,Full Name,Checked Out To,Email,Checked Out To: Email\nn,h,t,at,f,c,e,ce\n",
        );
        let r = &p.rows[0];
        assert_eq!(
            (r.tag.as_str(), r.hostname.as_deref(), r.holder_name.as_deref(), r.holder_email.as_deref()),
            ("at", Some("h"), Some("c"), Some("ce"))
        );
        assert_eq!(p.ignored_columns, ["Name", "Tag", "Full Name", "Email"]);
        // Without a Hostname column the asset's name is the hostname.
        assert_eq!(parse(b"Item Name,AssetTag\nlaptop-7,A\n").rows[0].hostname.as_deref(), Some("laptop-7"));
        // First + last name, checked-out-to pair first.
        let p = parse(
            b"Tag,First Name,Last Name,Checked Out To: First Name,Checked Out To: Last Name\nA,f,l,cf,cl\nB,f,l,,cl\n",
        );
        let names: Vec<_> = p.rows.iter().map(|r| r.holder_name.as_deref()).collect();
        assert_eq!(names, [Some("cf cl"), Some("cl")]);
        assert_eq!(p.ignored_columns, ["First Name", "Last Name"]);
    }

    #[test]
    fn header_matching_ignores_case_spaces_underscores_hyphens_and_colons() {
        for h in
            ["Asset Tag", "asset_tag", "AssetTag", "ASSET-TAG", " asset tag: ", "Asset\u{a0}Tag", "\u{feff}Asset Tag"]
        {
            let csv = format!(
                "{h},Serial_Number,IP-Address,mac address,Warranty Expires,Asset Notes\nA,s,1.2.3.4,m,2030-01-01,n\n"
            );
            let p = parse(csv.as_bytes());
            assert!(p.ignored_columns.is_empty(), "{h}: {:?}", p.ignored_columns);
            let r = &p.rows[0];
            assert_eq!(r.tag, "A", "{h}");
            assert_eq!(
                (r.serial.as_deref(), r.ip.as_deref(), r.mac.as_deref()),
                (Some("s"), Some("1.2.3.4"), Some("m"))
            );
            assert_eq!((r.warranty_end.as_deref(), r.notes.as_deref()), (Some("2030-01-01"), Some("n")));
        }
    }

    #[test]
    fn status_words_map_to_tix_statuses() {
        let cases = [
            ("Deployed", Some("in-use")),
            ("in-use", Some("in-use")),
            ("Ready to Deploy", Some("in-stock")),
            ("READY_TO_DEPLOY", Some("in-stock")),
            ("Pending", Some("in-stock")),
            ("Undeployable", Some("in-repair")),
            ("Pending Diagnostics", Some("in-repair")),
            ("Out for Repair", Some("in-repair")),
            ("Archived", Some("retired")),
            ("Broken - Not Fixable", Some("retired")),
            ("Lost/Stolen", Some("lost")),
            ("Deployed (Ada Lovelace)", Some("in-use")),
            ("", None),
            ("(", None),
            ("banana", None),
        ];
        for (word, want) in cases {
            assert_eq!(map_status(word), want, "{word}");
        }
    }

    #[test]
    fn utf16_files_are_rejected_with_a_hint() {
        let e = parse_err(b"\xFF\xFEA\0s\0");
        assert!(e.message.contains("UTF-16"), "{e}");
    }

    #[test]
    fn errors_display_as_file_line_message() {
        let e = RowError { file: "a.csv".into(), line: 7, message: "column 'Notes': not valid UTF-8".into() };
        assert_eq!(e.to_string(), "a.csv:7: column 'Notes': not valid UTF-8");
    }

    /// Properties that hold for any input that does not panic.
    fn check_invariants(bytes: &[u8]) {
        let physical_lines = Lines::new(bytes).starts.len() as u64;
        match parse_assets_csv(bytes, "p.csv") {
            Ok(p) => {
                assert!(p.rows.windows(2).all(|w| w[0].line < w[1].line));
                for line in p.rows.iter().map(|r| r.line).chain(p.errors.iter().map(|e| e.line)) {
                    assert!((1..=physical_lines).contains(&line), "line {line} of {physical_lines}");
                }
                assert!(p.errors.iter().all(|e| e.file == "p.csv"));
                assert!(p.rows.iter().all(|r| !r.tag.is_empty() && r.tag.trim() == r.tag));
                // No record disappears silently: each non-blank one is a row or has an error.
                let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
                let (start, sep) = excel_sep_line(text);
                let delim = sep.unwrap_or_else(|| sniff_delimiter(&text[start..]));
                let mut rdr =
                    ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delim).from_reader(&text[start..]);
                let records = rdr
                    .byte_records()
                    .skip(1)
                    .filter(|r| r.as_ref().unwrap().iter().any(|f| !f.trim_ascii().is_empty()))
                    .count();
                let mut bad: Vec<u64> = p.errors.iter().map(|e| e.line).collect();
                bad.dedup();
                assert_eq!(p.rows.len() + bad.len(), records, "{p:?}");
            }
            Err(e) => assert!((1..=physical_lines).contains(&e.line), "{e}"),
        }
    }

    fn interesting_byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            3 => prop::sample::select(vec![b'"', b',', b';', b'\t', b'\r', b'\n', b' ', b'/', b'.', b'-', b'0', b'9']),
            1 => prop::sample::select(vec![0x00, 0x80, 0xC3, 0xE9, 0xEF, 0xBB, 0xBF, 0xFE, 0xFF]),
            1 => any::<u8>(),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn random_bytes_never_panic(bytes in prop::collection::vec(interesting_byte(), 0..400)) {
            check_invariants(&bytes);
        }

        #[test]
        fn random_bytes_after_a_valid_header_never_panic(bytes in prop::collection::vec(interesting_byte(), 0..400)) {
            let mut data = b"Asset Tag,Hostname,Purchase Date,Warranty,First Name,Last Name,,Notes\n".to_vec();
            data.extend(bytes);
            check_invariants(&data);
        }

        #[test]
        fn mutated_fixtures_never_panic(
            which in 0..3usize,
            edits in prop::collection::vec((any::<prop::sample::Index>(), 0..4u8, interesting_byte()), 1..10),
        ) {
            let base = [fixture!("snipeit-like.csv"), fixture!("endings-crlf.csv"), fixture!("dates.csv")][which];
            let mut data = base.to_vec();
            for (at, op, byte) in edits {
                let i = at.index(data.len() + 1);
                match op {
                    0 => data.insert(i, byte),
                    1 if i < data.len() => data[i] = byte,
                    2 if i < data.len() => {
                        data.remove(i);
                    }
                    _ => {
                        let chunk: Vec<u8> = data[i..].iter().take(40).copied().collect();
                        data.splice(i..i, chunk);
                    }
                }
            }
            check_invariants(&data);
        }
    }
}
