//! Recipe 12.8, "simple parallel programming": the book's robots.txt job.
//!
//! Given a directory of gzip-compressed Apache logs, print the distinct client
//! hosts that requested exactly `/robots.txt`, sorted bytewise (as
//! `LC_ALL=C sort -u`). The book maps `find_robots(filename)` over the files,
//! first with `map`, then with `ProcessPoolExecutor.map`, and merges the sets.
//! Here the same map-reduce has one module per step:
//!
//! - [`gzip`]: a file as the stream of its decompressed members;
//! - [`line`](mod@line): one line's host and whether it asked for `/robots.txt`;
//! - [`scan`]: the per-file scan, a plain function of serde values;
//! - [`run`]: the files of a directory, scanned in one of the [`Mode`]s;
//! - [`report`]: the merge, the output and the summary;
//! - [`generate`]: sample logs, so nothing needs downloading;
//! - [`progress`]: the bar on stderr;
//! - `demo`: the job's part of the 12.8 tour section (Unix).
//!
//! ```
//! use spindle_cookbook::robots::{self, generate::GenerateOptions, Mode};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let made = robots::generate::generate(dir.path(), &GenerateOptions { files: 3, lines: 400, seed: 1 })
//!     .unwrap();
//! let report = robots::find_robots(dir.path(), &robots::run::Settings::new(Mode::Thread, 2)).unwrap();
//! assert!(report.errors.is_empty());
//! assert_eq!(report.hosts, made.robots_hosts.into_iter().collect::<Vec<_>>());
//! ```

pub mod cli;
#[cfg(unix)]
pub mod demo;
#[cfg(all(unix, feature = "nats"))]
pub mod distributed;
pub mod generate;
pub mod gzip;
pub mod line;
pub mod progress;
pub mod report;
pub mod run;
pub mod scan;

use std::path::Path;

pub use report::Report;
pub use run::{Mode, RunError, Settings};

/// Runs the job over `dir` without a progress bar: every `*.log.gz` scanned as
/// `settings` say, the results merged.
pub fn find_robots(dir: &Path, settings: &Settings) -> Result<Report, RunError> {
    let files = run::list_logs(dir)?;
    let results = run::scan_all(&files, settings, &progress::Progress::hidden())?;
    Ok(Report::merge(results))
}

/// Adds the job's process-pool task ([`scan::SCAN`]) to a worker registry
/// ([`crate::workers::registry`]).
#[cfg(unix)]
pub fn register(registry: spindle_std::process::Registry) -> spindle_std::process::Registry {
    registry.with(scan::SCAN)
}
