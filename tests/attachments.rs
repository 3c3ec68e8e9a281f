//! `tix attachment list|save`: what came with a ticket's e-mail, listed and saved
//! safely (hostile names neutralised, nothing overwritten, nothing outside the directory).

mod common;

use common::Tix;

const MAIL: &str = "From: Jane Doe <jane@example.com>\r\n\
To: helpdesk@example.com\r\n\
Subject: Printer log attached\r\n\
Message-ID: <att-1@example.com>\r\n\
Date: Fri, 20 Nov 2026 09:00:00 +0000\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\
\r\n\
--b\r\n\
Content-Type: text/plain\r\n\
\r\n\
The printer log is attached.\r\n\
--b\r\n\
Content-Type: text/plain; name=\"../../evil.txt\"\r\n\
Content-Disposition: attachment; filename=\"../../evil.txt\"\r\n\
\r\n\
Error 13.B2 at 09:14\r\n\
--b\r\n\
Content-Type: application/octet-stream; name=\"dump.bin\"\r\n\
Content-Disposition: attachment; filename=\"dump.bin\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
AAECAwQF\r\n\
--b--\r\n";

fn desk() -> Tix {
    let t = Tix::new();
    std::fs::write(t.path("mail.eml"), MAIL).unwrap();
    let r = t.json(&["ingest", "email", t.path("mail.eml").to_str().unwrap()]);
    assert_eq!(r["created"], 1, "{r}");
    t
}

#[test]
fn attachments_are_listed_and_saved_without_leaving_the_directory_or_overwriting() {
    let t = desk();
    let listed = t.json(&["attachment", "list", "1"]);
    let a = listed["attachments"].as_array().unwrap();
    assert_eq!(a.len(), 2, "{listed}");
    assert_eq!((a[0]["id"].as_u64(), a[0]["name"].as_str()), (Some(1), Some("../../evil.txt")));
    assert_eq!((a[1]["name"].as_str(), a[1]["stored"].as_bool()), (Some("dump.bin"), Some(true)));
    let human = t.ok(&["attachment", "list", "1"]);
    assert!(human.contains("evil.txt") && human.contains("dump.bin"), "{human}");

    // Into a directory: the name is neutralised and stays inside it.
    let out = t.path("out");
    std::fs::create_dir(&out).unwrap();
    let saved = t.json(&["attachment", "save", "1", "1", out.to_str().unwrap()]);
    let p = std::path::PathBuf::from(saved["path"].as_str().unwrap());
    assert_eq!(p, out.join("_._.._evil.txt"));
    assert_eq!(std::fs::read_to_string(&p).unwrap().trim_end(), "Error 13.B2 at 09:14");
    assert!(!t.path("evil.txt").exists() && !t.dir.path().parent().unwrap().join("evil.txt").exists());
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
    // Never overwritten.
    let (_, err) = t.fails(&["attachment", "save", "1", "1", out.to_str().unwrap()], 1);
    assert!(err.contains("exists; not overwritten"), "{err}");
    // By name and by hash prefix, to a file path.
    t.ok(&["attachment", "save", "1", "dump.bin", t.path("d.bin").to_str().unwrap()]);
    assert_eq!(std::fs::read(t.path("d.bin")).unwrap(), [0, 1, 2, 3, 4, 5]);
    let hash = a[1]["hash"].as_str().unwrap()[..8].to_string();
    t.ok(&["attachment", "save", "1", &hash, t.path("e.bin").to_str().unwrap()]);
    assert_eq!(std::fs::read(t.path("e.bin")).unwrap(), [0, 1, 2, 3, 4, 5]);
    // Unknown attachment: not found; unknown ticket: not found.
    let (_, err) = t.fails(&["attachment", "save", "1", "nope.pdf"], 3);
    assert!(err.contains("no attachment \"nope.pdf\""), "{err}");
    t.fails(&["attachment", "list", "99"], 3);
}
