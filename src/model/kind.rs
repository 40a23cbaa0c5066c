//! Event kinds of the trace format v1 and the access classes that race
//! detection distinguishes.

/// The `kind` of an event. Unknown kinds are read as [`EventKind::Custom`]
/// with a warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    FunctionEntry,
    FunctionExit,
    AsyncSpawn,
    AsyncAwait,
    StateRead,
    StateWrite,
    LockAcquire,
    LockRelease,
    MessageSend,
    MessageReceive,
    HttpRequest,
    HttpResponse,
    DbQuery,
    Error,
    Custom,
}

impl EventKind {
    pub const ALL: [EventKind; 15] = [
        EventKind::FunctionEntry,
        EventKind::FunctionExit,
        EventKind::AsyncSpawn,
        EventKind::AsyncAwait,
        EventKind::StateRead,
        EventKind::StateWrite,
        EventKind::LockAcquire,
        EventKind::LockRelease,
        EventKind::MessageSend,
        EventKind::MessageReceive,
        EventKind::HttpRequest,
        EventKind::HttpResponse,
        EventKind::DbQuery,
        EventKind::Error,
        EventKind::Custom,
    ];

    /// The name used in trace files.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::FunctionEntry => "function_entry",
            EventKind::FunctionExit => "function_exit",
            EventKind::AsyncSpawn => "async_spawn",
            EventKind::AsyncAwait => "async_await",
            EventKind::StateRead => "state_read",
            EventKind::StateWrite => "state_write",
            EventKind::LockAcquire => "lock_acquire",
            EventKind::LockRelease => "lock_release",
            EventKind::MessageSend => "message_send",
            EventKind::MessageReceive => "message_receive",
            EventKind::HttpRequest => "http_request",
            EventKind::HttpResponse => "http_response",
            EventKind::DbQuery => "db_query",
            EventKind::Error => "error",
            EventKind::Custom => "custom",
        }
    }

    /// Parses a kind name; `None` for a kind this version does not know.
    pub fn parse(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The metadata field that names this kind's subject, if it has one.
    pub fn subject_field(self) -> Option<&'static str> {
        match self {
            EventKind::StateRead | EventKind::StateWrite => Some("variable"),
            EventKind::LockAcquire | EventKind::LockRelease => Some("lock"),
            EventKind::AsyncSpawn | EventKind::AsyncAwait => Some("task"),
            EventKind::MessageSend | EventKind::MessageReceive => Some("message_id"),
            _ => None,
        }
    }
}

/// How an access touches a variable. Two accesses can race only if at least
/// one of them is a [`AccessClass::Write`] (a non-atomic write).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AccessClass {
    Read,
    AtomicWrite,
    Write,
}

impl AccessClass {
    /// Whether an access of this class and one of `other` may race.
    pub fn conflicts_with(self, other: AccessClass) -> bool {
        self == AccessClass::Write || other == AccessClass::Write
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccessClass::Read => "read",
            AccessClass::AtomicWrite => "atomic write",
            AccessClass::Write => "write",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EventKind::parse("state_change"), None);
    }

    #[test]
    fn only_plain_writes_make_conflicts() {
        use AccessClass::*;
        assert!(Write.conflicts_with(Read));
        assert!(Read.conflicts_with(Write));
        assert!(Write.conflicts_with(AtomicWrite));
        assert!(!AtomicWrite.conflicts_with(AtomicWrite));
        assert!(!AtomicWrite.conflicts_with(Read));
        assert!(!Read.conflicts_with(Read));
    }
}
