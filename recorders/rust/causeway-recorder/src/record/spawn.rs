//! Spawns and joins, shared by threads and tasks: the spawner names the
//! new line, records `async_spawn` and hands over a [`Line`] whose first
//! events name the spawn as their parent; a join records `async_await`.

use super::event::{Loc, Payload};
use super::line::{self, Line, unique_name};
use super::{Parent, record};
use std::sync::Arc;

/// Records a spawn on the current line; returns the new line's name and
/// its state, to install in the thread or task before it runs.
pub fn spawned(name: Option<&str>, fallback: &str, at: Option<Loc>) -> (Arc<str>, Line) {
    let (number, task) = unique_name(name, fallback);
    let spawn = record(Parent::Current, || Payload::Spawn {
        task: task.clone(),
        at,
    });
    let bound = line::with_line(|l| l.inherited()).flatten();
    (task.clone(), Line::spawned((number, task), spawn, bound))
}

/// Records that the current line joined (awaited) `task`.
pub fn joined(task: &Arc<str>, at: Option<Loc>) {
    record(Parent::Current, || Payload::Await {
        task: task.clone(),
        at,
    });
}
