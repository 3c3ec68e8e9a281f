//! Reading outside files into plain rows: no store access here. The CLI turns rows
//! into changes and commits them through the store's write path.

pub mod assets;
pub mod csv_read;
pub mod email;
pub mod history;
pub mod ics;
pub mod kb;
pub mod ticket_columns;
pub mod ticket_entries;
pub mod tickets;
