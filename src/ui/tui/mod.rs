//! `causeway tui`: the recording's events, the findings in the text
//! report's order and causal navigation between them, in a terminal
//! (ratatui over crossterm). [`state`] is the key-driven state machine,
//! testable without a terminal; [`keymap`] binds keys to its actions (and
//! generates the help); [`view`] draws a state into any ratatui backend;
//! trace strings go through [`crate::report::printable`], as in the text
//! report, so none reaches the terminal raw.

pub mod filter;
pub mod follow;
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
use std::path::PathBuf;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// Runs the UI on the terminal until the user quits; with `replay`, as a
/// replay at that speed ([`state::State::start_replay`]), its clock
/// driven by the real one.
pub fn run(
    rec: &Recording,
    report: &Report,
    redact: state::Redact,
    color: bool,
    replay: Option<f64>,
) -> io::Result<()> {
    let mut state = state::State::redacted(rec, report, redact);
    state.color = color;
    if let Some(speed) = replay {
        state.start_replay(speed);
    }
    with_terminal(|terminal| {
        let mut last = Instant::now();
        loop {
            let now = Instant::now();
            state.tick(now - last);
            last = now;
            state.banner = replay_banner(&state);
            terminal.draw(|frame| view::draw(frame, &mut state))?;
            if state.quit {
                return Ok(());
            }
            let wait = if state
                .replay
                .as_ref()
                .is_some_and(|r| !r.paused && !r.done())
            {
                Duration::from_millis(50)
            } else {
                Duration::from_millis(250)
            };
            input(&mut state, wait)?;
        }
    })
}

/// The status line's `--replay` part: the clock (since the first event,
/// as the event list shows times), the speed, paused or done.
pub fn replay_banner(state: &state::State) -> String {
    let Some(r) = &state.replay else {
        return String::new();
    };
    let speed = if r.speed >= 1.0 {
        format!("{}x", r.speed)
    } else {
        format!("1/{}x", 1.0 / r.speed)
    };
    format!(
        "replay {:.3}ms {speed}{}",
        (r.clock_ns - r.start_ns()) as f64 / 1e6,
        if r.done() {
            ", done"
        } else if r.paused {
            ", paused"
        } else {
            ""
        }
    )
}

/// A recording, its report and the redaction its strings go through, as
/// one `--follow` analysis run produces them.
pub struct Model {
    pub rec: Recording,
    pub report: Report,
    pub redact: Box<dyn Fn(&mut String) + Send + Sync>,
}

/// The analysis `--follow` runs over the complete lines of every file
/// (name, bytes), in order: the caller's pipeline, so the UI never
/// analyzes by itself.
pub type Analyze = dyn Fn(Vec<(String, Vec<u8>)>) -> Result<Model, String> + Send + Sync;

/// How often `--follow` looks at the files.
pub const POLL: Duration = Duration::from_millis(250);

/// Runs the UI over growing files (`--follow`): the files are polled every
/// [`POLL`]; when complete lines arrived, `analyze` runs over everything
/// so far on a worker thread (one at a time; lines that arrive meanwhile
/// wait for the next run) and its model replaces the shown one when done,
/// keeping the selection, history, filter and search ([`state::Carry`]).
pub fn follow(files: Vec<PathBuf>, analyze: Arc<Analyze>, color: bool) -> io::Result<()> {
    if files.iter().any(|f| f.as_os_str() == "-") {
        return Err(io::Error::other(
            "--follow tails files; standard input cannot be followed",
        ));
    }
    let mut tails = follow::Follow::new(files.into_iter().map(follow::Tail::file).collect());
    if let Some(problem) = tails.poll().into_iter().next() {
        return Err(io::Error::other(problem));
    }
    let inputs = tails.start().unwrap_or_else(|| {
        tails
            .tails
            .iter()
            .map(|t| (t.name.clone(), Vec::new()))
            .collect()
    });
    let mut model = analyze(inputs).map_err(io::Error::other)?;
    tails.finished();
    let (done_tx, done_rx) = mpsc::channel::<Result<Model, String>>();
    with_terminal(|terminal| {
        let mut carry: Option<state::Carry> = None;
        loop {
            let (next, kept) = {
                let mut state = state::State::redacted(&model.rec, &model.report, &*model.redact);
                state.color = color;
                if let Some(carry) = carry.take() {
                    state.restore(carry);
                }
                let mut polled: Option<Instant> = None;
                loop {
                    if polled.is_none_or(|at| at.elapsed() >= POLL) {
                        polled = Some(Instant::now());
                        if let Some(problem) = tails.poll().into_iter().next() {
                            state.status = problem;
                        }
                        if let Some(inputs) = tails.start() {
                            let (tx, analyze) = (done_tx.clone(), analyze.clone());
                            std::thread::spawn(move || {
                                let _ = tx.send(analyze(inputs));
                            });
                        }
                    }
                    state.banner = banner(&tails, state.len());
                    terminal.draw(|frame| view::draw(frame, &mut state))?;
                    if state.quit {
                        return Ok(());
                    }
                    let wait = polled.map_or(POLL, |at| POLL.saturating_sub(at.elapsed()));
                    input(&mut state, wait.max(Duration::from_millis(10)))?;
                    match done_rx.try_recv() {
                        Ok(Ok(next)) => {
                            tails.finished();
                            break (next, state.carry());
                        }
                        Ok(Err(e)) => {
                            tails.finished();
                            state.status = format!("analysis failed: {e}");
                        }
                        Err(_) => {}
                    }
                }
            };
            model = next;
            carry = Some(kept);
        }
    })
}

/// The status line's `--follow` part.
fn banner(tails: &follow::Follow, events: usize) -> String {
    let mut text = format!(
        "following: {events} events{}",
        if tails.running { ", analyzing…" } else { "" }
    );
    for t in tails.tails.iter().filter(|t| t.stopped) {
        text.push_str(&format!(
            "; {} shrank, not followed",
            crate::report::printable(&t.name)
        ));
    }
    text
}

/// Waits up to `wait` for a key or the mouse, and hands it to the state.
fn input(state: &mut state::State, wait: Duration) -> io::Result<()> {
    if event::poll(wait)? {
        match event::read()? {
            Event::Key(key) if key.kind != KeyEventKind::Release => state.key(key),
            Event::Mouse(mouse) => state.mouse(mouse),
            _ => {}
        }
    }
    Ok(())
}

/// Runs `body` on the terminal. `ratatui::init` enters the alternate
/// screen and raw mode and installs a panic hook that restores the
/// terminal before the panic message is printed; the mouse is captured on
/// top, and released again on the way out, a panic included.
fn with_terminal(
    body: impl FnOnce(&mut ratatui::DefaultTerminal) -> io::Result<()>,
) -> io::Result<()> {
    let mut terminal = ratatui::try_init()?;
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(io::stdout(), DisableMouseCapture);
        hook(info);
    }));
    execute!(io::stdout(), EnableMouseCapture)?;
    let result = body(&mut terminal);
    let released = execute!(io::stdout(), DisableMouseCapture);
    ratatui::try_restore()?;
    released?;
    result
}

#[cfg(test)]
mod tests;
