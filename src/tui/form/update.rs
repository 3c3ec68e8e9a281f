//! Keys of the new-ticket form.

use crate::tui::action::{Action, Command};
use crate::tui::effect::Effect;

use crate::tui::model::*;

/// Keys in the new-ticket form.
pub(crate) fn update_form(m: &mut Model, action: &Action) -> Option<Vec<Effect>> {
    let f = m.form.as_mut()?;
    let out = match action {
        Action::Insert(c) => f.type_char(*c),
        Action::Command(c) => match c {
            Command::DeleteBack => f.delete_back(),
            Command::NextField => {
                f.enter();
                vec![]
            }
            Command::PrevField => {
                f.move_field(-1);
                vec![]
            }
            Command::SelectNext => {
                f.up_down(1);
                vec![]
            }
            Command::SelectPrev => {
                f.up_down(-1);
                vec![]
            }
            Command::Increase => {
                f.adjust(1);
                vec![]
            }
            Command::Decrease => {
                f.adjust(-1);
                vec![]
            }
            Command::CancelInput => {
                if f.is_blank() || f.confirm_discard {
                    m.form = None;
                    m.say("new ticket discarded");
                } else {
                    f.confirm_discard = true;
                }
                vec![]
            }
            Command::SubmitInput => match f.submit() {
                Ok(t) => {
                    m.form = None;
                    vec![Effect::CreateTicket(Box::new(t))]
                }
                Err(e) => {
                    f.error = Some(e);
                    vec![]
                }
            },
            _ => vec![],
        },
        _ => return None,
    };
    Some(out)
}
