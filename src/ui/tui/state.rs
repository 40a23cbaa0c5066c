//! The UI's state and its transitions: a key in, a new state out, no
//! terminal involved. Rows are event indexes in file order; only the rows
//! the view shows are ever formatted.

use super::filter::Filter;
use super::keymap::{self, Action};
use crate::graph::edges::{Edge, EdgeKind, sync_edges};
use crate::model::{EventIdx, Recording};
use crate::report::{Body, Finding, Report};
use ratatui::crossterm::event::{KeyCode, KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::{Position, Rect};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

/// Which list the movement keys move in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Events,
    Findings,
}

/// What the keyboard is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Typing a search query.
    Search(String),
    /// Typing a filter (`kind:write lane:worker-1 var:acct*`).
    Filter(String),
    Help,
}

/// The config's `redact` rules, as the report applies them.
pub type Redact<'a> = &'a dyn Fn(&mut String);

pub struct State<'a> {
    pub rec: &'a Recording,
    /// Applied to every trace string shown, as the report's strings are.
    redact: Redact<'a>,
    /// The findings as the text report shows them, in its order.
    pub findings: Vec<Cow<'a, Finding>>,
    /// Per finding: the events it names (primary first), resolved.
    pub finding_events: Vec<Vec<EventIdx>>,
    /// Events that take part in some finding, with the first such finding.
    pub marked: HashMap<EventIdx, usize>,
    /// Synchronization edges, sorted by target.
    edges: Vec<Edge>,
    /// Every event's children in file order: those of event `i` are
    /// `children[child_start[i]..child_start[i + 1]]`.
    child_start: Vec<u32>,
    children: Vec<EventIdx>,
    /// The events matching `query`, in file order, found once per query so
    /// that `n` and `N` are a binary search.
    all_hits: Vec<EventIdx>,
    /// Those of `all_hits` the filter shows.
    hits: Vec<EventIdx>,
    /// The filter and the events it shows, in file order.
    pub filter: Option<(Filter, Vec<EventIdx>)>,
    pub pane: Pane,
    pub mode: Mode,
    /// The selected event.
    pub selected: usize,
    /// The first row shown (a position in the shown rows).
    pub top: usize,
    /// Rows of the event list, as last drawn.
    pub page: usize,
    pub finding: usize,
    back: Vec<usize>,
    forward: Vec<usize>,
    pub query: Option<String>,
    /// A one-line message for the status bar.
    pub status: String,
    pub color: bool,
    /// The lanes view (a space-time diagram of the shown events) instead
    /// of the details and findings.
    pub lanes: bool,
    /// Where the event list was last drawn, for the mouse.
    pub events_area: Rect,
    /// What `--follow` says on the status line (empty otherwise).
    pub banner: String,
    /// `--replay`: the events revealed so far.
    pub replay: Option<Replay>,
    pub quit: bool,
}

/// `--replay`: events revealed in timestamp order as a clock runs from the
/// first event's timestamp at `speed` times real time.
pub struct Replay {
    /// Each event's position in timestamp order (file order among equal
    /// timestamps).
    rank: Vec<u32>,
    /// The timestamps in that order.
    times: Vec<i64>,
    /// How many events are revealed: those of rank below it.
    pub revealed: usize,
    /// The replay clock, in trace time (ns since the epoch, as recorded).
    pub clock_ns: i64,
    pub speed: f64,
    pub paused: bool,
    /// The rows shown: revealed events the filter shows, in file order.
    rows: Vec<EventIdx>,
}

impl Replay {
    /// The first event's timestamp.
    pub fn start_ns(&self) -> i64 {
        self.times.first().copied().unwrap_or(0)
    }

    pub fn is_revealed(&self, e: EventIdx) -> bool {
        (self.rank[e.index()] as usize) < self.revealed
    }

    pub fn done(&self) -> bool {
        self.revealed == self.times.len()
    }
}

/// The replay speeds `+` and `-` step through.
const MAX_SPEED: f64 = 1e6;
const MIN_SPEED: f64 = 1.0 / 64.0;

/// What the user was doing, carried from one state to the next when
/// `--follow` swaps in a new analysis: the selection, the history and the
/// scroll position by event id (file order may shift when an earlier file
/// grows), the pane, the mode, the filter and the search.
pub struct Carry {
    selected: Option<String>,
    back: Vec<String>,
    forward: Vec<String>,
    top: usize,
    page: usize,
    pane: Pane,
    mode: Mode,
    finding: usize,
    filter: Option<String>,
    query: Option<String>,
    status: String,
    color: bool,
    lanes: bool,
}

impl<'a> State<'a> {
    /// A state with no redaction.
    pub fn new(rec: &'a Recording, report: &'a Report) -> State<'a> {
        State::redacted(rec, report, &crate::report::html::no_redaction)
    }

    /// A state that shows the recording's strings through `redact`, the
    /// redaction the report went through (its findings name events by
    /// their redacted ids, so those are matched redacted too).
    pub fn redacted(rec: &'a Recording, report: &'a Report, redact: Redact<'a>) -> State<'a> {
        let findings = report.shown();
        let ids: Vec<Vec<&str>> = findings.iter().map(|f| named_ids(f)).collect();
        let wanted: HashSet<&str> = ids.iter().flatten().copied().collect();
        let mut by_id: HashMap<&str, EventIdx> = HashMap::new();
        if !wanted.is_empty() {
            for idx in rec.indices() {
                if let Some(&id) = wanted.get(rec.id_str(idx)) {
                    by_id.entry(id).or_insert(idx);
                }
            }
        }
        // Ids the redaction changed: only then is every id redacted to
        // find them.
        if wanted.iter().any(|id| !by_id.contains_key(id)) {
            let mut id = String::new();
            for idx in rec.indices() {
                id.clear();
                id.push_str(rec.id_str(idx));
                redact(&mut id);
                if let Some(&w) = wanted.get(id.as_str()) {
                    by_id.entry(w).or_insert(idx);
                }
            }
        }
        let finding_events: Vec<Vec<EventIdx>> = ids
            .iter()
            .map(|ids| ids.iter().filter_map(|id| by_id.get(id).copied()).collect())
            .collect();
        let mut marked = HashMap::new();
        for (i, events) in finding_events.iter().enumerate() {
            for &e in events {
                marked.entry(e).or_insert(i);
            }
        }
        let edges = sync_edges(rec);
        let (child_start, children) = children_of(rec);
        State {
            rec,
            redact,
            findings,
            finding_events,
            marked,
            edges,
            child_start,
            children,
            all_hits: Vec::new(),
            hits: Vec::new(),
            filter: None,
            pane: Pane::Events,
            mode: Mode::Normal,
            selected: 0,
            top: 0,
            page: 20,
            finding: 0,
            back: Vec::new(),
            forward: Vec::new(),
            query: None,
            status: String::new(),
            color: true,
            lanes: false,
            events_area: Rect::default(),
            banner: String::new(),
            replay: None,
            quit: false,
        }
    }

    /// Starts a replay at `speed` times real time: only the first event
    /// (those at the first timestamp) is shown, the rest as [`State::tick`]
    /// advances the clock.
    pub fn start_replay(&mut self, speed: f64) {
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        order.sort_by_key(|&i| self.rec.events[i as usize].timestamp_ns);
        let mut rank = vec![0u32; order.len()];
        for (r, &i) in order.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        let times: Vec<i64> = order
            .iter()
            .map(|&i| self.rec.events[i as usize].timestamp_ns)
            .collect();
        let clock_ns = times.first().copied().unwrap_or(0);
        self.replay = Some(Replay {
            rank,
            times,
            revealed: 0,
            clock_ns,
            speed,
            paused: false,
            rows: Vec::new(),
        });
        self.reveal();
        if let Some(&first) = self.replay.as_ref().and_then(|r| r.rows.first()) {
            self.select(first.index());
        }
    }

    /// Advances the replay clock by `real` time at the replay's speed (none
    /// while paused), revealing the events it passed.
    pub fn tick(&mut self, real: std::time::Duration) {
        let Some(replay) = &mut self.replay else {
            return;
        };
        if replay.paused || replay.done() {
            return;
        }
        let step = (real.as_nanos() as f64 * replay.speed).min(i64::MAX as f64 / 4.0) as i64;
        replay.clock_ns = replay.clock_ns.saturating_add(step);
        self.reveal();
    }

    /// Reveals the events up to the clock and rebuilds the shown rows.
    fn reveal(&mut self) {
        let Some(replay) = &mut self.replay else {
            return;
        };
        let revealed = replay.times.partition_point(|&t| t <= replay.clock_ns);
        if revealed == replay.revealed && !replay.rows.is_empty() {
            return;
        }
        replay.revealed = revealed;
        if replay.done() {
            // The clock stops at the last event, not a tick past it.
            let last = replay.times.last().copied().unwrap_or(0);
            replay.clock_ns = replay.clock_ns.min(last);
        }
        self.replay_rows();
    }

    fn replay_rows(&mut self) {
        let Some(replay) = &mut self.replay else {
            return;
        };
        let rows: Vec<EventIdx> = match &self.filter {
            Some((_, rows)) => rows
                .iter()
                .copied()
                .filter(|&e| replay.is_revealed(e))
                .collect(),
            None => (0..replay.rank.len() as u32)
                .map(EventIdx)
                .filter(|&e| replay.is_revealed(e))
                .collect(),
        };
        replay.rows = rows;
        self.filter_hits();
    }

    /// The findings the findings pane lists: all of them, or in a replay
    /// those whose events have all been revealed.
    pub fn shown_findings(&self) -> Vec<usize> {
        (0..self.findings.len())
            .filter(|&f| {
                self.replay
                    .as_ref()
                    .is_none_or(|r| self.finding_events[f].iter().all(|&e| r.is_revealed(e)))
            })
            .collect()
    }

    /// The finding an event is marked with, if that finding is shown.
    pub fn mark(&self, e: EventIdx) -> Option<usize> {
        let f = *self.marked.get(&e)?;
        match &self.replay {
            Some(r) if !self.finding_events[f].iter().all(|&e| r.is_revealed(e)) => None,
            _ => Some(f),
        }
    }

    /// What to carry over to the state of a new analysis.
    pub fn carry(&self) -> Carry {
        let id = |i: &usize| self.rec.id_str(EventIdx(*i as u32)).to_string();
        Carry {
            selected: (!self.is_empty()).then(|| id(&self.selected)),
            back: self.back.iter().map(id).collect(),
            forward: self.forward.iter().map(id).collect(),
            top: self.top,
            page: self.page,
            pane: self.pane,
            mode: self.mode.clone(),
            finding: self.finding,
            filter: self.filter.as_ref().map(|(f, _)| f.text.clone()),
            query: self.query.clone(),
            status: self.status.clone(),
            color: self.color,
            lanes: self.lanes,
        }
    }

    /// Takes over what the user was doing in the previous state: events
    /// found again by id (those gone are dropped), the filter and the
    /// search run again over the new events.
    pub fn restore(&mut self, carry: Carry) {
        let wanted: HashSet<&str> = carry
            .selected
            .iter()
            .chain(&carry.back)
            .chain(&carry.forward)
            .map(String::as_str)
            .collect();
        let mut by_id: HashMap<&str, usize> = HashMap::new();
        if !wanted.is_empty() {
            for idx in self.rec.indices() {
                if let Some(&id) = wanted.get(self.rec.id_str(idx)) {
                    by_id.entry(id).or_insert(idx.index());
                }
            }
        }
        let find = |id: &String| by_id.get(id.as_str()).copied();
        self.back = carry.back.iter().filter_map(find).collect();
        self.forward = carry.forward.iter().filter_map(find).collect();
        self.select(carry.selected.as_ref().and_then(find).unwrap_or(0));
        self.pane = carry.pane;
        self.mode = carry.mode;
        self.finding = carry.finding.min(self.findings.len().saturating_sub(1));
        self.color = carry.color;
        self.lanes = carry.lanes;
        self.page = carry.page;
        if let Some(text) = &carry.filter {
            self.set_filter(text);
        }
        if let Some(query) = carry.query {
            self.all_hits = self.search(&query);
            self.query = Some(query);
            self.filter_hits();
        }
        self.top = carry.top;
        self.status = carry.status;
    }

    pub fn len(&self) -> usize {
        self.rec.events.len()
    }

    /// A trace string as the UI may show it: redacted as the report is,
    /// then with control and bidi characters escaped.
    pub fn clean(&self, text: &str) -> String {
        let mut text = text.to_string();
        (self.redact)(&mut text);
        crate::report::printable(&text).into_owned()
    }

    pub fn is_empty(&self) -> bool {
        self.rec.events.is_empty()
    }

    /// Handles one key.
    pub fn key(&mut self, key: KeyEvent) {
        match &mut self.mode {
            Mode::Search(query) => match key.code {
                KeyCode::Esc => self.mode = Mode::Normal,
                KeyCode::Enter => {
                    let query = std::mem::take(query);
                    self.mode = Mode::Normal;
                    self.query = (!query.is_empty()).then_some(query);
                    self.all_hits = self.query.as_deref().map_or(Vec::new(), |q| self.search(q));
                    self.filter_hits();
                    self.find(true);
                }
                KeyCode::Backspace => {
                    query.pop();
                }
                KeyCode::Char(c) => query.push(c),
                _ => {}
            },
            Mode::Filter(text) => match key.code {
                KeyCode::Esc => self.mode = Mode::Normal,
                KeyCode::Enter => {
                    let text = std::mem::take(text);
                    self.mode = Mode::Normal;
                    self.set_filter(&text);
                }
                KeyCode::Backspace => {
                    text.pop();
                }
                KeyCode::Char(c) => text.push(c),
                _ => {}
            },
            Mode::Help => {
                if matches!(keymap::action(key), Some(Action::Quit)) {
                    self.quit = true;
                }
                self.mode = Mode::Normal;
            }
            Mode::Normal => {
                if let Some(action) = keymap::action(key) {
                    self.act(action);
                }
            }
        }
    }

    /// Handles the mouse: the wheel scrolls the event list (three rows a
    /// notch), a click on a row selects its event.
    pub fn mouse(&mut self, mouse: MouseEvent) {
        let at = Position::new(mouse.column, mouse.row);
        if self.mode != Mode::Normal || !self.events_area.contains(at) {
            return;
        }
        self.status.clear();
        match mouse.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let pane = std::mem::replace(&mut self.pane, Pane::Events);
                let step = if mouse.kind == MouseEventKind::ScrollDown {
                    3
                } else {
                    -3
                };
                self.move_by(step);
                self.pane = pane;
            }
            MouseEventKind::Down(MouseButton::Left) => {
                // Inside the border: the first row is one below the top.
                let Some(line) = mouse.row.checked_sub(self.events_area.y + 1) else {
                    return;
                };
                let row = self.top + line as usize;
                if line + 2 < self.events_area.height && row < self.row_count() {
                    self.pane = Pane::Events;
                    self.jump(self.event_at(row));
                }
            }
            _ => {}
        }
    }

    pub fn act(&mut self, action: Action) {
        self.status.clear();
        match action {
            Action::Quit => self.quit = true,
            Action::Down => self.move_by(1),
            Action::Up => self.move_by(-1),
            Action::PageDown => self.move_by(self.page.max(1) as isize),
            Action::PageUp => self.move_by(-(self.page.max(1) as isize)),
            Action::Home => self.move_by(isize::MIN / 2),
            Action::End => self.move_by(isize::MAX / 2),
            Action::NextPane => {
                self.pane = match self.pane {
                    Pane::Events => Pane::Findings,
                    Pane::Findings => Pane::Events,
                }
            }
            Action::Open => {
                let target = self
                    .shown_findings()
                    .get(self.finding)
                    .and_then(|&f| self.finding_events[f].first());
                match target {
                    Some(&e) => {
                        self.jump(e.index());
                        self.pane = Pane::Events;
                    }
                    None => self.status = "no event for this finding".to_string(),
                }
            }
            Action::Parent => match self.rec.events.get(self.selected).and_then(|e| e.parent) {
                Some(p) => self.jump(p.index()),
                None => self.status = "no parent".to_string(),
            },
            Action::Child => match self.next_child() {
                Some(c) => self.jump(c.index()),
                None => self.status = "no child after this event".to_string(),
            },
            Action::OrderedBy => match self.ordered_by(EventIdx(self.selected as u32)) {
                Some(edge) => {
                    self.status = format!("ordered by {}", edge.kind.as_str());
                    self.jump(edge.from.index());
                }
                None => self.status = "no event on another lane orders this one".to_string(),
            },
            Action::OtherAccess => match self.other_access() {
                Some(e) => self.jump(e),
                None => self.status = "not an access of a race".to_string(),
            },
            Action::ErrorRoot => match self.error_root() {
                Some(e) => self.jump(e),
                None => self.status = "not on an error chain".to_string(),
            },
            Action::Back => {
                if let Some(to) = self.back.pop() {
                    self.forward.push(self.selected);
                    self.select(to);
                }
            }
            Action::Forward => {
                if let Some(to) = self.forward.pop() {
                    self.back.push(self.selected);
                    self.select(to);
                }
            }
            Action::Search => self.mode = Mode::Search(String::new()),
            Action::NextMatch => self.find(true),
            Action::PrevMatch => self.find(false),
            Action::Lanes => self.lanes = !self.lanes,
            Action::Filter => {
                let text = self
                    .filter
                    .as_ref()
                    .map_or(String::new(), |(f, _)| f.text.clone());
                self.mode = Mode::Filter(text);
            }
            Action::Help => self.mode = Mode::Help,
            Action::Pause | Action::Faster | Action::Slower => match &mut self.replay {
                Some(replay) => match action {
                    Action::Pause => replay.paused = !replay.paused,
                    Action::Faster => replay.speed = (replay.speed * 2.0).min(MAX_SPEED),
                    _ => replay.speed = (replay.speed / 2.0).max(MIN_SPEED),
                },
                None => self.status = "not a replay (causeway tui --replay)".to_string(),
            },
        }
    }

    /// Applies a filter as typed (empty: none); a bad one leaves the
    /// filter as it was and says why.
    pub fn set_filter(&mut self, text: &str) {
        if text.trim().is_empty() {
            self.filter = None;
            self.status = "filter cleared".to_string();
        } else {
            match Filter::parse(text) {
                Ok(filter) => {
                    let rows = filter.rows(self.rec);
                    self.status = format!("{} events shown", rows.len());
                    self.filter = Some((filter, rows));
                }
                Err(e) => {
                    self.status = format!("filter: {e}");
                    return;
                }
            }
        }
        self.filter_hits();
        self.replay_rows();
        // Stay on the selected event if shown, else the next shown one.
        if self.row_count() > 0 {
            let row = match self.row_of(self.selected) {
                Ok(r) => r,
                Err(r) => r.min(self.row_count() - 1),
            };
            self.select(self.event_at(row));
        }
        self.top = 0;
    }

    /// The rows shown when not every event is: those the filter shows,
    /// in a replay only those revealed.
    fn rows(&self) -> Option<&[EventIdx]> {
        match (&self.replay, &self.filter) {
            (Some(replay), _) => Some(&replay.rows),
            (None, Some((_, rows))) => Some(rows),
            (None, None) => None,
        }
    }

    fn filter_hits(&mut self) {
        self.hits = match self.rows() {
            None => self.all_hits.clone(),
            Some(rows) => self
                .all_hits
                .iter()
                .filter(|e| rows.binary_search(e).is_ok())
                .copied()
                .collect(),
        };
    }

    /// How many rows the event list has: the events the filter shows.
    pub fn row_count(&self) -> usize {
        self.rows().map_or(self.len(), <[EventIdx]>::len)
    }

    /// The event on a row of the list.
    pub fn event_at(&self, row: usize) -> usize {
        self.rows().map_or(row, |rows| rows[row].index())
    }

    /// The row an event is on, or where it would be if the filter hides it.
    pub fn row_of(&self, event: usize) -> Result<usize, usize> {
        match self.rows() {
            None => Ok(event),
            Some(rows) => rows.binary_search(&EventIdx(event as u32)),
        }
    }

    fn move_by(&mut self, delta: isize) {
        match self.pane {
            Pane::Events => {
                let count = self.row_count();
                if count == 0 {
                    return;
                }
                let from = match self.row_of(self.selected) {
                    Ok(r) => r,
                    // Between two rows: a step down lands on the next one.
                    Err(r) if delta > 0 => {
                        if r == 0 {
                            self.select(self.event_at(0));
                            return;
                        }
                        r - 1
                    }
                    Err(r) => r.min(count),
                };
                let to = clamp(from, delta, count);
                self.select(self.event_at(to));
            }
            Pane::Findings => {
                self.finding = clamp(self.finding, delta, self.shown_findings().len())
            }
        }
    }

    fn select(&mut self, row: usize) {
        self.selected = row.min(self.len().saturating_sub(1));
    }

    /// Selects an event and records where we came from.
    pub fn jump(&mut self, row: usize) {
        if row != self.selected {
            self.back.push(self.selected);
            self.forward.clear();
        }
        self.select(row);
        let unrevealed = self
            .replay
            .as_ref()
            .is_some_and(|r| !r.is_revealed(EventIdx(self.selected as u32)));
        if unrevealed {
            self.status = format!("#{} is not revealed yet in the replay", self.selected);
        } else if self.row_of(self.selected).is_err() {
            self.status = format!(
                "#{} is hidden by the filter (F, empty, Enter shows all)",
                self.selected
            );
        }
    }

    /// The edge from another lane into `e` (a spawn, lock release, message
    /// send, join or parent on another lane).
    pub fn ordered_by(&self, e: EventIdx) -> Option<Edge> {
        let start = self.edges.partition_point(|edge| edge.to < e);
        let exec = self.rec.event(e).exec;
        self.edges[start..]
            .iter()
            .take_while(|edge| edge.to == e)
            .filter(|edge| self.rec.event(edge.from).exec != exec)
            .min_by_key(|edge| (edge.kind == EdgeKind::Parent, edge.from))
            .copied()
    }

    /// The other access of the race the selected event is an access of.
    fn other_access(&self) -> Option<usize> {
        let this = EventIdx(self.selected as u32);
        self.findings
            .iter()
            .zip(&self.finding_events)
            .filter(|(f, _)| matches!(f.body, Body::Race(_)))
            .find_map(|(_, events)| match events.as_slice() {
                [a, b, ..] if *a == this => Some(b.index()),
                [a, b, ..] if *b == this => Some(a.index()),
                _ => None,
            })
    }

    /// The root of the error chain the selected event is on.
    fn error_root(&self) -> Option<usize> {
        let this = EventIdx(self.selected as u32);
        self.findings
            .iter()
            .zip(&self.finding_events)
            .find_map(|(f, events)| match &f.body {
                Body::Error(_) if events.contains(&this) => events.get(1).map(|e| e.index()),
                _ => None,
            })
    }

    /// The first child of the selected event after it in file order.
    fn next_child(&self) -> Option<EventIdx> {
        let i = self.selected;
        let (from, to) = (
            *self.child_start.get(i)? as usize,
            *self.child_start.get(i + 1)? as usize,
        );
        let children = &self.children[from..to];
        let after = children.partition_point(|c| c.index() <= i);
        children.get(after).copied()
    }

    /// Selects the next (or previous) event that matches the query,
    /// wrapping around.
    fn find(&mut self, forward: bool) {
        let Some(query) = self.query.clone() else {
            self.status = "no search; press /".to_string();
            return;
        };
        let here = self.selected;
        let after = self.hits.partition_point(|e| e.index() <= here);
        let before = self.hits.partition_point(|e| e.index() < here);
        let hit = if forward {
            self.hits.get(after).or(self.hits.first())
        } else {
            before
                .checked_sub(1)
                .and_then(|i| self.hits.get(i))
                .or(self.hits.last())
        };
        match hit.copied() {
            Some(i) => {
                self.jump(i.index());
                self.status = format!("/{query}");
            }
            None => self.status = format!("not found: {query}"),
        }
    }

    /// Every event whose kind, function, subject, location (redacted) or
    /// id (as recorded) contains `query`, in file order. The strings are tested once each (an
    /// interned string is shared by many events) and the ids in one pass,
    /// so a query costs one sweep of integer lookups over the events.
    fn search(&self, query: &str) -> Vec<EventIdx> {
        let rec = self.rec;
        // Matched as shown: redacted, so a search cannot find what the
        // screen hides.
        let mut text = String::new();
        let sym_hit: Vec<bool> = (0..rec.strings.len())
            .map(|i| {
                text.clear();
                text.push_str(rec.str(crate::model::Sym::from_index(i as u32)));
                (self.redact)(&mut text);
                text.contains(query)
            })
            .collect();
        let hit = |s: crate::model::Sym| sym_hit[s.index()];
        let kinds: Vec<crate::model::EventKind> = crate::model::EventKind::ALL
            .into_iter()
            .filter(|k| k.as_str().contains(query))
            .collect();
        let by_id = rec.ids.containing(query);
        let mut by_id = by_id.iter().peekable();
        let mut hits = Vec::new();
        for (i, e) in rec.events.iter().enumerate() {
            let idx = EventIdx(i as u32);
            let id_hit = by_id.next_if_eq(&&idx).is_some();
            if id_hit
                || kinds.contains(&e.kind)
                || e.function.is_some_and(hit)
                || e.subject.is_some_and(hit)
                || hit(e.location)
            {
                hits.push(idx);
            }
        }
        hits
    }

    /// Keeps the selected row inside the shown window of `rows` rows.
    pub fn scroll_to_selected(&mut self, rows: usize) {
        self.page = rows;
        let count = self.row_count();
        let selected = match self.row_of(self.selected) {
            Ok(r) => r,
            Err(r) => r.min(count.saturating_sub(1)),
        };
        if selected < self.top {
            self.top = selected;
        } else if rows > 0 && selected >= self.top + rows {
            self.top = selected + 1 - rows;
        }
        self.top = self.top.min(count.saturating_sub(1));
    }
}

fn clamp(current: usize, delta: isize, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    (current as isize)
        .saturating_add(delta)
        .clamp(0, len as isize - 1) as usize
}

/// Every event's children, grouped by parent in file order (a counting
/// sort): the offsets of each parent's run, and the runs.
fn children_of(rec: &Recording) -> (Vec<u32>, Vec<EventIdx>) {
    let n = rec.events.len();
    let mut start = vec![0u32; n + 1];
    for e in &rec.events {
        if let Some(p) = e.parent {
            start[p.index() + 1] += 1;
        }
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut children = vec![EventIdx(0); start[n] as usize];
    for (i, e) in rec.events.iter().enumerate() {
        if let Some(p) = e.parent {
            children[fill[p.index()] as usize] = EventIdx(i as u32);
            fill[p.index()] += 1;
        }
    }
    (start, children)
}

/// The event ids a finding names, its primary event first: a race's two
/// accesses, an error and its chain from the root down, an anomaly's events.
fn named_ids(finding: &Finding) -> Vec<&str> {
    match &finding.body {
        Body::Race(r) => vec![&r.accesses[0].event_id, &r.accesses[1].event_id]
            .into_iter()
            .map(String::as_str)
            .collect(),
        Body::Error(e) => std::iter::once(e.event_id.as_str())
            .chain(e.chain.iter().map(String::as_str))
            .collect(),
        Body::Anomaly(a) => std::iter::once(a.event_id.as_str())
            .chain(a.affected_events.iter().map(String::as_str))
            .collect(),
    }
}
