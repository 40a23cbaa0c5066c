//! Interactive front ends over the one report model: [`tui`], the terminal
//! UI of `causeway tui`. They read a [`crate::model::Recording`] and the
//! [`crate::report::Report`] built from it; they never analyze again.

pub mod tui;
