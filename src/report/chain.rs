//! Which frames of a causal chain a report shows: every frame of a short
//! chain, and the first and last few of a long one with the count of those
//! left out between them, so the place an error started and the place it
//! surfaced are both in view.

use super::Step;

/// At most this many frames are shown; a longer chain keeps half from each
/// end.
pub(super) const MAX_CHAIN_STEPS: usize = 8;

/// A line of a shown chain.
pub(super) enum Shown<'a> {
    /// A frame's label, and its code location where that says more than
    /// the label (a span without code attributes is located by its own
    /// name).
    Frame(&'a str, Option<&'a str>),
    /// This many frames left out here.
    Elided(usize),
}

/// The frames of `steps` to show, in order.
pub(super) fn shown(steps: &[Step]) -> Vec<Shown<'_>> {
    if steps.len() <= MAX_CHAIN_STEPS {
        return steps.iter().map(frame).collect();
    }
    let half = MAX_CHAIN_STEPS / 2;
    let mut out: Vec<Shown<'_>> = steps[..half].iter().map(frame).collect();
    out.push(Shown::Elided(steps.len() - MAX_CHAIN_STEPS));
    out.extend(steps[steps.len() - half..].iter().map(frame));
    out
}

fn frame(step: &Step) -> Shown<'_> {
    let location = Some(step.location.as_str()).filter(|l| !l.is_empty() && *l != step.label);
    Shown::Frame(&step.label, location)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(n: usize) -> Step {
        Step {
            event_id: n.to_string(),
            kind: "function_entry".into(),
            label: format!("f{n}"),
            service: "s".into(),
            thread: "t".into(),
            location: format!("a.py:{n}"),
        }
    }

    fn labels(steps: &[Step]) -> Vec<String> {
        shown(steps)
            .iter()
            .map(|s| match s {
                Shown::Frame(label, _) => label.to_string(),
                Shown::Elided(n) => format!("({n})"),
            })
            .collect()
    }

    #[test]
    fn a_location_that_repeats_the_label_is_left_out() {
        let mut span = step(1);
        span.location = span.label.clone();
        assert!(matches!(shown(&[span])[0], Shown::Frame("f1", None)));
        assert!(matches!(
            shown(&[step(2)])[0],
            Shown::Frame("f2", Some("a.py:2"))
        ));
    }

    #[test]
    fn long_chains_keep_both_ends() {
        let short: Vec<Step> = (0..MAX_CHAIN_STEPS).map(step).collect();
        assert_eq!(labels(&short).len(), MAX_CHAIN_STEPS);
        let long: Vec<Step> = (0..11).map(step).collect();
        assert_eq!(
            labels(&long),
            ["f0", "f1", "f2", "f3", "(3)", "f7", "f8", "f9", "f10"]
        );
    }
}
