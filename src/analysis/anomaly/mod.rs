//! Anomaly detection: outliers, temporal patterns, known-issue rules.

pub mod forest;
