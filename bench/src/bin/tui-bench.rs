//! `tui-bench`: the terminal UI's frame times on a large trace. Runs the
//! pipeline `causeway tui` runs (analysis, report, anomalies), then drives
//! the UI's state machine and view with ratatui's TestBackend through a
//! fixed sequence of key presses, timing each (handle and draw), and
//! prints the time to the first screen after the analysis, the median and
//! the slowest frame, and the peak resident memory. `bench/tui.sh` makes
//! the trace and runs it.
//!
//! ```text
//! tui-bench typical-1000000.jsonl [WIDTHxHEIGHT]
//! ```

use causeway::app::pipeline::{self, AnomalyOptions, Job};
use causeway::ui::tui::{state::State, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::time::{Duration, Instant};

/// The keys pressed, in order, with what each group is called in the
/// output.
fn script() -> Vec<(&'static str, KeyCode)> {
    let mut keys = Vec::new();
    let mut add = |label: &'static str, code: KeyCode, times: usize| {
        keys.extend(std::iter::repeat_n((label, code), times));
    };
    add("Down", KeyCode::Down, 100);
    add("PgDn", KeyCode::PageDown, 50);
    add("End", KeyCode::End, 1);
    add("Up", KeyCode::Up, 20);
    add("PgUp", KeyCode::PageUp, 10);
    add("c (child, none after)", KeyCode::Char('c'), 1);
    add("Home", KeyCode::Home, 1);
    add("c (child)", KeyCode::Char('c'), 3);
    add("p (parent)", KeyCode::Char('p'), 3);
    add("o (ordered by)", KeyCode::Char('o'), 3);
    for c in "/lock_release".chars() {
        add("search typing", KeyCode::Char(c), 1);
    }
    add("search Enter", KeyCode::Enter, 1);
    add("n (next match)", KeyCode::Char('n'), 10);
    add("N (previous match)", KeyCode::Char('N'), 5);
    for c in "/no-such-thing".chars() {
        add("search typing", KeyCode::Char(c), 1);
    }
    add("search Enter (no match)", KeyCode::Enter, 1);
    add("Tab", KeyCode::Tab, 1);
    add("j (findings)", KeyCode::Char('j'), 5);
    add("Enter (jump to finding)", KeyCode::Enter, 1);
    add("a (other access)", KeyCode::Char('a'), 2);
    add("r (error root)", KeyCode::Char('r'), 1);
    add("b (back)", KeyCode::Char('b'), 10);
    add("f (forward)", KeyCode::Char('f'), 5);
    add("?", KeyCode::Char('?'), 2);
    add("l (lanes view)", KeyCode::Char('l'), 1);
    add("Down (lanes view)", KeyCode::Down, 50);
    add("PgDn (lanes view)", KeyCode::PageDown, 20);
    add("l (lanes view)", KeyCode::Char('l'), 1);
    for c in "Fkind:write lane:t1*".chars() {
        add("filter typing", KeyCode::Char(c), 1);
    }
    add("filter Enter", KeyCode::Enter, 1);
    add("Down (filtered)", KeyCode::Down, 50);
    add("PgDn (filtered)", KeyCode::PageDown, 20);
    add("End (filtered)", KeyCode::End, 1);
    add("Home (filtered)", KeyCode::Home, 1);
    add("n (filtered)", KeyCode::Char('n'), 5);
    add("F (edit filter)", KeyCode::Char('F'), 1);
    add("filter typing", KeyCode::Backspace, 64);
    add("filter Enter (clear)", KeyCode::Enter, 1);
    keys
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(trace) = args.next() else {
        eprintln!("usage: tui-bench TRACE [WIDTHxHEIGHT]");
        std::process::exit(2)
    };
    let (width, height) = args
        .next()
        .and_then(|s| {
            let (w, h) = s.split_once('x')?;
            Some((w.parse().ok()?, h.parse().ok()?))
        })
        .unwrap_or((120u16, 40u16));

    let start = Instant::now();
    let mut job = Job::new(vec![trace.clone().into()], Default::default());
    job.anomalies = Some(AnomalyOptions::default());
    let done = pipeline::run(&job).unwrap_or_else(|e| {
        eprintln!("tui-bench: {e}");
        std::process::exit(2)
    });
    let analysis = start.elapsed();
    let rss_analysis = peak_rss_kb();

    let first = Instant::now();
    let mut state = State::new(&done.rec, &done.report);
    state.color = true;
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal.draw(|f| view::draw(f, &mut state)).expect("draw");
    let first_screen = first.elapsed();

    let mut frames: Vec<(Duration, &'static str)> = Vec::new();
    for (label, code) in script() {
        let t = Instant::now();
        state.key(KeyEvent::new(code, KeyModifiers::NONE));
        terminal.draw(|f| view::draw(f, &mut state)).expect("draw");
        frames.push((t.elapsed(), label));
    }
    assert!(!state.quit, "the script must not quit");
    let mut sorted: Vec<Duration> = frames.iter().map(|(d, _)| *d).collect();
    sorted.sort();
    let median = sorted[sorted.len() / 2];
    let p99 = sorted[(sorted.len() * 99 / 100).min(sorted.len() - 1)];
    let (slowest, slowest_key) = frames
        .iter()
        .max_by_key(|(d, _)| *d)
        .copied()
        .expect("frames");

    println!("trace            {trace}");
    println!("events           {}", done.rec.events.len());
    println!("findings         {}", state.findings.len());
    println!("screen           {width}x{height}");
    println!("analysis         {:.2} s", analysis.as_secs_f64());
    println!(
        "first screen     {:.1} ms after the analysis",
        ms(first_screen)
    );
    println!(
        "frames           {} key presses (handle + draw)",
        frames.len()
    );
    println!("median frame     {:.3} ms", ms(median));
    println!("p99 frame        {:.3} ms", ms(p99));
    println!("slowest frame    {:.3} ms ({slowest_key})", ms(slowest));
    let mut by_key: Vec<(&str, Duration)> = Vec::new();
    for (d, label) in &frames {
        match by_key.iter_mut().find(|(l, _)| l == label) {
            Some((_, worst)) => *worst = (*worst).max(*d),
            None => by_key.push((label, *d)),
        }
    }
    for (label, worst) in by_key {
        println!("  slowest {label:<24} {:.3} ms", ms(worst));
    }
    let rss = peak_rss_kb();
    println!(
        "peak RSS         {} MB (after the analysis {} MB; the UI adds {} MB)",
        rss / 1024,
        rss_analysis / 1024,
        rss.saturating_sub(rss_analysis) / 1024
    );
}
