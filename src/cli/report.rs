//! `tix report`: the desk's numbers for a period (backlog as of now).

use anyhow::Result;
use clap::Args;

use super::output::{csv_safe, line};
use super::{CliError, Ctx};
use crate::domain::text::thousands;
use crate::domain::time::{self, DAY};
use crate::store::Report;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// First day of the period (YYYY-MM-DD, UTC); default: 30 days before --to
    #[arg(long)]
    from: Option<String>,
    /// Last day of the period, included; default: today
    #[arg(long)]
    to: Option<String>,
    /// Print CSV (section, label, value rows) instead of a summary
    #[arg(long, conflicts_with = "json")]
    csv: bool,
}

fn day(s: &str, flag: &str) -> Result<i64> {
    let d =
        time::parse_date(s).ok_or_else(|| CliError::Usage(format!("{flag} '{s}': use a day such as 2026-11-01")))?;
    let d = chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|e| CliError::Usage(format!("{flag}: {e}")))?;
    Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc().timestamp_millis())
}

pub fn run(ctx: &Ctx, a: ReportArgs) -> Result<()> {
    let desk = ctx.desk()?;
    let store = &desk.store;
    let to = match &a.to {
        Some(s) => day(s, "--to")? + DAY,
        None => (store.now_ms().div_euclid(DAY) + 1) * DAY,
    };
    let from = match &a.from {
        Some(s) => day(s, "--from")?,
        None => to - 30 * DAY,
    };
    if from >= to {
        return Err(CliError::Usage("--from must be on or before --to".into()).into());
    }
    if to - from > 3_660 * DAY {
        return Err(CliError::Usage("the period is limited to ten years".into()).into());
    }
    let r = desk.report(from, to)?;
    if a.csv {
        return write_csv(&r);
    }
    ctx.out.emit(&r, || human(&r))
}

fn write_csv(r: &Report) -> Result<()> {
    let mut w = csv::Writer::from_writer(std::io::stdout().lock());
    w.write_record(["section", "label", "value"])?;
    let mut row = |s: &str, l: &str, v: String| w.write_record([s, csv_safe(l).as_ref(), v.as_str()]);
    row("summary", "open", r.open.to_string())?;
    row("summary", "created", r.created.to_string())?;
    row("summary", "resolved", r.resolved.to_string())?;
    row("summary", "sla_compliance_pct", r.sla_compliance.map(|v| format!("{v:.1}")).unwrap_or_default())?;
    let opt = |v: Option<f64>| v.map(|v| format!("{v:.0}")).unwrap_or_default();
    row("summary", "median_first_response_min", opt(r.median_first_response_min))?;
    row("summary", "median_resolution_min", opt(r.median_resolution_min))?;
    for (section, list) in
        [("status", &r.by_status), ("priority", &r.by_priority), ("group", &r.by_group), ("age", &r.age)]
    {
        for c in list {
            row(section, &c.label, c.count.to_string())?;
        }
    }
    for d in &r.days {
        row("created", &d.day, d.created.to_string())?;
        row("resolved", &d.day, d.resolved.to_string())?;
    }
    for a in &r.agents {
        row("agent_open", &a.agent, a.open.to_string())?;
        row("agent_resolved", &a.agent, a.resolved.to_string())?;
    }
    for t in &r.time {
        row("agent_minutes", &t.agent, t.minutes.to_string())?;
    }
    for d in &r.days {
        row("day_minutes", &d.day, d.minutes.to_string())?;
    }
    w.flush()?;
    Ok(())
}

/// Minutes as "3h 20m" / "2d 4h".
fn span(min: f64) -> String {
    let m = min.round() as i64;
    match m {
        m if m < 60 => format!("{m}m"),
        m if m < 24 * 60 => format!("{}h {}m", m / 60, m % 60),
        m => format!("{}d {}h", m / (24 * 60), (m % (24 * 60)) / 60),
    }
}

fn human(r: &Report) -> String {
    let mut s = String::new();
    let period = format!("{} to {}", time::iso_date(r.from), time::iso_date(r.to - 1));
    s.push_str(&format!("Backlog now: {} open\n", thousands(r.open)));
    let list = |v: &[crate::store::Count]| {
        v.iter().map(|c| format!("{} {}", line(&c.label), thousands(c.count))).collect::<Vec<_>>().join(" · ")
    };
    s.push_str(&format!("  by status    {}\n", list(&r.by_status)));
    s.push_str(&format!("  by priority  {}\n", list(&r.by_priority)));
    s.push_str(&format!("  by group     {}\n", list(&r.by_group)));
    s.push_str(&format!("  by age       {}\n", list(&r.age)));
    s.push_str(&format!("\n{period}: {} created, {} resolved\n", thousands(r.created), thousands(r.resolved)));
    let max = r.days.iter().map(|d| d.created.max(d.resolved)).max().unwrap_or(0).max(1);
    const BARS: [&str; 8] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"];
    let spark = |f: &dyn Fn(&crate::store::Day) -> u64| -> String {
        r.days.iter().map(|d| BARS[((f(d) * 7) / max) as usize]).collect()
    };
    s.push_str(&format!("  created  {}\n", spark(&|d| d.created)));
    s.push_str(&format!("  resolved {}\n", spark(&|d| d.resolved)));
    s.push_str(&format!(
        "  SLA met  {}\n",
        match r.sla_compliance {
            Some(p) => format!("{p:.1}% ({} of {} with a resolution target)", r.sla_met, r.sla_measured),
            None => "no resolved ticket had a resolution target".into(),
        }
    ));
    let opt = |v: Option<f64>| v.map(span).unwrap_or_else(|| "-".into());
    s.push_str(&format!(
        "  median   first response {} · resolution {}\n",
        opt(r.median_first_response_min),
        opt(r.median_resolution_min)
    ));
    s.push_str(&format!("  time     {} booked", span(r.time_total_min as f64)));
    if !r.time.is_empty() {
        let top: Vec<String> =
            r.time.iter().take(5).map(|t| format!("{} {}", line(&t.agent), span(t.minutes as f64))).collect();
        s.push_str(&format!(" ({})", top.join(" · ")));
    }
    s.push('\n');
    s.push_str(&satisfaction_line(&r.satisfaction));
    s.push_str("\nAgents (open now / resolved in the period)\n");
    for a in &r.agents {
        s.push_str(&format!("  {:<24} {:>6} {:>6}\n", line(&a.agent), thousands(a.open), thousands(a.resolved)));
    }
    s
}

/// "  rating   4.2 of 5 · 12 answers of 30 notices (40%)" and per agent, group, month.
pub fn satisfaction_line(v: &crate::store::Satisfaction) -> String {
    let Some(avg) = v.average else { return "  rating   no ratings in the period\n".into() };
    let rate = v.answer_rate.map(|r| format!(" ({:.0}%)", r * 100.0)).unwrap_or_default();
    let mut s = format!("  rating   {avg:.1} of 5 · {} answers of {} notices{rate}\n", v.answers, v.asked);
    for (what, rows) in [("agent", &v.by_agent), ("group", &v.by_group), ("month", &v.by_period)] {
        let parts: Vec<String> =
            rows.iter().take(8).map(|r| format!("{} {:.1} ({})", line(&r.key), r.average, r.answers)).collect();
        s.push_str(&format!("    by {what:<6} {}\n", parts.join(" · ")));
    }
    s
}
