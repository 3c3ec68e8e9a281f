//! Helpers every context's keys share.

use crate::domain::ids::TicketId;
use crate::domain::ticket::Ticket;
use crate::tui::defaults::PaneId;
use crate::tui::effect::Effect;

use crate::tui::model::*;

/// After a write (or a refused one): reload the queue page and the open ticket.
pub(crate) fn after_change(m: &mut Model, ticket: TicketId) -> Vec<Effect> {
    let q = &mut m.queue;
    q.loading = true;
    let offset = q.offset;
    let mut out = if m.sla_counts.is_some() { vec![Effect::RefreshSla { full: false }] } else { vec![] };
    out.push(q.load(offset));
    // (In triage the next ticket opens instead.)
    let moving_on = m.triage.as_ref().is_some_and(|t| t.want_next);
    if !moving_on && m.detail.view.as_ref().is_some_and(|v| v.ticket.id == ticket) {
        out.push(Effect::LoadTicket(ticket));
    }
    if let PaneId::Assets = m.focus
        && let Some(a) = m.assets.current()
    {
        out.push(Effect::LoadAssetTickets(a.id));
    }
    out
}

/// Needs the ticket open in the detail pane; says so when there is none.
pub(crate) fn with_open_ticket(m: &mut Model) -> Option<Box<Ticket>> {
    match m.open_ticket() {
        Some(t) => Some(Box::new(t.clone())),
        None => {
            m.complain("open a ticket first (queue: enter, or :NUMBER), then link from here");
            None
        }
    }
}
