//! Draws a [`State`] into a ratatui frame: the event stream (only the
//! visible rows are formatted), the details of the selected event, the
//! findings, a status line and the help overlay. Every trace string goes
//! through [`clean`]; colour only when the state asks for it (NO_COLOR).

use super::keymap::KEYMAP;
use super::state::{Mode, Pane, State};
use crate::model::{EventIdx, EventKind, ExecId};
use crate::report::Body;
use crate::report::printable;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// Draws the whole screen.
pub fn draw(frame: &mut Frame, state: &mut State) {
    let [body, status] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(frame.area());
    let [events, right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body);
    let [details, findings] =
        Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(right);
    draw_events(frame, state, events);
    if state.lanes {
        draw_lanes(frame, state, right);
    } else {
        draw_details(frame, state, details);
        draw_findings(frame, state, findings);
    }
    draw_status(frame, state, status);
    if state.mode == Mode::Help {
        draw_help(frame, frame.area());
    }
}

fn style(state: &State, color: Color) -> Style {
    if state.color {
        Style::new().fg(color)
    } else {
        Style::new()
    }
}

fn kind_color(kind: EventKind, exception: bool) -> Color {
    match kind {
        EventKind::Error => Color::Red,
        EventKind::FunctionExit if exception => Color::Red,
        EventKind::StateWrite => Color::Yellow,
        EventKind::StateRead => Color::Cyan,
        EventKind::LockAcquire | EventKind::LockRelease => Color::Magenta,
        EventKind::MessageSend | EventKind::MessageReceive => Color::Blue,
        EventKind::AsyncSpawn | EventKind::AsyncAwait => Color::Green,
        _ => Color::Reset,
    }
}

fn block<'t>(title: &'t str, focused: bool) -> Block<'t> {
    let block = Block::new().borders(Borders::ALL).title(title);
    if focused {
        block.border_style(Style::new().add_modifier(Modifier::BOLD))
    } else {
        block
    }
}

fn draw_events(frame: &mut Frame, state: &mut State, area: Rect) {
    let rows = area.height.saturating_sub(2) as usize;
    state.events_area = area;
    state.scroll_to_selected(rows);
    let rec = state.rec;
    let t0 = rec.events.first().map_or(0, |e| e.timestamp_ns);
    let end = (state.top + rows).min(state.row_count());
    let mut lines = Vec::with_capacity(rows);
    for row in state.top..end {
        let i = state.event_at(row);
        let e = &rec.events[i];
        let idx = EventIdx(i as u32);
        let line = rec.exec_line(idx);
        let mark = if state.mark(idx).is_some() { "!" } else { " " };
        let what = e.function.or(e.subject).map_or("", |s| rec.str(s));
        let text = format!(
            "{mark}{i:>7} {:>10.3}ms {}/{} {:<15} {} {}",
            (e.timestamp_ns - t0) as f64 / 1e6,
            state.clean(rec.str(line.service)),
            state.clean(rec.str(line.thread)),
            e.kind.as_str(),
            state.clean(what),
            state.clean(rec.str(e.location)),
        );
        let mut s = style(state, kind_color(e.kind, e.flags.exception));
        if mark == "!" && state.color {
            s = s.add_modifier(Modifier::BOLD);
        }
        if i == state.selected {
            s = s.add_modifier(Modifier::REVERSED);
        }
        lines.push(Line::from(Span::styled(text, s)));
    }
    let title = match &state.filter {
        _ if state.replay.is_some() => format!(
            " events {}/{}, {} shown so far ",
            state.selected + usize::from(!state.is_empty()),
            state.len(),
            state.row_count()
        ),
        None => format!(
            " events {}/{} ",
            state.selected + usize::from(!state.is_empty()),
            state.len()
        ),
        Some((_, rows)) => format!(
            " events {}/{}, {} shown by the filter ",
            state.selected + usize::from(!state.is_empty()),
            state.len(),
            rows.len()
        ),
    };
    frame.render_widget(
        Paragraph::new(lines).block(block(&title, state.pane == Pane::Events)),
        area,
    );
}

/// One letter per kind in the lanes view.
fn glyph(kind: EventKind) -> char {
    match kind {
        EventKind::FunctionEntry => '(',
        EventKind::FunctionExit => ')',
        EventKind::StateRead => 'R',
        EventKind::StateWrite => 'W',
        EventKind::LockAcquire => 'L',
        EventKind::LockRelease => 'U',
        EventKind::MessageSend => 'S',
        EventKind::MessageReceive => 'V',
        EventKind::AsyncSpawn => '+',
        EventKind::AsyncAwait => 'A',
        EventKind::Error => 'E',
        _ => '*',
    }
}

/// Columns per lane in the lanes view.
const LANE_WIDTH: usize = 3;

/// The lanes view: the events shown in the list (the window around the
/// selection) as a space-time diagram, time going down, one column per
/// lane that has an event in the window; an event is its kind's letter in
/// its lane's column, an arrow from another lane's column shows the edge
/// that ordered it when that lane is drawn, and a legend names the lanes.
fn draw_lanes(frame: &mut Frame, state: &State, area: Rect) {
    let rec = state.rec;
    let inner_width = area.width.saturating_sub(2) as usize;
    let rows = area.height.saturating_sub(2) as usize;
    // The events the list shows, as many as fit above the legend.
    let top = state.top;
    let end = (top + state.page).min(state.row_count());
    let mut lanes: Vec<ExecId> = (top..end)
        .map(|row| rec.events[state.event_at(row)].exec)
        .collect();
    lanes.sort_by_key(|l| l.index());
    lanes.dedup();
    let gutter = 8;
    let fit = inner_width.saturating_sub(gutter) / LANE_WIDTH;
    let hidden = lanes.len().saturating_sub(fit);
    lanes.truncate(fit);
    let legend_rows = (lanes.len() + 2 + usize::from(hidden > 0)).min(rows / 2);
    let diagram_rows = rows.saturating_sub(legend_rows + 1);
    let selected = state.row_of(state.selected).unwrap_or_else(|r| r);
    let start = if selected >= top + diagram_rows {
        selected + 1 - diagram_rows
    } else {
        top
    };
    let end = (start + diagram_rows).min(state.row_count());
    let column = |exec: ExecId| lanes.iter().position(|&l| l == exec);
    let label = |i: usize| char::from(b'A' + (i % 26) as u8);

    let mut lines: Vec<Line> = Vec::with_capacity(rows);
    let mut head = " ".repeat(gutter);
    for i in 0..lanes.len() {
        head.push_str(&format!(" {} ", label(i)));
    }
    lines.push(Line::from(Span::styled(
        head,
        Style::new().add_modifier(Modifier::BOLD),
    )));
    for row in start..end {
        let i = state.event_at(row);
        let idx = EventIdx(i as u32);
        let e = &rec.events[i];
        let mut cells: Vec<char> = std::iter::repeat_n([' ', '|', ' '], lanes.len())
            .flatten()
            .collect();
        let here = column(e.exec);
        if let Some(c) = here {
            cells[c * LANE_WIDTH + 1] = glyph(e.kind);
            if let Some(from) = state
                .ordered_by(idx)
                .and_then(|edge| column(rec.event(edge.from).exec))
            {
                let (a, b) = (from.min(c), from.max(c));
                for cell in &mut cells[a * LANE_WIDTH + 2..b * LANE_WIDTH + 1] {
                    *cell = '-';
                }
                if from < c {
                    cells[c * LANE_WIDTH] = '>';
                } else {
                    cells[c * LANE_WIDTH + 2] = '<';
                }
            }
        }
        let mark = if state.mark(idx).is_some() { '!' } else { ' ' };
        let text = format!("{mark}{i:>6} {}", cells.into_iter().collect::<String>());
        let mut s = style(state, kind_color(e.kind, e.flags.exception));
        if i == state.selected {
            s = s.add_modifier(Modifier::REVERSED);
        }
        lines.push(Line::from(Span::styled(text, s)));
    }
    while lines.len() < rows.saturating_sub(legend_rows) {
        lines.push(Line::from(""));
    }
    let mut legend: Vec<Line> = lanes
        .iter()
        .enumerate()
        .map(|(i, &l)| {
            let line = &rec.exec_lines[l.index()];
            Line::from(format!(
                "{} {}/{}",
                label(i),
                state.clean(rec.str(line.service)),
                state.clean(rec.str(line.thread))
            ))
        })
        .collect();
    if hidden > 0 {
        legend.push(Line::from(format!("(+{hidden} lanes not shown)")));
    }
    legend.push(Line::from("() call  RW read/write  LU lock"));
    legend.push(Line::from("SV message  +A spawn/await  E err"));
    lines.extend(legend.into_iter().take(legend_rows));
    frame.render_widget(Paragraph::new(lines).block(block(" lanes ", false)), area);
}

fn draw_details(frame: &mut Frame, state: &State, area: Rect) {
    let rec = state.rec;
    let mut lines: Vec<Line> = Vec::new();
    if let Some(e) = rec.events.get(state.selected) {
        let idx = EventIdx(state.selected as u32);
        let line = rec.exec_line(idx);
        let mut field = |name: &str, value: String| {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{name:<9}"),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::raw(value),
            ]));
        };
        field("id", state.clean(rec.id_str(idx)));
        field("kind", e.kind.as_str().to_string());
        field("trace", state.clean(rec.str(e.trace)));
        field(
            "lane",
            format!(
                "{}/{}",
                state.clean(rec.str(line.service)),
                state.clean(rec.str(line.thread))
            ),
        );
        if let Some(f) = e.function {
            field("function", state.clean(rec.str(f)));
        }
        if let Some(s) = e.subject {
            field("subject", state.clean(rec.str(s)));
        }
        field("location", state.clean(rec.str(e.location)));
        let file = rec
            .files
            .get(e.origin.file as usize)
            .map_or("", |f| f.path.as_str());
        field("input", format!("{}:{}", state.clean(file), e.origin.line));
        field(
            "parent",
            e.parent.map_or("none".to_string(), |p| {
                format!("#{} {}", p.0, state.clean(rec.id_str(p)))
            }),
        );
        if let Some(edge) = state.ordered_by(idx) {
            field(
                "ordered",
                format!("by #{} ({}) [o]", edge.from.0, edge.kind.as_str()),
            );
        }
        if let Some(f) = state.mark(idx) {
            field(
                "finding",
                printable(&state.findings[f].head.title).into_owned(),
            );
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block(" details ", false)),
        area,
    );
}

fn draw_findings(frame: &mut Frame, state: &State, area: Rect) {
    let rows = area.height.saturating_sub(2) as usize;
    let top = (state.finding + 1).saturating_sub(rows);
    let shown = state.shown_findings();
    let lines: Vec<Line> = shown
        .iter()
        .map(|&f| &state.findings[f])
        .enumerate()
        .skip(top)
        .take(rows)
        .map(|(i, f)| {
            let color = match f.body {
                Body::Race(_) | Body::Error(_) => Color::Red,
                Body::Anomaly(_) => Color::Yellow,
            };
            let mut s = style(state, color);
            if i == state.finding && state.pane == Pane::Findings {
                s = s.add_modifier(Modifier::REVERSED);
            }
            Line::from(Span::styled(
                format!("{} {}", f.head.code, printable(&f.head.title)),
                s,
            ))
        })
        .collect();
    let title = if shown.len() == state.findings.len() {
        format!(" findings {} ", state.findings.len())
    } else {
        format!(" findings {} of {} ", shown.len(), state.findings.len())
    };
    frame.render_widget(
        Paragraph::new(lines).block(block(&title, state.pane == Pane::Findings)),
        area,
    );
}

fn draw_status(frame: &mut Frame, state: &State, area: Rect) {
    let text = match &state.mode {
        Mode::Search(query) => format!("/{}", printable(query)),
        Mode::Filter(text) => format!("filter: {}", printable(text)),
        _ if !state.status.is_empty() => printable(&state.status).into_owned(),
        _ => "? help  q quit  Tab pane  Enter jump  a other access  p parent  b back  / search"
            .to_string(),
    };
    // The filter stays on the status line while it applies.
    let text = match (&state.mode, &state.filter) {
        (Mode::Normal | Mode::Help, Some((filter, _))) => {
            format!("[F {}] {text}", printable(&filter.text))
        }
        _ => text,
    };
    let text = if state.banner.is_empty() {
        text
    } else {
        format!("[{}] {text}", state.banner)
    };
    frame.render_widget(Paragraph::new(text), area);
}

/// The key table from the keymap, keys with the same action on one entry
/// ("j, Down"), in one column, or two when one does not fit the height.
fn draw_help(frame: &mut Frame, area: Rect) {
    let mut entries: Vec<(String, &str)> = Vec::new();
    let mut last = None;
    for b in KEYMAP {
        match entries.last_mut() {
            Some((label, _)) if last == Some(b.action) => {
                label.push_str(", ");
                label.push_str(b.label);
            }
            _ => entries.push((b.label.to_string(), b.help)),
        }
        last = Some(b.action);
    }
    let width = 100.min(area.width);
    let inner = width.saturating_sub(2) as usize;
    let label_width = entries
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0)
        + 1;
    let columns = if entries.len() + 2 <= area.height as usize {
        1
    } else {
        2
    };
    let column_width = inner / columns;
    // Each entry as its lines: a description too long for the cell wraps
    // under itself, so that a small terminal still shows all of it.
    let wrapped: Vec<Vec<String>> = entries
        .iter()
        .map(|(label, help)| {
            let room = column_width.saturating_sub(label_width + 1).max(8);
            let mut lines: Vec<String> = Vec::new();
            let mut current = String::new();
            for word in help.split(' ') {
                if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > room
                {
                    lines.push(std::mem::take(&mut current));
                }
                if !current.is_empty() {
                    current.push(' ');
                }
                current.push_str(word);
            }
            lines.push(current);
            lines
                .iter()
                .enumerate()
                .map(|(i, text)| {
                    let key = if i == 0 { label.as_str() } else { "" };
                    let cell = format!("{key:<label_width$}{text}");
                    let cell: String = cell.chars().take(column_width.saturating_sub(1)).collect();
                    format!("{cell:<column_width$}")
                })
                .collect()
        })
        .collect();
    // Split the entries between the columns by lines, not by count.
    let total: usize = wrapped.iter().map(Vec::len).sum();
    let mut split = wrapped.len();
    if columns == 2 {
        let mut seen = 0;
        for (i, entry) in wrapped.iter().enumerate() {
            if seen >= total.div_ceil(2) {
                split = i;
                break;
            }
            seen += entry.len();
        }
    }
    let left: Vec<&String> = wrapped[..split].iter().flatten().collect();
    let right: Vec<&String> = wrapped[split..].iter().flatten().collect();
    let blank = " ".repeat(column_width);
    let lines: Vec<Line> = (0..left.len().max(right.len()))
        .map(|row| {
            let mut text = left
                .get(row)
                .map_or(blank.as_str(), |s| s.as_str())
                .to_string();
            if let Some(cell) = right.get(row) {
                text.push_str(cell);
            }
            Line::from(text)
        })
        .collect();
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(block(" keys (any key closes) ", true)),
        popup,
    );
}
