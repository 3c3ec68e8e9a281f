//! tix: a keyboard-driven terminal ticket console for IT support technicians.
//!
//! Layers: [`domain`] (plain types and rules, no IO) ← [`store`] and [`import`] (the
//! only code that touches SQLite; one write path through the op log) ← [`sync`] ←
//! [`app`] (the desk's use cases, once) ← [`tui`] and [`cli`] (the two front ends).

pub mod app;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod fsmode;
pub mod import;
pub mod key_overrides;
pub mod mail_config;
pub mod mailer;
pub mod progress_bar;
pub mod store;
pub mod sync;
pub mod toml_path;
pub mod tui;
