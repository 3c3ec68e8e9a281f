//! Tests of the asset CSV import (`assets.rs`).

use super::*;
use crate::import::csv_read::{Lines, excel_sep_line, sniff_delimiter};
use csv::ReaderBuilder;
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
fn invalid_utf8_is_read_as_windows_1252_with_a_warning() {
    let p = parse(fixture!("invalid-utf8.csv"));
    assert_eq!(tags(&p), ["U-001", "U-002", "U-003"]);
    assert_eq!(p.rows[2].notes.as_deref(), Some("caf\u{e9} (valid UTF-8)"));
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    assert_eq!(p.warnings[0].line, 3);
    let w = &p.warnings[0].message;
    assert!(w.starts_with("column 'Notes': not valid UTF-8") && w.contains("read as Windows-1252"), "{w}");
    // Bad bytes in an unmapped column (Supplier, line 4) do not matter.
    assert_eq!(p.ignored_columns, ["Supplier"]);
}

#[test]
fn snipe_it_broken_sample_with_skip_bad_duplicates_and_windows_1252() {
    // A piece of Snipe-IT's assets-sample-BAD.csv: CR-only lines, 'Category' twice, bytes
    // that are not UTF-8 in Location.
    let bytes = fixture!("snipeit-bad-sample.csv");
    let e = parse_err(bytes);
    assert!(
        e.message.contains("'Category' appears twice (columns 6 and 13)") && e.message.contains("--skip-bad"),
        "{e}"
    );
    let opts = Options { first_duplicate_wins: true, ..Options::default() };
    let p = parse_assets_csv_with(bytes, "t.csv", &opts).unwrap();
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(tags(&p), ["970882174-8", "544574073-0", "666189117-3", "762391548-7"]);
    assert_eq!(p.rows[0].category.as_deref(), Some("quam"));
    assert_eq!(p.rows[2].location.as_deref(), Some("Saint-\u{cc}\u{e4}tienne"));
    let w: Vec<String> = p.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(w.len(), 3, "{w:?}");
    assert!(w[0].starts_with("t.csv:1: column 'Category' appears twice (columns 6 and 13): column 6 is used"), "{w:?}");
    assert!(w[1].starts_with("t.csv:4: column 'Location': not valid UTF-8"), "{w:?}");
    assert!(w[2].starts_with("t.csv:5: column 'Location'"), "{w:?}");
    // --map cannot tell two columns of one name apart: still refused without --skip-bad.
    let opts = Options { map: vec![("Notes".into(), Target::Model)], ..Options::default() };
    let e = parse_assets_csv_with(bytes, "t.csv", &opts).unwrap_err();
    assert!(e.message.contains("'Category' appears twice"), "{e}");
    let p = parse_assets_csv_with(
        b"Asset No,Kind\nA-1,laptop\n",
        "t.csv",
        &Options {
            map: vec![("Asset No".into(), Target::Tag), ("kind".into(), Target::Category)],
            ..Options::default()
        },
    )
    .unwrap();
    assert_eq!((tags(&p), p.rows[0].category.as_deref()), (vec!["A-1"], Some("laptop")));
    assert_eq!(Target::parse("assigned_to"), Ok(Target::HolderName));
    assert!(Target::parse("owner").unwrap_err().contains("unknown field 'owner'"));
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
    assert!(p.errors[0].message.contains("'25/12/2023' is not a date") && p.errors[0].message.contains("day first"));
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
    let p =
        parse(b"Name,Hostname,Tag,Asset Tag,Full Name,Checked Out To,Email,Checked Out To: Email\nn,h,t,at,f,c,e,ce\n");
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
    for h in ["Asset Tag", "asset_tag", "AssetTag", "ASSET-TAG", " asset tag: ", "Asset\u{a0}Tag", "\u{feff}Asset Tag"]
    {
        let csv = format!(
            "{h},Serial_Number,IP-Address,mac address,Warranty Expires,Asset Notes\nA,s,1.2.3.4,m,2030-01-01,n\n"
        );
        let p = parse(csv.as_bytes());
        assert!(p.ignored_columns.is_empty(), "{h}: {:?}", p.ignored_columns);
        let r = &p.rows[0];
        assert_eq!(r.tag, "A", "{h}");
        assert_eq!((r.serial.as_deref(), r.ip.as_deref(), r.mac.as_deref()), (Some("s"), Some("1.2.3.4"), Some("m")));
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
