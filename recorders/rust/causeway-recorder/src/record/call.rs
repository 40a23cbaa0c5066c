//! What `#[trace]` expands to at run time: a [`Call`] records the entry
//! and, when told how the call ended, the exit; [`InCall`] makes an async
//! call the innermost open call of whatever task polls it, poll by poll.

use super::event::{FnLabel, FnName, Outcome, Payload, Site};
use super::{Parent, line, record};
use std::any::Any;
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

/// An open recorded call.
pub struct Call {
    seq: Option<u64>,
    function: FnName,
    /// When the entry was recorded (only read if it was).
    started: Option<Instant>,
    /// Whether the entry is on the line's stack (sync calls).
    pushed: bool,
    done: bool,
}

impl Call {
    fn open(
        site: &'static Site,
        self_type: Option<&'static str>,
        args: impl FnOnce() -> String,
        push: bool,
    ) -> Call {
        let function = FnName { site, self_type };
        let seq = record(Parent::Current, || Payload::Entry {
            function,
            args: args(),
        });
        let pushed = push
            && seq.is_some_and(|s| {
                line::with_line(|l| l.push(s, Some(FnLabel::Traced(function)))).is_some()
            });
        Call {
            seq,
            function,
            started: seq.map(|_| Instant::now()),
            pushed,
            done: false,
        }
    }

    /// Records the entry of a sync call and makes it the line's innermost.
    pub fn enter(
        site: &'static Site,
        self_type: Option<&'static str>,
        args: impl FnOnce() -> String,
    ) -> Call {
        Self::open(site, self_type, args, true)
    }

    /// Records the entry of an async call (see [`InCall`]).
    pub fn enter_async(
        site: &'static Site,
        self_type: Option<&'static str>,
        args: impl FnOnce() -> String,
    ) -> Call {
        Self::open(site, self_type, args, false)
    }

    fn pop(&mut self) {
        if self.pushed {
            self.pushed = false;
            let seq = self.seq;
            if let Some(seq) = seq {
                line::with_line(|l| l.pop(seq));
            }
        }
    }

    fn exit(&mut self, outcome: impl FnOnce() -> Outcome) {
        self.pop();
        if self.done {
            return;
        }
        self.done = true;
        let Some(entry) = self.seq else { return };
        let elapsed = self.started.map(|t| t.elapsed().as_nanos()).unwrap_or(0);
        let duration_ns = u64::try_from(elapsed).unwrap_or(u64::MAX);
        let function = self.function;
        record(Parent::Of(entry), || Payload::Exit {
            function,
            outcome: outcome(),
            duration_ns,
        });
    }

    /// Whether the entry was recorded (and the exit will be).
    pub fn is_recorded(&self) -> bool {
        self.seq.is_some()
    }

    /// The call returned normally.
    pub fn ret(mut self, value: impl FnOnce() -> String) {
        if self.seq.is_some() {
            self.exit(|| Outcome::Return(value()));
        } else {
            self.pop();
        }
    }

    /// The call returned an `Err`.
    pub fn err(mut self, error_type: &'static str, message: impl FnOnce() -> String) {
        if self.seq.is_some() {
            self.exit(|| Outcome::Exception {
                error_type: Cow::Borrowed(error_type),
                message: message(),
            });
        } else {
            self.pop();
        }
    }

    /// The call panicked with this payload.
    pub fn panicked(&mut self, payload: &(dyn Any + Send)) {
        self.exit(|| Outcome::Exception {
            error_type: Cow::Borrowed("panic"),
            message: panic_message(payload),
        });
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        // Only a future dropped before it finished gets here unclosed.
        self.exit(|| Outcome::Cancelled);
    }
}

/// A panic's message, when it is a string.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_owned()
    }
}

pin_project_lite::pin_project! {
    /// An async call's body: while it is polled, its entry is the innermost
    /// open call of the polling line; a panic in it is recorded as the
    /// call's exception. Resolves to the call (to record the return) and
    /// the body's output.
    pub struct InCall<F> {
        call: Option<Call>,
        #[pin]
        body: F,
    }
}

impl<F> InCall<F> {
    pub fn new(call: Call, body: F) -> Self {
        InCall {
            call: Some(call),
            body,
        }
    }
}

impl<F: Future> Future for InCall<F> {
    type Output = (Call, F::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let seq = this.call.as_ref().and_then(|c| c.seq);
        let function = this.call.as_ref().map(|c| FnLabel::Traced(c.function));
        let pushed = seq.is_some_and(|s| line::with_line(|l| l.push(s, function)).is_some());
        let body = this.body;
        let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body.poll(cx)));
        if pushed && let Some(seq) = seq {
            line::with_line(|l| l.pop(seq));
        }
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(out)) => {
                let call = this.call.take().expect("InCall polled after it completed");
                Poll::Ready((call, out))
            }
            Err(payload) => {
                if let Some(call) = this.call.as_mut() {
                    call.panicked(&*payload);
                }
                std::panic::resume_unwind(payload)
            }
        }
    }
}
