//! `causeway tui`: the recording's events, the findings in the text
//! report's order and causal navigation between them, in a terminal
//! (ratatui over crossterm). [`state`] is the key-driven state machine,
//! testable without a terminal; [`keymap`] binds keys to its actions (and
//! generates the help); [`view`] draws a state into any ratatui backend;
//! trace strings go through [`crate::report::printable`], as in the text
//! report, so none reaches the terminal raw.

pub mod filter;
pub mod keymap;
pub mod state;
pub mod view;

use crate::model::Recording;
use crate::report::Report;
use ratatui::crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyEventKind,
};
use ratatui::crossterm::execute;
use std::io;
use std::time::Duration;

/// Runs the UI on the terminal until the user quits. `ratatui::init`
/// enters the alternate screen and raw mode and installs a panic hook that
/// restores the terminal before the panic message is printed; the mouse is
/// captured on top, and released again on the way out, a panic included.
pub fn run(rec: &Recording, report: &Report, redact: state::Redact, color: bool) -> io::Result<()> {
    let mut state = state::State::redacted(rec, report, redact);
    state.color = color;
    let mut terminal = ratatui::try_init()?;
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(io::stdout(), DisableMouseCapture);
        hook(info);
    }));
    execute!(io::stdout(), EnableMouseCapture)?;
    let result = (|| -> io::Result<()> {
        loop {
            terminal.draw(|frame| view::draw(frame, &mut state))?;
            if state.quit {
                return Ok(());
            }
            if event::poll(Duration::from_millis(250))? {
                match event::read()? {
                    Event::Key(key) if key.kind != KeyEventKind::Release => state.key(key),
                    Event::Mouse(mouse) => state.mouse(mouse),
                    _ => {}
                }
            }
        }
    })();
    let released = execute!(io::stdout(), DisableMouseCapture);
    ratatui::try_restore()?;
    released?;
    result
}

#[cfg(test)]
mod tests;
