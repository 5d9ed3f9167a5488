//! `spindle robots DIR --nats URL`: the job on the distributed pool (recipe 12.8
//! beyond one machine). One task per file goes to the pool named `robots` on the
//! broker; workers are `spindle worker --nats URL` processes, on this machine or
//! any other that sees the same files at the same paths (a shared or copied
//! directory: the task carries the file's absolute path, not its bytes, so a file
//! of any size fits in a message). The output is the same as `--mode sequential`.

use std::time::Duration;

use spindle_std::nats::{Nats, RemotePool};

use super::progress::Progress;
use super::run::{submit_each, LogFile, RunError};
use super::scan::{FileScan, ScanError, ScanJob, SCAN};

/// The pool the job's tasks go to (and `spindle worker` serves by default).
pub const POOL: &str = "robots";

/// How long a worker may take over one file before the broker gives it to another.
pub const ACK_WAIT: Duration = Duration::from_secs(120);

/// Scans `files` on the workers of the pool [`POOL`] at `url`.
pub fn on_nats(
    files: &[LogFile],
    url: &str,
    ack_wait: Option<Duration>,
    progress: &Progress,
) -> Result<Vec<Result<FileScan, ScanError>>, RunError> {
    let nats = Nats::connect(url).map_err(|e| RunError::Pool(e.to_string()))?;
    let pool = RemotePool::builder(POOL)
        .ack_wait(ack_wait.unwrap_or(ACK_WAIT))
        .connect(&nats)
        .map_err(|e| RunError::Pool(e.to_string()))?;
    Ok(submit_each(files, progress, |f| {
        // Workers elsewhere resolve the path on their own file system.
        let path = std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone());
        pool.submit(SCAN, ScanJob { path })
            .map_err(|e| e.to_string())
    }))
}
