//! JUnit XML (via quick-junit) for CI test reports: one test suite per run,
//! named after its inputs, and one test case per finding. A finding that
//! fails the build is a `<failure>`; one a baseline accepts is `<skipped>`;
//! the others (warnings, notes, kinds below `--fail-on`) pass, with their
//! details as output.
//!
//! Test case names are built from the finding's code, subject and
//! fingerprint, so they stay the same from run to run (CI test history
//! follows them) and never name an event of one recording; the class name
//! is the code. Names are unique within a report (repeated errors get
//! `#2`, `#3`), and the suite name, which lists the input files, keeps
//! reports of different traces apart when a CI system merges them.
//! quick-junit escapes XML and drops characters XML cannot carry; trace
//! control characters are made visible before that.

use super::text::finding_text;
use super::{BaselineState, Body, Finding, Render, Report, printable};
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use std::collections::HashMap;
use std::io::{self, Write};

pub struct JunitRenderer;

impl Render for JunitRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut junit = quick_junit::Report::new("causeway");
        let inputs: Vec<String> = report
            .inputs
            .iter()
            .map(|i| printable(i).into_owned())
            .collect();
        let mut suite = TestSuite::new(format!("causeway analyze {}", inputs.join(" ")));
        let mut seen: HashMap<String, u32> = HashMap::new();
        for finding in report.shown() {
            let finding = &*finding;
            let head = &finding.head;
            let mut name = test_name(finding);
            let count = seen.entry(name.clone()).or_insert(0);
            *count += 1;
            if *count > 1 {
                name = format!("{name} #{count}");
            }
            let details = finding_text(finding);
            let status = if head.fails {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status
                    .set_message(printable(&head.title).into_owned())
                    .set_type(head.code.as_str())
                    .set_description(details.clone());
                status
            } else if head.baseline == Some(BaselineState::Unchanged) {
                let mut status = TestCaseStatus::skipped();
                status.set_message("accepted by the baseline");
                status
            } else {
                TestCaseStatus::success()
            };
            let mut case = TestCase::new(name, status);
            case.set_classname(format!("causeway.{}", head.code));
            if !head.fails {
                case.set_system_out(details);
            }
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
        junit.serialize(&mut *out).map_err(io::Error::other)?;
        writeln!(out)
    }
}

/// `data-race on Account#1.balance (bank) [0123abcd]`: stable, no event ids.
fn test_name(finding: &Finding) -> String {
    let subject = match &finding.body {
        Body::Race(race) => match &race.service {
            Some(service) => format!("on {} ({service})", race.variable),
            None => format!("on {} (global)", race.variable),
        },
        Body::Error(error) => {
            let what = error.error_type.as_deref().unwrap_or(&error.message);
            match &error.function {
                Some(function) => format!("{what} in {function}"),
                None => format!("{what} at {}", error.location),
            }
        }
        Body::Anomaly(anomaly) => match &anomaly.function {
            Some(function) => format!("{} in {function}", anomaly.anomaly_type),
            None => format!("{} at {}", anomaly.anomaly_type, anomaly.location),
        },
    };
    let fingerprint = &finding.head.fingerprint;
    let short = &fingerprint[..fingerprint.len().min(8)];
    printable(&format!("{} {subject} [{short}]", finding.head.code)).into_owned()
}
