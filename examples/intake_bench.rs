//! Intake and export benchmark: runs the release `tix` binary as a child process and
//! reports wall time and peak memory (VmHWM) of each run.
//!
//! ```sh
//! cargo build --release && cargo run --release --example intake_bench -- \
//!     [--messages 10000] [--rows 100000] [--big-db /path/to/1m-tickets.db]
//! ```
//!
//! 1. ingest a maildir of `--messages` generated messages (new requests from 2,000
//!    senders, replies by In-Reply-To and by subject tag, auto-replies, attachments);
//! 2. import a `--rows`-row CSV of tickets into a fresh store;
//! 3. export every ticket as CSV to /dev/null: from the store of step 2, and from
//!    `--big-db` (a copy is exported, so the file itself is not migrated) when given.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let messages: usize = arg("--messages").map(|v| v.parse().unwrap()).unwrap_or(10_000);
    let rows: usize = arg("--rows").map(|v| v.parse().unwrap()).unwrap_or(100_000);
    let big = arg("--big-db").map(PathBuf::from);
    let exe = std::env::current_exe().unwrap();
    let tix = exe.parent().unwrap().parent().unwrap().join("tix");
    assert!(tix.exists(), "build the binary first: cargo build --release ({} missing)", tix.display());
    let dir = tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| "/tmp".into())).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[intake]\nmax_per_sender_per_hour = 1000\n").unwrap();

    // 1. Mail.
    let db = dir.path().join("mail.db");
    run(&tix, &config, &db, &["init"], None);
    let md = dir.path().join("Maildir");
    let n = write_maildir(&md, messages);
    let (t, rss, out) = run(&tix, &config, &db, &["--json", "ingest", "maildir", md.to_str().unwrap()], None);
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    println!(
        "ingest maildir: {n} messages in {:.2} s ({:.0}/s), peak {} MiB — created {}, replies {}, skipped {}",
        t.as_secs_f64(),
        n as f64 / t.as_secs_f64(),
        rss / 1024,
        r["created"],
        r["updated"],
        r["skipped"]
    );

    // 2. CSV rows.
    let db2 = dir.path().join("import.db");
    run(&tix, &config, &db2, &["init"], None);
    let csv = dir.path().join("tickets.csv");
    write_csv(&csv, rows);
    let (t, rss, out) = run(&tix, &config, &db2, &["--json", "import", "tickets", csv.to_str().unwrap()], None);
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    println!(
        "import tickets: {rows} CSV rows in {:.2} s ({:.0}/s), peak {} MiB — created {}",
        t.as_secs_f64(),
        rows as f64 / t.as_secs_f64(),
        rss / 1024,
        r["created"]
    );

    // 3. Export.
    let (t, rss, _) = run(&tix, &config, &db2, &["export", "tickets", "--format", "csv"], Some("/dev/null"));
    println!("export tickets: {rows} tickets as CSV in {:.2} s, peak {} MiB", t.as_secs_f64(), rss / 1024);
    if let Some(big) = big {
        let copy = dir.path().join("big.db");
        let c = Instant::now();
        std::fs::copy(&big, &copy).unwrap();
        println!("(copied {} in {:.0} s)", big.display(), c.elapsed().as_secs_f64());
        // The first open migrates an old store; time the export on its own.
        run(&tix, &config, &copy, &["store", "info"], None);
        let count: serde_json::Value =
            serde_json::from_str(&run(&tix, &config, &copy, &["--json", "store", "info"], None).2).unwrap();
        for format in ["csv", "jsonl"] {
            let (t, rss, _) = run(&tix, &config, &copy, &["export", "tickets", "--format", format], Some("/dev/null"));
            println!(
                "export tickets: {} tickets as {format} in {:.2} s, peak {} MiB",
                count["tickets"],
                t.as_secs_f64(),
                rss / 1024
            );
        }
    }
}

/// Run tix; returns wall time, peak RSS in KiB (VmHWM, sampled until exit) and stdout.
fn run(tix: &Path, config: &Path, db: &Path, args: &[&str], stdout_to: Option<&str>) -> (Duration, u64, String) {
    let mut cmd = Command::new(tix);
    cmd.arg("--db").arg(db).arg("--as").arg("bench").args(args).env("TIX_CONFIG", config);
    cmd.stdout(match stdout_to {
        Some(p) => Stdio::from(std::fs::File::create(p).unwrap()),
        None => Stdio::piped(),
    });
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    let reader = child.stdout.take().map(|mut s| {
        std::thread::spawn(move || {
            let mut out = String::new();
            std::io::Read::read_to_string(&mut s, &mut out).unwrap();
            out
        })
    });
    loop {
        if let Ok(s) = std::fs::read_to_string(&status)
            && let Some(l) = s.lines().find(|l| l.starts_with("VmHWM:"))
        {
            peak = peak.max(l.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0));
        }
        if let Some(st) = child.try_wait().unwrap() {
            assert!(st.success() || st.code() == Some(1), "tix {args:?}: {st}");
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let elapsed = start.elapsed();
    let out = reader.map(|h| h.join().unwrap()).unwrap_or_default();
    (elapsed, peak, out)
}

fn write_maildir(md: &Path, n: usize) -> usize {
    for d in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(md.join(d)).unwrap();
    }
    let mut state = 0x2545F4914F6CDD1Du64;
    let mut rnd = move |m: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % m as u64) as usize
    };
    let words = [
        "printer", "vpn", "laptop", "password", "outlook", "monitor", "wifi", "badge", "teams", "docking", "scanner",
        "license", "phone", "share", "backup",
    ];
    for i in 0..n {
        let sender = rnd(2000);
        let (subject, extra) = match rnd(100) {
            0..=64 => (format!("{} {} not working", words[rnd(words.len())], words[rnd(words.len())]), String::new()),
            65..=84 if i > 0 => {
                let earlier = rnd(i);
                (format!("Re: earlier {earlier}"), format!("In-Reply-To: <m{earlier}@bench.example>\n"))
            }
            85..=89 => (format!("RE: [#{}] still broken", 1 + rnd(i.max(1))), String::new()),
            90..=94 => ("Automatic reply: away".to_string(), "Auto-Submitted: auto-replied\n".to_string()),
            _ => ("Screenshot attached".to_string(), String::new()),
        };
        let body = format!(
            "Hello desk,\n\nMy {} stopped working this morning after the update. I tried restarting it.\n\nThanks, user {sender}\n",
            words[rnd(words.len())]
        );
        let msg = if subject == "Screenshot attached" {
            format!(
                "From: User {sender} <user{sender}@bench.example>\nSubject: {subject}\nMessage-ID: <m{i}@bench.example>\n{extra}MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\n{body}\n--b\nContent-Type: image/png; name=shot.png\nContent-Transfer-Encoding: base64\n\n{}\n--b--\n",
                "iVBORw0KGgoAAAANSUhEUgAAABsAAAAbCAMAAAC6CgRnAAADAFBMVEX".repeat(40)
            )
        } else {
            format!(
                "From: User {sender} <user{sender}@bench.example>\nSubject: {subject}\nMessage-ID: <m{i}@bench.example>\n{extra}Content-Type: text/plain; charset=utf-8\n\n{body}"
            )
        };
        std::fs::write(md.join("new").join(format!("{:010}.{i}.bench", 1_700_000_000 + i)), msg).unwrap();
    }
    n
}

fn write_csv(path: &Path, rows: usize) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(w, "Ticket ID,Subject,Description,Status,Priority,Requester,Requester Email,Category,Team,Created,Source")
        .unwrap();
    let statuses = ["New", "Open", "Pending", "Solved", "Closed", "In Progress"];
    let prios = ["P1", "High", "3", "Low"];
    for i in 0..rows {
        let u = i % 5000;
        writeln!(
            w,
            "EXT-{i},Ticket number {i} about the {} ,\"A description, with a comma\nand a second line for row {i}\",{},{},User {u},user{u}@import.example,Hardware,desk,2024-0{}-1{} 08:30,{}",
            ["printer", "vpn", "laptop"][i % 3],
            statuses[i % statuses.len()],
            prios[i % prios.len()],
            1 + i % 9,
            i % 10,
            ["phone", "email", "web"][i % 3]
        )
        .unwrap();
    }
}
