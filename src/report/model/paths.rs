//! Paths relative to the project root: a recorder may write absolute paths
//! (`/home/ci/work/app/cart.py:12`), which code scanning cannot map to the
//! repository and which differ from machine to machine. Every code location
//! under the root is shown relative to it; locations elsewhere (a library
//! in a virtualenv outside the checkout) stay as they are.

use super::{Body, Report, Step, split_location};

impl Report {
    /// Rewrites every code location under `root` (an absolute directory)
    /// as a path relative to it.
    pub fn relativize_locations(&mut self, root: &str) {
        let root = root.trim_end_matches(['/', '\\']);
        if root.is_empty() {
            return;
        }
        let relative = |location: &mut String| {
            let file = split_location(location).map_or(location.as_str(), |(file, _)| file);
            let Some(rest) = file.strip_prefix(root) else {
                return;
            };
            if !rest.starts_with(['/', '\\']) {
                return;
            }
            let cut = root.len() + 1;
            location.replace_range(..cut, "");
        };
        let steps = |steps: &mut [Step], f: &dyn Fn(&mut String)| {
            for step in steps {
                f(&mut step.location);
            }
        };
        for finding in &mut self.findings {
            match &mut finding.body {
                Body::Race(race) => {
                    race.locations.iter_mut().for_each(relative);
                    for access in &mut race.accesses {
                        relative(&mut access.location);
                        steps(&mut access.steps, &relative);
                    }
                    // The pair stays sorted, as the format defines it.
                    race.locations.sort();
                }
                Body::Error(error) => {
                    relative(&mut error.location);
                    steps(&mut error.steps, &relative);
                    for read in &mut error.racy_reads {
                        relative(&mut read.read_location);
                        relative(&mut read.write_location);
                    }
                }
                Body::Anomaly(anomaly) => relative(&mut anomaly.location),
            }
            finding.derive_head();
        }
        self.regroup_sites();
    }
}

/// The project root when none is given: the nearest directory at or above
/// `start` that holds `.git`, else `start` itself.
pub fn default_root(start: &std::path::Path) -> std::path::PathBuf {
    start
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .unwrap_or(start)
        .to_path_buf()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn the_root_is_the_repository_around_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("a/b");
        std::fs::create_dir_all(&inner).unwrap();
        assert_eq!(super::default_root(&inner), inner);
        std::fs::create_dir_all(dir.path().join("a/.git")).unwrap();
        assert_eq!(super::default_root(&inner), dir.path().join("a"));
        assert_eq!(super::default_root(Path::new("/")), Path::new("/"));
    }
}
