//! The UI without a terminal: key handling as state transitions, each
//! screen rendered into ratatui's TestBackend and snapshotted, and hostile
//! trace strings kept out of the rendered buffer.

use super::state::{Mode, Pane, State};
use super::view;
use crate::model::Recording;
use crate::report::Report;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn demo() -> (Recording, Report) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo-bank.jsonl");
    let bytes = std::fs::read(path).unwrap();
    let rec = crate::ingest::load_bytes(vec![("demo-bank.jsonl".to_string(), bytes)]).unwrap();
    let analysis = crate::analysis::analyze(&rec, None);
    let mut report = Report::build(&rec, &analysis);
    report.settle(crate::report::FailOn::Race);
    (rec, report)
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn press(state: &mut State, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\t' => KeyCode::Tab,
            '\n' => KeyCode::Enter,
            c => KeyCode::Char(c),
        };
        state.key(key(code));
    }
}

fn screen(state: &mut State, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| view::draw(f, state)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        for x in 0..width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[test]
fn enter_jumps_to_the_race_and_a_to_its_other_access_and_back_returns() {
    let (rec, report) = demo();
    let mut state = State::new(&rec, &report);
    assert_eq!(state.selected, 0);
    press(&mut state, "\t\n");
    assert_eq!(state.pane, Pane::Events);
    let first = state.selected;
    assert_eq!(first, state.finding_events[0][0].index());
    assert!(rec.events[first].access_class().is_some());
    press(&mut state, "a");
    let second = state.selected;
    assert_eq!(second, state.finding_events[0][1].index());
    assert_ne!(first, second);
    press(&mut state, "a");
    assert_eq!(state.selected, first);
    press(&mut state, "bbb");
    assert_eq!(state.selected, 0);
    press(&mut state, "f");
    assert_eq!(state.selected, first);
}

#[test]
fn movement_parent_search_help_and_quit() {
    let (rec, report) = demo();
    let mut state = State::new(&rec, &report);
    press(&mut state, "jjj");
    assert_eq!(state.selected, 3);
    press(&mut state, "k");
    assert_eq!(state.selected, 2);
    state.key(key(KeyCode::End));
    assert_eq!(state.selected, rec.events.len() - 1);
    state.key(key(KeyCode::Home));
    assert_eq!(state.selected, 0);
    // The first event has no parent: nothing moves, the status says why.
    press(&mut state, "p");
    assert_eq!((state.selected, state.status.as_str()), (0, "no parent"));
    press(&mut state, "c");
    let child = state.selected;
    assert_eq!(rec.events[child].parent.map(|p| p.index()), Some(0));
    press(&mut state, "p");
    assert_eq!(state.selected, 0);
    press(&mut state, "/lock_release\n");
    assert_eq!(rec.events[state.selected].kind.as_str(), "lock_release");
    let hit = state.selected;
    press(&mut state, "n");
    assert!(state.selected > hit);
    press(&mut state, "N");
    assert_eq!(state.selected, hit);
    press(&mut state, "/no-such-thing\n");
    assert_eq!(state.selected, hit);
    assert!(state.status.starts_with("not found"));
    press(&mut state, "?");
    assert_eq!(state.mode, Mode::Help);
    press(&mut state, "x");
    assert_eq!(state.mode, Mode::Normal);
    assert!(!state.quit);
    state.key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(state.quit);
}

#[test]
fn ordered_by_goes_to_another_lane() {
    let (rec, report) = demo();
    let mut state = State::new(&rec, &report);
    // The first event of a spawned worker is ordered by its spawn.
    let worker = (0..rec.events.len())
        .find(|&i| state.ordered_by(crate::model::EventIdx(i as u32)).is_some())
        .unwrap();
    state.jump(worker);
    press(&mut state, "o");
    assert_ne!(rec.events[state.selected].exec, rec.events[worker].exec);
}

#[test]
fn screens_at_80x24() {
    let (rec, report) = demo();
    let mut state = State::new(&rec, &report);
    state.color = false;
    insta::assert_snapshot!("tui_events", screen(&mut state, 80, 24));
    press(&mut state, "\t");
    insta::assert_snapshot!("tui_findings", screen(&mut state, 80, 24));
    press(&mut state, "\na");
    insta::assert_snapshot!("tui_other_access", screen(&mut state, 80, 24));
    press(&mut state, "?");
    insta::assert_snapshot!("tui_help", screen(&mut state, 80, 24));
}

#[test]
fn lanes_view_toggles_and_draws_the_window_at_80x24() {
    let (rec, report) = demo();
    let mut state = State::new(&rec, &report);
    state.color = false;
    // The race's first access, then the lanes view instead of the details.
    press(&mut state, "\t\nl");
    assert!(state.lanes);
    let out = screen(&mut state, 80, 24);
    assert!(out.contains(" lanes "), "{out}");
    assert!(!out.contains(" details "), "{out}");
    insta::assert_snapshot!("tui_lanes", out);
    // Moving keeps working with the view open; `l` again closes it.
    press(&mut state, "a");
    assert_eq!(state.selected, state.finding_events[0][1].index());
    press(&mut state, "l");
    assert!(!state.lanes);
    assert!(screen(&mut state, 80, 24).contains(" details "));
}

#[test]
fn help_lists_every_binding_at_80x24() {
    let (rec, report) = demo();
    let mut state = State::new(&rec, &report);
    press(&mut state, "?");
    let out = screen(&mut state, 80, 24);
    for b in super::keymap::KEYMAP {
        assert!(out.contains(b.label), "help lacks {}:\n{out}", b.label);
    }
}

#[test]
fn filters_by_kind_lane_variable_and_trace() {
    let (rec, report) = demo();
    let mut state = State::new(&rec, &report);
    state.color = false;
    let shown = |state: &State| -> Vec<usize> {
        (0..state.row_count()).map(|r| state.event_at(r)).collect()
    };
    let lane = |i: usize| {
        let l = rec.exec_line(crate::model::EventIdx(i as u32));
        format!("{}/{}", rec.str(l.service), rec.str(l.thread))
    };
    press(&mut state, "Fkind:write lane:worker-1");
    assert_eq!(
        state.mode,
        Mode::Filter("kind:write lane:worker-1".to_string())
    );
    press(&mut state, "\n");
    assert_eq!(state.mode, Mode::Normal);
    let rows = shown(&state);
    assert!(!rows.is_empty());
    for &i in &rows {
        assert_eq!(rec.events[i].kind.as_str(), "state_write");
        assert_eq!(lane(i), "bank/worker-1");
    }
    // The selection moved onto the first shown event; j and End stay on
    // shown ones; the status line and the title show the filter.
    assert_eq!(state.selected, rows[0]);
    press(&mut state, "j");
    assert_eq!(state.selected, rows[1]);
    state.key(key(KeyCode::End));
    assert_eq!(state.selected, *rows.last().unwrap());
    let out = screen(&mut state, 80, 24);
    assert!(out.contains("[F kind:write lane:worker-1]"), "{out}");
    assert!(out.contains("shown by the filter"), "{out}");
    // A search only stops at shown events.
    press(&mut state, "/Account\n");
    assert!(rows.contains(&state.selected));
    press(&mut state, "n");
    assert!(rows.contains(&state.selected));

    // Same key twice: either; a glob on the variable; the trace id.
    let all = (0..rec.events.len()).collect::<Vec<_>>();
    clear_then(&mut state, "");
    assert!(state.filter.is_none());
    assert_eq!(shown(&state), all);
    press(&mut state, "Fkind:lock_acquire kind:lock_release\n");
    let want: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&i| rec.events[i].kind.as_str().starts_with("lock_"))
        .collect();
    assert_eq!(shown(&state), want);
    clear_then(&mut state, "");
    press(&mut state, "Fvar:Account#1.*\n");
    let want: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&i| {
            rec.events[i]
                .subject
                .is_some_and(|s| rec.str(s).starts_with("Account#1."))
        })
        .collect();
    assert!(!want.is_empty());
    assert_eq!(shown(&state), want);
    clear_then(&mut state, "");
    let trace = rec.str(rec.events[0].trace).to_string();
    press(&mut state, &format!("Ftrace:{}*\n", &trace[..8]));
    let want: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&i| rec.str(rec.events[i].trace).starts_with(&trace[..8]))
        .collect();
    assert_eq!(shown(&state), want);

    // A bad filter leaves the one in force and says why.
    clear_then(&mut state, "");
    press(&mut state, "Fkind:write\n");
    let before = shown(&state);
    clear_then(&mut state, "colour:red");
    assert!(
        state.status.contains("unknown filter key `colour`"),
        "{}",
        state.status
    );
    assert_eq!(shown(&state), before);
}

/// Replaces the filter's text with `text` and applies it.
fn clear_then(state: &mut State, text: &str) {
    press(state, "F");
    while !matches!(&state.mode, Mode::Filter(t) if t.is_empty()) {
        state.key(key(KeyCode::Backspace));
    }
    press(state, text);
    press(state, "\n");
}

#[test]
fn mouse_wheel_scrolls_and_a_click_selects_a_row() {
    use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let (rec, report) = demo();
    let mut state = State::new(&rec, &report);
    let mouse = |kind, column, row| MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    screen(&mut state, 80, 24);
    state.mouse(mouse(MouseEventKind::ScrollDown, 10, 5));
    state.mouse(mouse(MouseEventKind::ScrollDown, 10, 5));
    assert_eq!(state.selected, 6);
    state.mouse(mouse(MouseEventKind::ScrollUp, 10, 5));
    assert_eq!(state.selected, 3);
    // The list's first row is on line 1 (line 0 is its border).
    state.mouse(mouse(MouseEventKind::Down(MouseButton::Left), 10, 10));
    assert_eq!(state.selected, 9);
    // On the border, or outside the list: nothing.
    state.mouse(mouse(MouseEventKind::Down(MouseButton::Left), 10, 0));
    state.mouse(mouse(MouseEventKind::Down(MouseButton::Left), 10, 22));
    state.mouse(mouse(MouseEventKind::Down(MouseButton::Left), 60, 5));
    state.mouse(mouse(MouseEventKind::ScrollDown, 60, 5));
    assert_eq!(state.selected, 9);
    // A click is a jump: b goes back to where the selection was.
    press(&mut state, "b");
    assert_eq!(state.selected, 3);
    // With the findings focused, the wheel over the list still moves it.
    press(&mut state, "\t");
    state.mouse(mouse(MouseEventKind::ScrollDown, 10, 5));
    assert_eq!((state.selected, state.pane), (6, Pane::Findings));
}

#[test]
fn trace_strings_go_through_the_reports_redaction() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo-bank.jsonl");
    let bytes = std::fs::read(path).unwrap();
    let rec = crate::ingest::load_bytes(vec![("demo-bank.jsonl".to_string(), bytes)]).unwrap();
    let analysis = crate::analysis::analyze(&rec, None);
    let mut report = Report::build(&rec, &analysis);
    // A variable, a lane and the race's first access id (the findings
    // name it redacted, and still lead to it).
    let config = crate::config::Config::parse(
        r#"redact = ["Account#1", "worker-1", "48250a67"]"#,
        "causeway.toml",
    )
    .unwrap();
    config.apply(&mut report);
    report.settle(crate::report::FailOn::Race);
    let redact = |text: &mut String| config.redact(text);
    let mut state = State::redacted(&rec, &report, &redact);
    assert!(!state.finding_events[0].is_empty());
    press(&mut state, "\t\n");
    let race = state.selected;
    assert!(
        rec.id_str(crate::model::EventIdx(race as u32))
            .starts_with("48250a67")
    );
    let mut screens = vec![screen(&mut state, 120, 40)];
    press(&mut state, "l");
    screens.push(screen(&mut state, 120, 40));
    // A search matches what is shown, not what is hidden.
    press(&mut state, "/worker-1\n");
    assert!(state.status.starts_with("not found"), "{}", state.status);
    for out in screens {
        assert!(out.contains("[redacted]"), "{out}");
        for secret in ["Account#1", "worker-1", "48250a67"] {
            assert!(!out.contains(secret), "{secret} shown:\n{out}");
        }
    }
}

#[test]
fn hostile_trace_strings_never_reach_the_buffer_raw() {
    let evil = [
        "\u{1b}[2J",
        "\u{1b}]0;pwn\u{7}",
        "\r",
        "\u{202E}",
        "\u{2066}",
        "\u{9b}31m",
    ];
    let mut lines = String::new();
    for (i, e) in evil.iter().enumerate() {
        let s = serde_json::to_string(&format!("x{e}y")).unwrap();
        lines.push_str(&format!(
            r#"{{"id":"e{i}","trace_id":"t","timestamp":"2026-11-26T10:00:0{i}Z","kind":"state_write","metadata":{{"service":{s},"thread":{s},"function":{s},"variable":{s},"file":{s},"line":3}}}}
"#
        ));
    }
    let rec =
        crate::ingest::load_bytes(vec![("evil.jsonl".to_string(), lines.into_bytes())]).unwrap();
    assert_eq!(rec.events.len(), evil.len());
    let report = Report::build(&rec, &crate::analysis::analyze(&rec, None));
    let mut state = State::new(&rec, &report);
    for _ in 0..evil.len() {
        let out = screen(&mut state, 120, 30);
        let bad: Vec<char> = out
            .chars()
            .filter(|&c| {
                c != '\n'
                    && (c.is_control()
                        || ('\u{202A}'..='\u{202E}').contains(&c)
                        || ('\u{2066}'..='\u{2069}').contains(&c))
            })
            .collect();
        assert!(bad.is_empty(), "raw {bad:?} in\n{out}");
        assert!(out.contains("\\u{1b}"), "{out}");
        press(&mut state, "j");
    }
}

/// `--follow`'s analysis, as the pipeline would run it over the lines read.
fn analyze_lines(inputs: Vec<(String, Vec<u8>)>) -> (Recording, Report) {
    let rec = crate::ingest::load_bytes(inputs).unwrap();
    let analysis = crate::analysis::analyze(&rec, None);
    let mut report = Report::build(&rec, &analysis);
    report.settle(crate::report::FailOn::Race);
    (rec, report)
}

#[test]
fn follow_takes_complete_lines_and_keeps_the_selection() {
    use super::follow::{Follow, Tail};
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo-bank.jsonl");
    let text = std::fs::read(path).unwrap();
    let lines: Vec<&[u8]> = text.split_inclusive(|&b| b == b'\n').collect();
    assert_eq!(lines.len(), 42);
    let mut follow = Follow::new(vec![Tail::named("demo-bank.jsonl")]);
    // 20 lines and half of the 21st: only the 20 are analyzed.
    follow.tails[0].feed(&lines[..20].concat());
    let (head, rest) = lines[20].split_at(lines[20].len() / 2);
    follow.tails[0].feed(head);
    let inputs = follow.start().unwrap();
    assert_eq!(inputs[0].1, lines[..20].concat());
    // One run at a time.
    assert!(follow.start().is_none());
    let (rec, report) = analyze_lines(inputs);
    assert_eq!(rec.events.len(), 20);
    let mut state = State::new(&rec, &report);
    press(&mut state, "jjjjjjjjjjj/lock\n");
    let selected = state.selected;
    let id = rec
        .id_str(crate::model::EventIdx(selected as u32))
        .to_string();
    let carry = state.carry();
    drop(state);
    follow.finished();
    // Nothing new but the partial line: no run.
    assert!(follow.start().is_none());
    // The rest of line 21 and the remaining lines arrive.
    follow.tails[0].feed(rest);
    follow.tails[0].feed(&lines[21..].concat());
    let inputs = follow.start().unwrap();
    assert_eq!(inputs[0].1, text);
    let (rec2, report2) = analyze_lines(inputs);
    assert_eq!(rec2.events.len(), 42);
    let mut state = State::new(&rec2, &report2);
    state.restore(carry);
    assert_eq!(state.selected, selected);
    assert_eq!(
        rec2.id_str(crate::model::EventIdx(state.selected as u32)),
        id
    );
    assert_eq!(state.query.as_deref(), Some("lock"));
    // The findings of the whole recording: the race is there now.
    let (_, whole) = demo();
    assert_eq!(state.findings.len(), whole.shown().len());
    assert!(!state.findings.is_empty());
    // The search runs over the new events too.
    state.key(key(KeyCode::End));
    press(&mut state, "n");
    assert!(
        rec2.events[state.selected]
            .kind
            .as_str()
            .starts_with("lock")
    );
}

#[test]
fn follow_stops_on_a_file_that_shrank() {
    use super::follow::Tail;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    std::fs::write(&path, "line one\nline two\n").unwrap();
    let mut tail = Tail::file(path.clone());
    tail.poll().unwrap();
    assert_eq!(tail.lines(), b"line one\nline two\n");
    std::fs::write(&path, "x\n").unwrap();
    let message = tail.poll().unwrap_err();
    assert!(message.contains("shrank"), "{message}");
    assert!(tail.stopped);
    assert_eq!(tail.lines(), b"line one\nline two\n");
}

#[test]
fn replay_reveals_events_by_timestamp_on_a_fake_clock() {
    use std::time::Duration;
    let (rec, report) = demo();
    let mut state = State::new(&rec, &report);
    press(&mut state, " ");
    assert!(state.status.starts_with("not a replay"));
    state.start_replay(1.0);
    let mut times: Vec<i64> = rec.events.iter().map(|e| e.timestamp_ns).collect();
    times.sort_unstable();
    let t0 = times[0];
    let upto = |ns: i64| times.iter().filter(|&&t| t <= t0 + ns).count();
    assert_eq!(state.row_count(), upto(0));
    assert!(state.shown_findings().len() < state.findings.len());
    // A millisecond of real time at 1x: a millisecond of the trace.
    state.tick(Duration::from_millis(1));
    assert_eq!(state.row_count(), upto(1_000_000));
    let r = state.replay.as_ref().unwrap();
    assert_eq!(r.clock_ns, t0 + 1_000_000);
    // Paused, the clock stands still.
    press(&mut state, " ");
    state.tick(Duration::from_secs(5));
    assert_eq!(state.replay.as_ref().unwrap().clock_ns, t0 + 1_000_000);
    press(&mut state, " ");
    // `+` doubles the speed, `-` halves it.
    press(&mut state, "++-");
    assert_eq!(state.replay.as_ref().unwrap().speed, 2.0);
    state.tick(Duration::from_millis(1));
    assert_eq!(state.replay.as_ref().unwrap().clock_ns, t0 + 3_000_000);
    assert_eq!(state.row_count(), upto(3_000_000));
    // The shown rows are in file order and only revealed events.
    let clock = state.replay.as_ref().unwrap().clock_ns;
    for row in 0..state.row_count() {
        assert!(rec.events[state.event_at(row)].timestamp_ns <= clock);
        if row > 0 {
            assert!(state.event_at(row - 1) < state.event_at(row));
        }
    }
    // A finding is listed once all its events are revealed.
    for f in state.shown_findings() {
        for e in &state.finding_events[f] {
            assert!(rec.event(*e).timestamp_ns <= clock);
        }
    }
    // To the end: everything is shown, every finding listed.
    state.tick(Duration::from_secs(3600));
    let r = state.replay.as_ref().unwrap();
    assert!(r.done());
    assert_eq!(state.row_count(), rec.events.len());
    assert_eq!(state.shown_findings().len(), state.findings.len());
    assert_eq!(
        state.replay.as_ref().unwrap().clock_ns,
        times[times.len() - 1]
    );
    assert!(super::replay_banner(&state).ends_with("2x, done"));
}
