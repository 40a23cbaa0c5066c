//! Happens-before and causal graphs: the synchronization edges of a
//! recording ([`edges`]), vector clocks over it ([`hb`]), and per-trace
//! petgraph DAGs for path queries ([`trace_graph`]), and the function calls
//! of a recording ([`calls`]); why two events are ordered ([`why`]) and
//! the graph as exported ([`view`]).

pub mod calls;
pub mod clock;
pub mod edges;
pub mod hb;
pub mod trace_graph;
pub mod view;
pub mod why;

pub use edges::{Edge, EdgeKind};
pub use hb::HappensBefore;
pub use trace_graph::TraceGraph;
