use super::*;
use crate::model::Recording;

fn load(name: &str) -> (Recording, Analysis) {
    let path = std::path::PathBuf::from(format!("fixtures/diff/{name}.jsonl"));
    let rec = crate::ingest::load(&[path], &crate::ingest::NoProgress).unwrap();
    let analysis = crate::analysis::analyze(&rec, None);
    (rec, analysis)
}

fn diff_of(pair: &str) -> DiffReport {
    let (p, pa) = load(&format!("{pair}-passing"));
    let (f, fa) = load(&format!("{pair}-failing"));
    diff(
        Run {
            rec: &p,
            analysis: &pa,
        },
        Run {
            rec: &f,
            analysis: &fa,
        },
    )
}

#[test]
fn a_lost_update_is_an_ordering_difference_before_the_failure() {
    let report = diff_of("lost-update");
    assert!(report.ordering_precedes_failure());
    let first = &report.order[0];
    assert_eq!(first.resource, "variable bank:balance");
    assert!(first.precedes_failure);
    // t1's write came before t2's read when it passed, after it when it
    // failed.
    assert!(
        report
            .order
            .iter()
            .any(|d| d.passing[0].what.starts_with("state_write")
                && d.passing[0].lane == "bank/t1"
                && d.passing[1].lane == "bank/t2"
                && d.failing[0].lane == "bank/t2")
    );
    assert!(
        report.order.iter().all(|d| d.race_in.contains(&"failing")),
        "{report:#?}"
    );
    assert_eq!(report.failure.as_ref().unwrap().id, "f10");
    assert_eq!(
        report.only_failing.len(),
        1,
        "the error: {:?}",
        report.only_failing
    );
    assert!(report.only_passing.is_empty());
}

#[test]
fn a_message_received_in_another_order() {
    let report = diff_of("message-order");
    assert!(report.ordering_precedes_failure());
    let d = &report.order[0];
    assert_eq!(d.resource, "channel jobs");
    assert!(d.passing[0].what.contains("p-open"), "{d:?}");
    assert!(d.failing[0].what.contains("f-write"), "{d:?}");
    assert!(report.values.iter().any(|v| v.field == "args"));
}

#[test]
fn a_lock_taken_in_another_order_is_no_race() {
    let report = diff_of("lock-order");
    assert!(report.ordering_precedes_failure());
    assert!(
        report
            .order
            .iter()
            .any(|d| d.resource == "lock bank:accounts")
    );
    assert!(report.order.iter().all(|d| d.race_in.is_empty()));
}

#[test]
fn timing_alone_is_no_ordering_difference() {
    let report = diff_of("timing-only");
    assert!(report.order.is_empty(), "{:?}", report.order);
    assert!(!report.ordering_precedes_failure());
    assert_eq!(report.only_failing.len(), 1);
    assert!(report.values.is_empty());
}

#[test]
fn lanes_whose_names_differ_align_by_spawn_position() {
    let report = diff_of("renamed-threads");
    // Thread-3/Thread-4 in the passing run are Thread-8/Thread-9 in the
    // failing one: aligned by the spawn that started them, every step but
    // the error has its counterpart.
    assert!(report.only_passing.is_empty(), "{:?}", report.only_passing);
    assert_eq!(report.only_failing.len(), 1, "{:?}", report.only_failing);
    assert!(report.ordering_precedes_failure());
    let d = &report.order[0];
    assert_eq!(d.resource, "variable bank:balance");
    assert_eq!(
        (d.passing[0].lane.as_str(), d.failing[1].lane.as_str()),
        ("bank/Thread-3", "bank/Thread-8")
    );
}
