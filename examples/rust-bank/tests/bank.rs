//! The example end to end: recorded, analyzed by the real `causeway`.

use causeway_recorder_conformance as conformance;
use std::collections::BTreeSet;
use std::path::Path;

fn run(
    args: &[&str],
) -> Option<(
    i32,
    serde_json::Value,
    std::collections::BTreeMap<String, String>,
)> {
    let causeway = conformance::causeway_bin()?;
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scratch = tempfile::tempdir().unwrap();
    let trace = conformance::record(
        Path::new(env!("CARGO_BIN_EXE_rust-bank")),
        here,
        args,
        scratch.path(),
    );
    let (code, report) = conformance::analyze(&causeway, &trace);
    assert_eq!(report["summary"]["bad_lines"], 0);
    Some((
        code,
        report,
        conformance::markers(&here.join("src/main.rs")),
    ))
}

#[test]
fn the_racy_bank_reports_the_race_at_the_right_lines_with_both_chains() {
    let Some((code, report, m)) = run(&[]) else {
        return;
    };
    assert_eq!(code, 1, "races fail the analysis");
    let pair = |a: &str, b: &str| {
        let mut l = vec![m[a].clone(), m[b].clone()];
        l.sort();
        ("balance".to_owned(), l)
    };
    let want: BTreeSet<_> = [
        pair("deposit-read", "withdraw-write"),
        pair("deposit-write", "withdraw-read"),
        pair("deposit-write", "withdraw-write"),
    ]
    .into();
    assert_eq!(conformance::races(&report), want);
    for race in report["races"].as_array().unwrap() {
        let accesses = race["accesses"].as_array().unwrap();
        assert_eq!(accesses.len(), 2);
        let threads: BTreeSet<_> = accesses
            .iter()
            .map(|a| a["thread"].as_str().unwrap())
            .collect();
        assert_eq!(
            threads,
            ["teller-1", "teller-2"].into(),
            "one access from each teller"
        );
        for access in accesses {
            // Each chain leads from the teller's spawn through its calls
            // (teller, then deposit or withdraw) to the access.
            let kinds: Vec<_> = access["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["kind"].as_str().unwrap())
                .collect();
            assert_eq!(kinds.first(), Some(&"async_spawn"), "{kinds:?}");
            assert_eq!(
                kinds.iter().filter(|k| **k == "function_entry").count(),
                2,
                "{kinds:?}"
            );
            assert!(kinds.last().unwrap().starts_with("state_"), "{kinds:?}");
        }
    }
}

#[test]
fn the_fixed_bank_has_no_race() {
    let Some((code, report, _)) = run(&["--fixed"]) else {
        return;
    };
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["races"], 0);
}
