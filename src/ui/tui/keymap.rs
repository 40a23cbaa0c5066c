//! The one table of key bindings: the handler looks keys up here and the
//! help overlay (`?`) is generated from it, so the two cannot disagree.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Quit,
    Down,
    Up,
    PageDown,
    PageUp,
    Home,
    End,
    NextPane,
    Open,
    Parent,
    Child,
    OrderedBy,
    OtherAccess,
    ErrorRoot,
    Back,
    Forward,
    Search,
    NextMatch,
    PrevMatch,
    Lanes,
    Filter,
    Help,
    Pause,
    Faster,
    Slower,
}

/// One binding: the key as the help shows it, the key itself, the action
/// and what it does.
pub struct Binding {
    pub label: &'static str,
    pub code: KeyCode,
    pub ctrl: bool,
    pub action: Action,
    pub help: &'static str,
}

const fn bind(
    label: &'static str,
    code: KeyCode,
    ctrl: bool,
    action: Action,
    help: &'static str,
) -> Binding {
    Binding {
        label,
        code,
        ctrl,
        action,
        help,
    }
}

/// Every binding, in the order the help lists them.
pub const KEYMAP: &[Binding] = &[
    bind("q", KeyCode::Char('q'), false, Action::Quit, "quit"),
    bind("Ctrl-C", KeyCode::Char('c'), true, Action::Quit, "quit"),
    bind("j", KeyCode::Char('j'), false, Action::Down, "next row"),
    bind("Down", KeyCode::Down, false, Action::Down, "next row"),
    bind("k", KeyCode::Char('k'), false, Action::Up, "previous row"),
    bind("Up", KeyCode::Up, false, Action::Up, "previous row"),
    bind(
        "PgDn",
        KeyCode::PageDown,
        false,
        Action::PageDown,
        "page down",
    ),
    bind("PgUp", KeyCode::PageUp, false, Action::PageUp, "page up"),
    bind("Home", KeyCode::Home, false, Action::Home, "first row"),
    bind("End", KeyCode::End, false, Action::End, "last row"),
    bind(
        "Tab",
        KeyCode::Tab,
        false,
        Action::NextPane,
        "switch between events and findings",
    ),
    bind(
        "Enter",
        KeyCode::Enter,
        false,
        Action::Open,
        "jump to the selected finding's event",
    ),
    bind(
        "p",
        KeyCode::Char('p'),
        false,
        Action::Parent,
        "go to the parent event",
    ),
    bind(
        "c",
        KeyCode::Char('c'),
        false,
        Action::Child,
        "go to the next child event",
    ),
    bind(
        "o",
        KeyCode::Char('o'),
        false,
        Action::OrderedBy,
        "go to the event on another lane that ordered this one",
    ),
    bind(
        "a",
        KeyCode::Char('a'),
        false,
        Action::OtherAccess,
        "go to the other access of the race",
    ),
    bind(
        "r",
        KeyCode::Char('r'),
        false,
        Action::ErrorRoot,
        "go to the root of the error chain",
    ),
    bind(
        "b",
        KeyCode::Char('b'),
        false,
        Action::Back,
        "back in the history",
    ),
    bind(
        "Left",
        KeyCode::Left,
        false,
        Action::Back,
        "back in the history",
    ),
    bind(
        "f",
        KeyCode::Char('f'),
        false,
        Action::Forward,
        "forward in the history",
    ),
    bind(
        "Right",
        KeyCode::Right,
        false,
        Action::Forward,
        "forward in the history",
    ),
    bind(
        "/",
        KeyCode::Char('/'),
        false,
        Action::Search,
        "search events (Enter to run, Esc to cancel)",
    ),
    bind(
        "n",
        KeyCode::Char('n'),
        false,
        Action::NextMatch,
        "next match",
    ),
    bind(
        "N",
        KeyCode::Char('N'),
        false,
        Action::PrevMatch,
        "previous match",
    ),
    bind(
        "l",
        KeyCode::Char('l'),
        false,
        Action::Lanes,
        "show or hide the lanes view (space-time diagram)",
    ),
    bind(
        "F",
        KeyCode::Char('F'),
        false,
        Action::Filter,
        "filter events by kind: lane: var: trace: (globs)",
    ),
    bind(
        "Space",
        KeyCode::Char(' '),
        false,
        Action::Pause,
        "pause or resume the replay (--replay)",
    ),
    bind(
        "+",
        KeyCode::Char('+'),
        false,
        Action::Faster,
        "replay twice as fast",
    ),
    bind(
        "-",
        KeyCode::Char('-'),
        false,
        Action::Slower,
        "replay half as fast",
    ),
    bind(
        "?",
        KeyCode::Char('?'),
        false,
        Action::Help,
        "show or hide this help",
    ),
];

/// The action bound to a key, if any.
pub fn action(key: KeyEvent) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    KEYMAP
        .iter()
        .find(|b| b.code == key.code && b.ctrl == ctrl)
        .map(|b| b.action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_bound_once() {
        for (i, a) in KEYMAP.iter().enumerate() {
            for b in &KEYMAP[i + 1..] {
                assert!(!(a.code == b.code && a.ctrl == b.ctrl), "{} twice", a.label);
            }
        }
    }

    #[test]
    fn docs_list_every_binding() {
        let docs = include_str!("../../../docs/tui.md");
        for b in KEYMAP {
            let row = format!("| `{}` | {} |", b.label, b.help);
            assert!(docs.contains(&row), "docs/tui.md lacks: {row}");
        }
    }
}
