//! The desk's numbers for a period, with SLA compliance under the configured policies.

use super::{Desk, Result};
use crate::store::Report;

impl Desk {
    /// The report for `[from, to)` (UTC milliseconds). SLA compliance is measured from
    /// each resolved ticket's clock under the configured policies (none without them).
    pub fn report(&self, from: i64, to: i64) -> Result<Report> {
        let mut r = self.store.report(from, to)?;
        if !self.rules.sla.policies.is_empty() {
            let (measured, met) = self.store.sla_compliance(&self.rules.sla, from, to)?;
            r.sla_measured = measured;
            r.sla_met = met;
            r.sla_compliance = (measured > 0).then(|| met as f64 * 100.0 / measured as f64);
        }
        Ok(r)
    }
}
