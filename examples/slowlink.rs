//! Slow-link benchmark: what a technician on a slow SSH link pays. Not a test: run it
//! and read the numbers.
//!
//!     cargo build --release --bin tix
//!     cargo run --release --example slowlink -- --db /tmp/tix-bench-1m.db \
//!         [--bin target/release/tix] [--cols 120 --rows 40] [--idle 60] [--runs 5] [--filter prin]
//!
//! Runs the real `tix` binary on a pseudo-terminal (as `tests/pty.rs` does), feeds every
//! byte it writes to a VT100 parser, and timestamps each read. It measures process start
//! to the first full frame, keystroke-to-frame time while typing a quick filter over the
//! "All open" view, and the bytes written per keystroke for moving the selection,
//! scrolling the queue, switching panes and opening a ticket, and while idle. The store
//! is only read: the benchmark presses no key that writes (`t`, `n`, `r`).
//!
//! How a keystroke is measured: the key is written to the terminal, then the benchmark
//! waits until the screen shows what the key should do (when that is known) and output
//! has been quiet for [`QUIET`]. Everything received meanwhile belongs to the key.
//! "Keystroke-to-frame" is the time from the write to the end of the burst of output
//! (reads less than [`FRAME_GAP`] apart) in which the expected change first appeared.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// Output quiet for this long after a key: the console has settled.
const QUIET: Duration = Duration::from_millis(150);
/// Reads closer together than this belong to the same frame.
const FRAME_GAP: Duration = Duration::from_millis(3);
/// How long to wait for an expected screen before giving up.
const TIMEOUT: Duration = Duration::from_secs(30);
/// Scrolls measured in each direction.
const SCROLLS: usize = 10;

// Key bytes as a terminal sends them.
const ESC: &[u8] = b"\x1b";
const ENTER: &[u8] = b"\r";
const TAB: &[u8] = b"\t";
const BACKTAB: &[u8] = b"\x1b[Z";

struct Settings {
    db: PathBuf,
    bin: PathBuf,
    cols: u16,
    rows: u16,
    idle: u64,
    runs: usize,
    filter: String,
}

fn settings() -> anyhow::Result<Settings> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let known = ["--db", "--bin", "--cols", "--rows", "--idle", "--runs", "--filter"];
    for pair in args.chunks(2) {
        if !known.contains(&pair[0].as_str()) || pair.len() < 2 {
            bail!(
                "usage: slowlink --db PATH [--bin PATH] [--cols 120] [--rows 40] [--idle 60] [--runs 5] [--filter prin]"
            );
        }
    }
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let num = |name: &str, default: u64| -> anyhow::Result<u64> {
        arg(name).map(|s| s.parse().with_context(|| format!("{name} {s}"))).transpose().map(|v| v.unwrap_or(default))
    };
    let db = PathBuf::from(arg("--db").context("--db PATH is required (a demo store, e.g. /tmp/tix-bench-1m.db)")?);
    if !db.exists() {
        bail!("no store at {} (build one with `tix demo --tickets 1000000` or the bench example)", db.display());
    }
    let bin = PathBuf::from(arg("--bin").unwrap_or_else(|| "target/release/tix".into()));
    let bin = std::path::absolute(&bin)?;
    if !bin.exists() {
        bail!("no binary at {} (cargo build --release --bin tix)", bin.display());
    }
    let filter = arg("--filter").unwrap_or_else(|| "prin".into());
    if filter.is_empty() || filter.contains(char::is_whitespace) {
        bail!("--filter must be one word (its characters are typed one by one)");
    }
    Ok(Settings {
        db: std::path::absolute(&db)?,
        bin,
        cols: num("--cols", 120)? as u16,
        rows: num("--rows", 40)? as u16,
        idle: num("--idle", 60)?,
        runs: num("--runs", 5)?.max(1) as usize,
        filter,
    })
}

/// One read from the terminal: when it arrived, the byte count so far, and the screen after it.
struct Chunk {
    at: Instant,
    end: usize,
    rows: Vec<String>,
}

/// Everything the console wrote, as the reader thread saw it.
#[derive(Default)]
struct Log {
    raw: Vec<u8>,
    chunks: Vec<Chunk>,
}

/// A condition on the screen, given as its rows of text.
type Cond<'a> = &'a dyn Fn(&[String]) -> bool;

/// What one key cost.
#[derive(Debug, Clone, Default)]
struct Burst {
    bytes: usize,
    /// From the write to the first and the last byte received.
    first: Option<Duration>,
    last: Option<Duration>,
    /// From the write to the end of the frame in which each expected change appeared.
    shown: Vec<Duration>,
    /// The frames (bursts of reads less than [`FRAME_GAP`] apart): when each ended, its bytes.
    frames: Vec<(Duration, usize)>,
    raw: Vec<u8>,
}

/// `tix` on a pseudo-terminal. Dropping it kills the process if it is still running.
struct Term {
    log: Arc<Mutex<Log>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
    started: Instant,
}

impl Term {
    fn spawn(s: &Settings, config_dir: &Path) -> anyhow::Result<Term> {
        let size = PtySize { rows: s.rows, cols: s.cols, pixel_width: 0, pixel_height: 0 };
        let pty = native_pty_system().openpty(size)?;
        let mut cmd = CommandBuilder::new(&s.bin);
        cmd.arg("--db");
        cmd.arg(&s.db);
        cmd.args(["--as", "dana"]);
        cmd.cwd(std::env::current_dir()?);
        cmd.env("TERM", "xterm-256color");
        cmd.env("TIX_CONFIG", config_dir.join("none.toml"));
        cmd.env_remove("NO_COLOR");
        let log = Arc::new(Mutex::new(Log::default()));
        let mut reader = pty.master.try_clone_reader()?;
        let writer = pty.master.take_writer()?;
        let (rows, cols) = (NonZeroU16::new(s.rows).context("--rows 0")?, NonZeroU16::new(s.cols).context("--cols 0")?);
        let shared = log.clone();
        let started = Instant::now();
        let child = pty.slave.spawn_command(cmd)?;
        drop(pty.slave);
        std::thread::spawn(move || {
            let mut parser = vt100::Parser::new(rows, cols, 0);
            let mut buf = [0u8; 16384];
            // Ends when the console exits and the terminal closes.
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let at = Instant::now();
                parser.process(&buf[..n]);
                let screen: Vec<String> = parser.screen().rows(0, cols.get()).collect();
                let mut log = shared.lock().unwrap();
                log.raw.extend_from_slice(&buf[..n]);
                let end = log.raw.len();
                log.chunks.push(Chunk { at, end, rows: screen });
            }
        });
        Ok(Term { log, writer, child, _master: pty.master, started })
    }

    /// (chunks, bytes) received so far.
    fn mark(&self) -> (usize, usize) {
        let log = self.log.lock().unwrap();
        (log.chunks.len(), log.raw.len())
    }

    fn screen(&self) -> Vec<String> {
        self.log.lock().unwrap().chunks.last().map(|c| c.rows.clone()).unwrap_or_default()
    }

    /// Wait until a read from `from` on leaves the screen satisfying `cond`; its index.
    fn wait_for(&mut self, from: usize, what: &str, cond: Cond) -> anyhow::Result<usize> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            {
                let log = self.log.lock().unwrap();
                if let Some(i) = (from..log.chunks.len()).find(|&i| cond(&log.chunks[i].rows)) {
                    return Ok(i);
                }
            }
            if Instant::now() > deadline {
                bail!("timed out waiting for {what}; screen:\n{}", self.screen().join("\n"));
            }
            if let Some(status) = self.child.try_wait()? {
                bail!("tix exited ({status:?}) while waiting for {what}; screen:\n{}", self.screen().join("\n"));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Wait until nothing has arrived for [`QUIET`] (and at least that long since `since`).
    fn wait_quiet(&self, since: Instant) {
        loop {
            let last = self.log.lock().unwrap().chunks.last().map(|c| c.at).unwrap_or(since).max(since);
            let quiet = last.elapsed();
            if quiet >= QUIET {
                return;
            }
            std::thread::sleep(QUIET - quiet);
        }
    }

    /// Write `keys` as typed; when.
    fn send(&mut self, keys: &[u8]) -> anyhow::Result<Instant> {
        self.writer.write_all(keys)?;
        self.writer.flush()?;
        Ok(Instant::now())
    }

    /// Send `keys`, wait until the screen has shown each expected change (`expect`: what,
    /// condition) and output is quiet; what the console wrote meanwhile.
    fn press(&mut self, keys: &[u8], expect: &[(&str, Cond)]) -> anyhow::Result<Burst> {
        let (from, start) = self.mark();
        let sent = self.send(keys)?;
        let mut hits = Vec::new();
        for (what, cond) in expect {
            hits.push(self.wait_for(from, what, *cond)?);
        }
        self.wait_quiet(sent);
        let log = self.log.lock().unwrap();
        let chunks = &log.chunks[from..];
        let since = |c: &Chunk| c.at.saturating_duration_since(sent);
        Ok(Burst {
            bytes: log.raw.len() - start,
            first: chunks.first().map(since),
            last: chunks.last().map(since),
            shown: hits.iter().map(|&i| frame_end(&log.chunks, i).saturating_duration_since(sent)).collect(),
            frames: frames(chunks, start).into_iter().map(|(at, n)| (at.saturating_duration_since(sent), n)).collect(),
            raw: log.raw[start..].to_vec(),
        })
    }

    /// `q`, and wait for the process to end.
    fn quit(mut self) -> anyhow::Result<()> {
        self.writer.write_all(b"q")?;
        self.writer.flush()?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                bail!("tix did not quit on q");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(())
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// When the frame containing read `i` ended: follow reads less than [`FRAME_GAP`] apart.
fn frame_end(chunks: &[Chunk], mut i: usize) -> Instant {
    while i + 1 < chunks.len() && chunks[i + 1].at.saturating_duration_since(chunks[i].at) < FRAME_GAP {
        i += 1;
    }
    chunks[i].at
}

/// Reads grouped into frames: when each frame ended, and its bytes. `start` is the byte
/// count before the first read.
fn frames(chunks: &[Chunk], start: usize) -> Vec<(Instant, usize)> {
    let mut out: Vec<(Instant, usize)> = Vec::new();
    let mut prev = (None::<Instant>, start);
    for c in chunks {
        let n = c.end - prev.1;
        match (out.last_mut(), prev.0) {
            (Some(f), Some(at)) if c.at.saturating_duration_since(at) < FRAME_GAP => *f = (c.at, f.1 + n),
            _ => out.push((c.at, n)),
        }
        prev = (Some(c.at), c.end);
    }
    out
}

// ---- What the screen shows ------------------------------------------------------------

/// The queue table is drawn (its header) and the title line shows a count ("… · 1 of 98,490").
fn queue_ready(rows: &[String]) -> bool {
    header_row(rows).is_some() && rows.first().is_some_and(|t| t.contains(" of "))
}

fn header_row(rows: &[String]) -> Option<usize> {
    rows.iter().position(|r| r.contains("NUMBER") && r.contains("TITLE"))
}

/// The selected row's number (1-based) from the title line.
fn selection(rows: &[String]) -> Option<u64> {
    let title = rows.first()?;
    let before = &title[..title.find(" of ")?];
    before.rsplit(' ').next()?.replace(',', "").parse().ok()
}

/// The first ticket row under the table header: changes when the list scrolls.
fn first_row(rows: &[String]) -> Option<String> {
    header_row(rows).and_then(|h| rows.get(h + 1)).map(|r| r.trim().to_string())
}

// ---- Numbers --------------------------------------------------------------------------

fn median<T: Ord + Copy>(v: &[T]) -> Option<T> {
    let mut v = v.to_vec();
    v.sort();
    v.get(v.len() / 2).copied()
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn opt_ms(d: Option<Duration>) -> String {
    d.map(ms).unwrap_or_else(|| "–".into())
}

/// 12345 → "12,345", as the console prints counts.
fn grouped(n: usize) -> String {
    tix::domain::text::thousands(n as u64)
}

/// Where a burst's bytes went: per screen row (0 = the title line), by following the
/// cursor-position sequences (`CSI row;col H`); bytes before the first one are `None`.
/// Also how many bytes were escape sequences rather than text.
fn by_row(raw: &[u8]) -> (BTreeMap<Option<u16>, usize>, usize) {
    let mut rows = BTreeMap::new();
    let (mut row, mut escapes, mut i) = (None, 0, 0);
    while i < raw.len() {
        let start = i;
        if raw[i] == 0x1b && raw.get(i + 1) == Some(&b'[') {
            // CSI: parameters, then a final byte in 0x40..=0x7e.
            i += 2;
            while i < raw.len() && !(0x40..=0x7e).contains(&raw[i]) {
                i += 1;
            }
            if raw.get(i) == Some(&b'H') {
                let params = String::from_utf8_lossy(&raw[start + 2..i]);
                let r = params.split(';').next().and_then(|r| r.parse::<u16>().ok()).unwrap_or(1);
                row = Some(r.saturating_sub(1));
            }
            i += 1;
            escapes += i.min(raw.len()) - start;
        } else if raw[i] == 0x1b {
            i += 2;
            escapes += i.min(raw.len()) - start;
        } else {
            i += 1;
        }
        *rows.entry(row).or_insert(0) += i.min(raw.len()) - start;
    }
    (rows, escapes)
}

fn describe_rows(raw: &[u8]) -> String {
    if raw.is_empty() {
        return "nothing written".into();
    }
    let (rows, escapes) = by_row(raw);
    let touched = rows.keys().filter(|r| r.is_some()).count();
    let list: Vec<String> = rows
        .iter()
        .map(|(r, n)| match r {
            Some(r) => format!("{r}:{n}"),
            None => format!("pre:{n}"),
        })
        .collect();
    format!(
        "{} B, {touched} rows touched, {} B escape sequences / {} B text; row:bytes {}",
        grouped(raw.len()),
        grouped(escapes),
        grouped(raw.len() - escapes),
        list.join(" ")
    )
}

/// A byte metric measured over several keystrokes.
struct Bytes {
    name: String,
    presses: Vec<Burst>,
}

impl Bytes {
    fn new(name: &str) -> Self {
        Bytes { name: name.into(), presses: vec![] }
    }

    fn median(&self) -> Option<usize> {
        median(&self.presses.iter().map(|b| b.bytes).collect::<Vec<_>>())
    }

    /// "412 B (median of 5, 398–420)", or "n/a (no output)".
    fn measured(&self) -> String {
        let Some(m) = self.median() else { return "n/a (not measured)".into() };
        if m == 0 {
            return "n/a (no output)".into();
        }
        let all: Vec<usize> = self.presses.iter().map(|b| b.bytes).collect();
        let (lo, hi) = (all.iter().min().copied().unwrap_or(0), all.iter().max().copied().unwrap_or(0));
        match all.len() {
            1 => format!("{} B", grouped(m)),
            n if lo == hi => format!("{} B (each of {n})", grouped(m)),
            n => format!("{} B (median of {n}; {}–{})", grouped(m), grouped(lo), grouped(hi)),
        }
    }

    /// A press with the median byte count: where its bytes went, and how long it took.
    fn detail(&self) -> String {
        let Some(m) = self.median() else { return format!("{}: not measured", self.name) };
        if m == 0 {
            return format!("{}: nothing written", self.name);
        }
        let b = self.presses.iter().find(|b| b.bytes == m).expect("the median is one of them");
        let first = median(&self.presses.iter().filter_map(|b| b.first).collect::<Vec<_>>());
        let last = median(&self.presses.iter().filter_map(|b| b.last).collect::<Vec<_>>());
        let frames: Vec<String> = b.frames.iter().map(|(at, n)| format!("{} B at {}", grouped(*n), ms(*at))).collect();
        format!(
            "{}: {}; {} frame(s): {}; first byte after {}, last after {} (medians)",
            self.name,
            describe_rows(&b.raw),
            b.frames.len(),
            frames.join(", "),
            opt_ms(first),
            opt_ms(last)
        )
    }
}

struct Row {
    metric: String,
    measured: String,
    target: String,
    result: String,
}

fn verdict(ok: Option<bool>) -> String {
    match ok {
        Some(true) => "met".into(),
        Some(false) => "**not met**".into(),
        None => "–".into(),
    }
}

fn bytes_row(b: &Bytes, limit: Option<usize>) -> Row {
    let m = b.median().filter(|&m| m > 0);
    Row {
        metric: b.name.clone(),
        measured: b.measured(),
        target: limit.map(|l| format!("≤ {} B", grouped(l))).unwrap_or_else(|| "–".into()),
        result: verdict(limit.and_then(|l| m.map(|m| m <= l))),
    }
}

// ---- The benchmark --------------------------------------------------------------------

fn main() -> anyhow::Result<()> {
    let s = settings()?;
    let t_all = Instant::now();
    let dir = tempfile::tempdir()?; // TIX_CONFIG points at a file that does not exist: the defaults.
    let size = std::fs::metadata(&s.db)?.len();
    eprintln!(
        "slowlink: {} on {} ({:.2} GB) at {}×{}",
        s.bin.display(),
        s.db.display(),
        size as f64 / 1e9,
        s.cols,
        s.rows
    );

    // 1. Process start to the first full frame, fresh process each run.
    let mut starts = Vec::new();
    let mut first_bytes = Vec::new();
    let mut first_byte_at = Vec::new();
    for run in 0..s.runs {
        let mut t = Term::spawn(&s, dir.path())?;
        let i = t.wait_for(0, "the first full frame", &queue_ready)?;
        let (end, bytes) = {
            let log = t.log.lock().unwrap();
            let end = frame_end(&log.chunks, i);
            let bytes = log.chunks.iter().take_while(|c| c.at <= end).last().map(|c| c.end).unwrap_or(0);
            first_byte_at.push(log.chunks[0].at - t.started);
            (end, bytes)
        };
        starts.push(end - t.started);
        first_bytes.push(bytes);
        eprintln!("  start {}: first full frame after {}, {} B", run + 1, ms(end - t.started), grouped(bytes));
        t.wait_quiet(end);
        t.quit()?;
    }

    // One session for the rest.
    let mut t = Term::spawn(&s, dir.path())?;
    t.wait_for(0, "the first full frame", &queue_ready)?;
    t.wait_quiet(t.started);

    // 2. The "All open" view (the whole backlog), then the quick filter typed over it.
    for _ in 0..3 {
        if t.screen().first().is_some_and(|r| r.contains("All open ·")) {
            break;
        }
        t.press(b"]", &[("the next view", &queue_ready)])?;
    }
    let title = t.screen().first().cloned().unwrap_or_default();
    if !title.contains("All open ·") {
        bail!("could not reach the All open view; title: {title}");
    }
    let backlog = title.rsplit(" of ").next().unwrap_or("?").trim().to_string();
    eprintln!("  view: {}", title.trim());
    let prompt_open = |r: &[String]| r.last().is_some_and(|l| l.starts_with('/'));
    let open = t.press(b"/", &[("the filter prompt", &prompt_open)])?;
    let mut filter = Bytes::new("filter keystroke (echo and results frames)");
    let (mut echo, mut narrowed, mut results) = (Vec::new(), Vec::new(), Vec::new());
    let mut typed = String::new();
    let mut matches = String::new();
    for c in s.filter.chars() {
        typed.push(c);
        // The prompt line shows what was typed; the title shows the count for it.
        let prompt = format!("/{typed}");
        let echoed =
            |r: &[String]| r.last().is_some_and(|l| l.trim_end() == prompt || l.starts_with(&format!("{prompt} ")));
        let in_title = format!("/{typed} · ");
        // The console first narrows the rows it holds (title "… of N+ …"), then shows the
        // store's answer (no trailing busy mark).
        let shown = |r: &[String]| r.first().is_some_and(|t| t.contains(&in_title) && !t.contains("loading"));
        let counted = |r: &[String]| shown(r) && r.first().is_some_and(|t| !t.trim_end().ends_with('…'));
        let b = t.press(
            c.to_string().as_bytes(),
            &[("the echo", &echoed), ("the narrowed rows", &shown), ("the store's results", &counted)],
        )?;
        echo.push(b.shown[0]);
        narrowed.push(b.shown[1]);
        results.push(b.shown[2]);
        matches = t.screen().first().map(|r| r.trim().to_string()).unwrap_or_default();
        eprintln!(
            "  typed {prompt:?}: echo {}, results {}, {} B: {matches}",
            ms(b.shown[0]),
            ms(b.shown[2]),
            grouped(b.bytes)
        );
        filter.presses.push(b);
    }
    let cleared =
        |r: &[String]| queue_ready(r) && r.first().is_some_and(|t| t.contains("All open ·") && !t.contains('/'));
    let clear = t.press(ESC, &[("the filter cleared", &cleared)])?;

    // The same filter typed at a typist's pace (10 keys/s) without waiting for results: from
    // the last key to the frame with the final count.
    t.press(b"/", &[("the filter prompt", &prompt_open)])?;
    let (from, _) = t.mark();
    let mut last_key = Instant::now();
    for c in s.filter.chars() {
        last_key = t.send(c.to_string().as_bytes())?;
        std::thread::sleep(Duration::from_millis(100));
    }
    let in_title = format!("/{} · ", s.filter);
    let counted = |r: &[String]| {
        r.first().is_some_and(|t| t.contains(&in_title) && !t.contains("loading") && !t.trim_end().ends_with('…'))
    };
    let i = t.wait_for(from, "the final filter results", &counted)?;
    let paced = frame_end(&t.log.lock().unwrap().chunks, i).saturating_duration_since(last_key);
    eprintln!("  typed {:?} at 10 keys/s: final count {} after the last key", s.filter, ms(paced));
    t.wait_quiet(Instant::now());
    t.press(ESC, &[("the filter cleared", &cleared)])?;

    // 3. The selection down the page, then past its bottom (the list scrolls), then back up
    //    past its top. A press is a scroll when the first row under the header changes.
    let mut moves = Bytes::new("selection move one row (j/k, no scroll)");
    let mut down = Bytes::new("scroll the queue one row down (j)");
    let mut up = Bytes::new("scroll the queue one row up (k)");
    for (key, step, scrolls) in [(b"j", 1i64, &mut down), (b"k", -1i64, &mut up)] {
        for _ in 0..s.rows as usize * 3 {
            let screen = t.screen();
            let sel = selection(&screen).context("no selection in the title")?;
            if scrolls.presses.len() == SCROLLS || (sel == 1 && step < 0) {
                break;
            }
            let want = format!(" {} of ", sel as i64 + step);
            let moved = |r: &[String]| r.first().is_some_and(|t| t.contains(&want));
            let top = first_row(&screen);
            let b = t.press(key, &[("the selection to move", &moved)])?;
            if first_row(&t.screen()) == top { moves.presses.push(b) } else { scrolls.presses.push(b) }
        }
    }

    // 4. Opening a ticket and going back.
    let mut opened = Bytes::new("open a ticket (Enter)");
    let ticket = |r: &[String]| r.iter().any(|l| l.contains("Timeline"));
    opened.presses.push(t.press(ENTER, &[("the ticket", &ticket)])?);
    let mut back = Bytes::new("back to the queue (Esc)");
    back.presses.push(t.press(ESC, &[("the queue", &queue_ready)])?);

    // 5. Switching panes, where the binary has panes: Tab and shift-Tab, then 2 and 1.
    //    A key that does nothing here writes nothing and is reported as such.
    let mut panes = Vec::new();
    let keys: [(&[u8], &str); 4] = [
        (TAB, "switch pane (Tab)"),
        (BACKTAB, "switch back (shift-Tab)"),
        (b"2", "switch pane (2)"),
        (b"1", "switch back (1)"),
    ];
    for (key, name) in keys {
        let mut b = Bytes::new(name);
        b.presses.push(t.press(key, &[])?);
        panes.push(b);
    }

    // 6. Idle: every read during the wait, with its size and time.
    t.wait_quiet(Instant::now());
    let (from, start) = t.mark();
    let idle_start = Instant::now();
    std::thread::sleep(Duration::from_secs(s.idle));
    let (idle_raw, idle_reads) = {
        let log = t.log.lock().unwrap();
        let mut prev = start;
        let reads: Vec<String> = log.chunks[from..]
            .iter()
            .map(|c| {
                let n = c.end - prev;
                prev = c.end;
                format!("{n} B after {:.1} s", c.at.saturating_duration_since(idle_start).as_secs_f64())
            })
            .collect();
        (log.raw[start..].to_vec(), reads)
    };
    let idle_bytes = idle_raw.len();
    t.quit()?;

    // ---- Report ----
    let cmd = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    let start_med = median(&starts).unwrap_or_default();
    let start_max = starts.iter().max().copied().unwrap_or_default();
    let filter_row = |name: &str, v: &[Duration]| Row {
        metric: format!("filter keystroke → {name} (median of {}; max)", v.len()),
        measured: format!("{} (max {})", opt_ms(median(v)), opt_ms(v.iter().max().copied())),
        target: "< 16 ms median".into(),
        result: verdict(median(v).map(|m| m < Duration::from_millis(16))),
    };
    let mut table = vec![
        Row {
            metric: format!("process start → first full frame (median of {}; max)", starts.len()),
            measured: format!("{} (max {})", ms(start_med), ms(start_max)),
            target: "< 150 ms".into(),
            result: verdict(Some(start_med < Duration::from_millis(150))),
        },
        Row {
            metric: "bytes up to the first full frame (terminal setup included)".into(),
            measured: format!("{} B", grouped(median(&first_bytes).unwrap_or(0))),
            target: "–".into(),
            result: "–".into(),
        },
        filter_row("prompt shows the character", &echo),
        filter_row("loaded rows narrowed in memory, count shown", &narrowed),
        Row { target: "–".into(), result: "–".into(), ..filter_row("the store's full answer on screen", &results) },
        Row {
            metric: format!("`{}` typed at 10 keys/s: last key → final count", s.filter),
            measured: ms(paced),
            target: "–".into(),
            result: "–".into(),
        },
        bytes_row(&filter, None),
        bytes_row(&moves, Some(300)),
        bytes_row(&down, Some(1_000)),
        bytes_row(&up, Some(1_000)),
    ];
    table.extend(panes.iter().map(|b| bytes_row(b, None)));
    table.push(bytes_row(&opened, None));
    table.push(bytes_row(&back, None));
    table.push(Row {
        metric: format!("written while idle for {} s", s.idle),
        measured: format!("{} B", grouped(idle_bytes)),
        target: "0 B".into(),
        result: verdict(Some(idle_bytes == 0)),
    });

    println!();
    println!("```sh");
    println!("cargo build --release --bin tix && cargo run --release --example slowlink -- {cmd}");
    println!("```");
    println!();
    println!(
        "{}×{} pseudo-terminal, TERM=xterm-256color, default config, `tix --as dana`; store {} ({:.2} GB); \
         filter `{}` typed over the All open view ({backlog} tickets → {matches}).",
        s.cols,
        s.rows,
        s.db.display(),
        size as f64 / 1e9,
        s.filter,
    );
    println!();
    println!("| metric | measured | target | result |");
    println!("|---|---|---|---|");
    for r in &table {
        println!("| {} | {} | {} | {} |", r.metric, r.measured, r.target, r.result);
    }
    println!();
    println!("Details (row 0 is the title line; `pre` = bytes before the first cursor move):");
    println!("- starts: {}", starts.iter().map(|d| ms(*d)).collect::<Vec<_>>().join(", "));
    println!("- first byte after start (median): {}", opt_ms(median(&first_byte_at)));
    println!("- `/` opens the prompt: {}", describe_rows(&open.raw));
    println!("- filter keystrokes (echo / results): {}", {
        echo.iter().zip(&results).map(|(e, r)| format!("{} / {}", ms(*e), ms(*r))).collect::<Vec<_>>().join(", ")
    });
    for b in [&filter, &moves, &down, &up, &opened, &back] {
        println!("- {}", b.detail());
    }
    println!("- Esc clears the filter: {}", describe_rows(&clear.raw));
    for b in &panes {
        println!("- {}", b.detail());
    }
    if idle_bytes > 0 {
        println!(
            "- idle: {} ({}): {:?}",
            describe_rows(&idle_raw),
            idle_reads.join(", "),
            String::from_utf8_lossy(&idle_raw)
        );
    }
    println!("- whole run: {:.1} s", t_all.elapsed().as_secs_f64());
    Ok(())
}
