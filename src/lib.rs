//! tix: a keyboard-driven terminal ticket console for IT support technicians.
//!
//! Layers: [`domain`] (plain types and rules, no IO) ← [`store`] (the only code that
//! touches SQLite; one write path through the op log) ← [`cli`] (the command line).

pub mod domain;
pub mod store;
