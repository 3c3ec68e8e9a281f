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
use csv::ByteRecord;

use super::csv_read::{Event, for_each_record, is_eol};
pub use super::csv_read::{MAX_FIELD_BYTES, RowError};

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

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ParsedAssets {
    pub rows: Vec<AssetRow>,
    /// Bad rows (the caller decides: all-or-nothing unless --skip-bad).
    pub errors: Vec<RowError>,
    /// Header names that were not mapped (for the report), once each.
    pub ignored_columns: Vec<String>,
    /// Read, but worth a look: a duplicate column left out, a value read as Windows-1252.
    pub warnings: Vec<RowError>,
}

/// The fields a column can feed (`--map FROM=TO` names them as [`Target::NAMES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
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

impl Target {
    /// The names `--map` takes, as the export's columns are named.
    pub const NAMES: &'static [(&'static str, Target)] = &[
        ("tag", Target::Tag),
        ("hostname", Target::Hostname),
        ("serial", Target::Serial),
        ("model", Target::Model),
        ("manufacturer", Target::Manufacturer),
        ("category", Target::Category),
        ("status", Target::Status),
        ("assigned_to", Target::HolderName),
        ("email", Target::HolderEmail),
        ("location", Target::Location),
        ("ip", Target::Ip),
        ("mac", Target::Mac),
        ("purchase_date", Target::PurchaseDate),
        ("warranty_end", Target::WarrantyEnd),
        ("warranty_months", Target::WarrantyMonths),
        ("notes", Target::Notes),
    ];

    pub fn parse(name: &str) -> Result<Target, String> {
        let n = normalize(name);
        Target::NAMES.iter().find(|(t, _)| normalize(t) == n).map(|(_, t)| *t).ok_or_else(|| {
            format!(
                "unknown field '{name}' (expected one of: {})",
                Target::NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            )
        })
    }
}

/// How to read a file (`tix asset import` flags).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--map FROM=TO`: a column read as a field, before the default names.
    pub map: Vec<(String, Target)>,
    /// `--skip-bad`: of two columns with the same name, the first is used (with a warning)
    /// instead of refusing the file.
    pub first_duplicate_wins: bool,
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
    /// Header warnings (a duplicate column left out).
    warnings: Vec<String>,
    /// Warnings of the row being read (values read as Windows-1252), drained per row.
    row_warnings: std::cell::RefCell<Vec<String>>,
}

impl Layout {
    /// Map the header record; `Err` carries the message of a whole-file error.
    fn new(header: &ByteRecord, delim: u8, opts: &Options) -> Result<Layout, String> {
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
            // `--map` first (rank 0), then the default names (rank 1 and up).
            if let Some((_, target)) = opts.map.iter().find(|(from, _)| normalize(from) == norm) {
                candidates.push((col, *target, 0, Part::Whole));
                continue;
            }
            match ALIASES.iter().find(|a| a.0 == norm) {
                Some(&(_, target, rank, part)) => candidates.push((col, target, rank + 1, part)),
                None => ignored.push(col),
            }
        }
        let mut sel = [None; TARGETS];
        let mut duplicates = Vec::new();
        let mut warnings = Vec::new();
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
                    if opts.first_duplicate_wins {
                        warnings.push(format!(
                            "column '{}' appears {how} (columns {}): column {} is used, the others are left out",
                            names[cols[0]],
                            join_and(&positions),
                            cols[0] + 1
                        ));
                    } else {
                        duplicates.push(format!(
                            "column '{}' appears {how} (columns {}); remove or rename all but one, \
                             --map one of them, or --skip-bad to use the first",
                            names[cols[0]],
                            join_and(&positions)
                        ));
                    }
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
        Ok(Layout { names, sel, ignored, delim, warnings, row_warnings: Default::default() })
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

    /// The trimmed text of a column, `None` if empty, absent or too long (reported by
    /// `check_fields`). Text that is not UTF-8 is read as Windows-1252, with a warning.
    fn text(&self, rec: &ByteRecord, col: Option<usize>, _problems: &mut Vec<String>) -> Option<String> {
        let raw = rec.get(col?)?;
        if raw.len() > MAX_FIELD_BYTES {
            return None;
        }
        match std::str::from_utf8(raw) {
            Ok(s) => Some(s.trim())
                .filter(|s| !s.is_empty())
                .map(|s| if s.contains('\r') { s.replace("\r\n", "\n").replace('\r', "\n") } else { s.to_string() }),
            Err(e) => {
                // As e-mail intake does: text that is not UTF-8 is read as Windows-1252.
                let at = e.valid_up_to();
                let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(raw);
                self.row_warnings.borrow_mut().push(format!(
                    "{}: not valid UTF-8 (byte 0x{:02X} at offset {at}); read as Windows-1252: '{}'",
                    self.column(col?),
                    raw[at],
                    text.trim()
                ));
                Some(text.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .map(|s| s.replace("\r\n", "\n").replace('\r', "\n"))
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

/// [`parse_assets_csv_with`] the default options.
pub fn parse_assets_csv(bytes: &[u8], file: &str) -> Result<ParsedAssets, RowError> {
    parse_assets_csv_with(bytes, file, &Options::default())
}

/// Parse the whole file. Returns Err only for problems that make the whole file unusable
/// (UTF-16, an unterminated quote, no tag column, a used column named twice); everything else
/// is a row error in [`ParsedAssets::errors`]. An empty file is `Ok` with no rows.
pub fn parse_assets_csv_with(bytes: &[u8], file: &str, opts: &Options) -> Result<ParsedAssets, RowError> {
    let fail = |line: u64, message: String| RowError { file: file.to_string(), line, message };
    let mut layout: Option<Layout> = None;
    let mut out = ParsedAssets::default();
    let mut tags = HashMap::new();
    for_each_record(bytes, file, |event| {
        match event {
            Event::Header { rec, delim, .. } => {
                let l = Layout::new(rec, delim, opts)?;
                out.ignored_columns = l.ignored.clone();
                out.warnings.extend(l.warnings.iter().map(|w| fail(1, w.clone())));
                layout = Some(l);
            }
            Event::Ragged { line, message } => out.errors.push(fail(line, message)),
            Event::Row { rec, line, spans } => {
                let layout = layout.as_ref().expect("the header comes first");
                let row = layout.row(rec, line, spans, &mut tags);
                let warnings = std::mem::take(&mut *layout.row_warnings.borrow_mut());
                match row {
                    Ok(row) => {
                        out.warnings.extend(warnings.into_iter().map(|m| fail(line, m)));
                        out.rows.push(row);
                    }
                    Err(problems) => out.errors.extend(problems.into_iter().map(|m| fail(line, m))),
                }
            }
        }
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
#[path = "assets_tests.rs"]
mod tests;
