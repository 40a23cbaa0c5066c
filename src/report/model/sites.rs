//! Race sites: the race groups of one pair of code locations, the level at
//! which a person fixes a race. A recorder that names each dictionary entry
//! (`cache[k1]`, `cache[k2]`, ...) turns one racy pair of lines into one
//! group per key; the site folds them into one finding with the pattern of
//! their variables (`cache[*]`). The JSON report keeps every group in
//! `races` and adds the sites in `race_sites`; the other formats show sites.
//!
//! A site's primary pair is where the fix goes: when an access is in
//! third-party code (site-packages, node_modules, the standard library, the
//! cargo registry, or what `third-party` in causeway.toml adds), the
//! innermost frame of its chain in the user's own code.

use super::fingerprint::{fnv1a, stable_place};
use super::{Access, BadLinesBefore, BaselineState, Body, Finding, Race, split_location};
use crate::analysis::codes::{Code, Level};
use crate::model::third_party::is_third_party;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One pair of code locations where variables race.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RaceSite {
    pub code: Code,
    /// The highest severity among its groups.
    pub severity: Level,
    /// Whether any of its groups fails the build.
    pub fails: bool,
    pub fingerprint: String,
    /// `unchanged` when the baseline holds every group, else `new`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineState>,
    pub service: Option<String>,
    /// Where the accesses are, library lines included (sorted).
    pub locations: [String; 2],
    /// The pair shown as the site's place: per location, the innermost
    /// frame in the user's code when the location is third-party.
    pub primary: [String; 2],
    /// Every variable that races here, sorted.
    pub variables: Vec<String>,
    /// The variables as one name with `*` where they differ.
    pub pattern: String,
    pub racy_events: u64,
    /// Set when every group of the site may depend on skipped bad lines
    /// (a site with one certain group is certain): the first group's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub possibly_affected_by: Option<BadLinesBefore>,
    pub help: String,
    /// The site's groups: indices into [`super::Report::findings`].
    #[serde(skip)]
    pub races: Vec<usize>,
}

/// The sites of the race findings, in the order of their first group.
pub(super) fn race_sites(findings: &[Finding], third_party: &[String]) -> Vec<RaceSite> {
    let mut by_pair: BTreeMap<(Option<&str>, &[String; 2]), usize> = BTreeMap::new();
    let mut sites: Vec<RaceSite> = Vec::new();
    for (index, finding) in findings.iter().enumerate() {
        let Body::Race(race) = &finding.body else {
            continue;
        };
        let key = (race.service.as_deref(), &race.locations);
        let at = *by_pair.entry(key).or_insert_with(|| {
            sites.push(RaceSite {
                code: finding.head.code,
                severity: finding.head.severity,
                fails: false,
                fingerprint: String::new(),
                baseline: None,
                service: race.service.clone(),
                locations: race.locations.clone(),
                primary: primary(race, third_party),
                variables: Vec::new(),
                pattern: String::new(),
                racy_events: 0,
                possibly_affected_by: None,
                help: finding.head.help.clone(),
                races: Vec::new(),
            });
            sites.len() - 1
        });
        let site = &mut sites[at];
        site.variables.push(race.variable.clone());
        site.racy_events += race.racy_events;
        site.races.push(index);
    }
    for site in &mut sites {
        site.variables.sort();
        site.variables.dedup();
        site.pattern = pattern(&site.variables);
        let heads = || site.races.iter().map(|&i| &findings[i].head);
        if heads().all(|h| h.bad_lines_before.is_some()) {
            site.possibly_affected_by = heads().next().and_then(|h| h.bad_lines_before.clone());
        }
        site.fingerprint = if site.races.len() == 1 {
            // One group: the site is that finding, for baselines as well.
            findings[site.races[0]].head.fingerprint.clone()
        } else {
            let key = format!(
                "race-site\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
                site.service.as_deref().unwrap_or(""),
                site.pattern,
                stable_place(&site.locations[0]),
                stable_place(&site.locations[1]),
            );
            format!("{:016x}", fnv1a(&key))
        };
    }
    settle_sites(&mut sites, findings);
    sites
}

/// Sets each site's severity, `fails` and baseline state from its groups.
pub(super) fn settle_sites(sites: &mut [RaceSite], findings: &[Finding]) {
    for site in sites {
        let heads = site.races.iter().map(|&i| &findings[i].head);
        site.severity = heads
            .clone()
            .map(|h| h.severity)
            .max()
            .unwrap_or(Level::Error);
        site.fails = heads.clone().any(|h| h.fails);
        site.baseline = if heads.clone().all(|h| h.baseline.is_none()) {
            None
        } else if heads
            .clone()
            .all(|h| h.baseline == Some(BaselineState::Unchanged))
        {
            Some(BaselineState::Unchanged)
        } else {
            Some(BaselineState::New)
        };
    }
}

/// The finding shown for a site: its first group, with the site's
/// pattern, racy events, place and policy.
pub(super) fn site_finding(site: &RaceSite, findings: &[Finding]) -> Option<Finding> {
    let Body::Race(race) = &findings.get(*site.races.first()?)?.body else {
        return None;
    };
    let mut race: Race = (**race).clone();
    race.variable = site.pattern.clone();
    race.racy_events = site.racy_events;
    for access in &mut race.accesses {
        if let Some(at) = site.locations.iter().position(|l| *l == access.location)
            && site.primary[at] != access.location
        {
            access.location = site.primary[at].clone();
        }
    }
    let mut finding = Finding::new(
        site.code,
        site.severity,
        site.help.clone(),
        Body::Race(Box::new(race)),
    );
    finding.head.fails = site.fails;
    finding.head.fingerprint = site.fingerprint.clone();
    finding.head.baseline = site.baseline;
    finding.head.bad_lines_before = site.possibly_affected_by.clone();
    Some(finding)
}

/// Per location of the race, the innermost user frame of the access there
/// when the location itself is third-party.
fn primary(race: &Race, third_party: &[String]) -> [String; 2] {
    race.locations.clone().map(|location| {
        if !is_third_party(&location, third_party) {
            return location;
        }
        race.accesses
            .iter()
            .find(|a| a.location == location)
            .and_then(|access| user_frame(access, third_party))
            .unwrap_or(location)
    })
}

/// The innermost step of an access's chain at a `file:line` outside
/// third-party code.
fn user_frame(access: &Access, third_party: &[String]) -> Option<String> {
    access
        .steps
        .iter()
        .rev()
        .map(|step| step.location.as_str())
        .find(|l| split_location(l).is_some() && !is_third_party(l, third_party))
        .map(str::to_string)
}

/// The variables as one name: their common start and end around `*`, or
/// the variable itself when there is one.
pub(super) fn pattern(variables: &[String]) -> String {
    let Some(first) = variables.first() else {
        return String::new();
    };
    if variables.len() == 1 {
        return first.clone();
    }
    let common_start = |a: &str, b: &str| {
        a.chars()
            .zip(b.chars())
            .take_while(|(x, y)| x == y)
            .map(|(c, _)| c.len_utf8())
            .sum::<usize>()
    };
    let common_end = |a: &str, b: &str| {
        a.chars()
            .rev()
            .zip(b.chars().rev())
            .take_while(|(x, y)| x == y)
            .map(|(c, _)| c.len_utf8())
            .sum::<usize>()
    };
    let start = variables
        .iter()
        .map(|v| common_start(first, v))
        .min()
        .unwrap_or(0);
    let end = variables
        .iter()
        .map(|v| common_end(first, v))
        .min()
        .unwrap_or(0);
    // The shortest variable bounds both ends, so they cannot overlap.
    let shortest = variables.iter().map(String::len).min().unwrap_or(0);
    let end = end.min(shortest - start.min(shortest));
    format!("{}*{}", &first[..start], &first[first.len() - end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn patterns_keep_what_the_variables_share() {
        assert_eq!(pattern(&strings(&["a.balance"])), "a.balance");
        assert_eq!(
            pattern(&strings(&[
                "OrderedDict#1[k1]",
                "OrderedDict#1[k2]",
                "OrderedDict#1[k10]"
            ])),
            "OrderedDict#1[k*]"
        );
        assert_eq!(
            pattern(&strings(&["Account#1.balance", "Account#2.balance"])),
            "Account#*.balance"
        );
        assert_eq!(pattern(&strings(&["ab", "abab"])), "ab*");
        assert_eq!(pattern(&strings(&["x", "y"])), "*");
        assert_eq!(pattern(&strings(&["é1é", "é2é"])), "é*é");
    }

    #[test]
    fn third_party_paths_are_told_by_their_fragments() {
        let extra = strings(&["vendor/"]);
        assert!(is_third_party(
            "/venv/lib/python3.11/site-packages/cachetools/__init__.py:10",
            &[]
        ));
        assert!(is_third_party("app/node_modules/lru-cache/index.js:3", &[]));
        assert!(is_third_party("vendor/lib.py:3", &extra));
        assert!(!is_third_party("bank/accounts.py:39", &extra));
    }
}
