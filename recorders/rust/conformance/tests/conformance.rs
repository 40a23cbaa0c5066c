//! Every program under `src/bin` recorded and analyzed, checked against its
//! `NAME.expect.json` (see the crate docs for the format).

use causeway_recorder_conformance as conformance;

#[test]
fn every_program_has_an_expectation_with_known_markers() {
    let programs = conformance::programs();
    assert!(programs.len() >= 10, "found {} programs", programs.len());
    for p in programs {
        let markers = conformance::markers(&p);
        // Resolving the expectation panics on a marker the program lacks.
        conformance::expected(&p.with_extension("expect.json"), &markers);
    }
}

#[test]
fn programs_record_the_races_they_are_expected_to() {
    let Some(causeway) = conformance::causeway_bin() else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let bins = conformance::bin_dir();
    let failures: Vec<String> = conformance::programs()
        .iter()
        .filter_map(|source| {
            let name = source.file_stem().unwrap().to_str().unwrap();
            let exe = bins.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
            conformance::check(&causeway, source, &exe, scratch.path()).err()
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
