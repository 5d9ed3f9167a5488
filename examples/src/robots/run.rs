//! The three ways to run the job over a directory: the book's `map` in one
//! thread, and its `ProcessPoolExecutor.map` as one task per file on a thread
//! pool (Rust has no GIL: threads already use every core) or on a process pool
//! (the same task, [`SCAN`](super::scan::SCAN), in worker processes, for
//! isolation: a worker that crashes fails only its own file).

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
#[cfg(unix)]
use std::time::Duration;

#[cfg(unix)]
use spindle_std::pool::TaskHandle;
use spindle_std::pool::ThreadPool;

use super::progress::Progress;
use super::scan::{scan_file_with, FileScan, ScanError, ScanErrorKind};

/// The file names the job reads: `*.log.gz`, as the book's `glob`.
pub const LOG_SUFFIX: &str = ".log.gz";

/// How the files are spread over the cores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// One file after another in the calling thread (the book's `map`).
    Sequential,
    /// One task per file on a [`ThreadPool`] of `jobs` threads.
    Thread,
    /// One task per file on a [`ProcessPool`](spindle_std::process::ProcessPool)
    /// of `jobs` worker processes.
    #[cfg(unix)]
    Process,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Mode::Sequential => "sequential",
            Mode::Thread => "thread",
            #[cfg(unix)]
            Mode::Process => "process",
        })
    }
}

/// A run could not start (a file that fails is a [`ScanError`], not this).
#[derive(Debug)]
#[non_exhaustive]
pub enum RunError {
    /// The directory could not be listed.
    Dir {
        /// The directory.
        dir: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The pool could not be started.
    Pool(String),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Dir { dir, error } => {
                write!(f, "cannot read the directory {}: {error}", dir.display())
            }
            RunError::Pool(e) => write!(f, "cannot start the pool: {e}"),
        }
    }
}

impl std::error::Error for RunError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RunError::Dir { error, .. } => Some(error),
            RunError::Pool(_) => None,
        }
    }
}

/// One log file to scan and its size on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFile {
    /// The file.
    pub path: PathBuf,
    /// Its size in bytes (0 if unknown).
    pub bytes: u64,
}

/// The `*.log.gz` files of `dir` (not hidden ones, as `glob`), sorted by name.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// for name in ["b.log.gz", "a.log.gz", ".hidden.log.gz", "notes.txt"] {
///     std::fs::write(dir.path().join(name), b"").unwrap();
/// }
/// let files = spindle_cookbook::robots::run::list_logs(dir.path()).unwrap();
/// let names: Vec<_> = files.iter().map(|f| f.path.file_name().unwrap()).collect();
/// assert_eq!(names, ["a.log.gz", "b.log.gz"]);
/// ```
pub fn list_logs(dir: &Path) -> Result<Vec<LogFile>, RunError> {
    let dir_error = |error| RunError::Dir {
        dir: dir.to_path_buf(),
        error,
    };
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(dir_error)? {
        let entry = entry.map_err(dir_error)?;
        let name = entry.file_name();
        let name = name.as_encoded_bytes();
        if name.starts_with(b".") || !name.ends_with(LOG_SUFFIX.as_bytes()) {
            continue;
        }
        let bytes = entry.metadata().map_or(0, |m| m.len());
        files.push(LogFile {
            path: entry.path(),
            bytes,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// How a run spreads its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Sequential, threads or processes.
    pub mode: Mode,
    /// At most this many files at once (at least 1; no more workers than files).
    pub jobs: usize,
    /// Process mode: the worker executable. `None` re-runs this program, which
    /// must call `spindle_std::process::init` with
    /// [`workers::registry`](crate::workers::registry) first thing in `main` (the
    /// `spindle` binary does).
    pub worker_program: Option<PathBuf>,
    /// A NATS server: run on its distributed pool instead (`--nats URL`; the
    /// `mode` is then ignored). See [`distributed`](super::distributed).
    #[cfg(all(unix, feature = "nats"))]
    pub nats: Option<String>,
    /// With `nats`: the ack wait of the pool's queue (default
    /// [`ACK_WAIT`](super::distributed::ACK_WAIT)).
    #[cfg(all(unix, feature = "nats"))]
    pub ack_wait: Option<Duration>,
}

impl Settings {
    /// `mode` with `jobs` workers, this program as the worker.
    ///
    /// ```
    /// use spindle_cookbook::robots::{run::Settings, Mode};
    /// let s = Settings::new(Mode::Thread, 4);
    /// assert_eq!((s.jobs, s.worker_program), (4, None));
    /// ```
    pub fn new(mode: Mode, jobs: usize) -> Self {
        Settings {
            mode,
            jobs,
            worker_program: None,
            #[cfg(all(unix, feature = "nats"))]
            nats: None,
            #[cfg(all(unix, feature = "nats"))]
            ack_wait: None,
        }
    }
}

/// Scans `files` as `settings` say; one result per file, in the order of
/// `files`. A file that fails does not stop the others.
pub fn scan_all(
    files: &[LogFile],
    settings: &Settings,
    progress: &Progress,
) -> Result<Vec<Result<FileScan, ScanError>>, RunError> {
    let jobs = settings.jobs.clamp(1, files.len().max(1));
    #[cfg(all(unix, feature = "nats"))]
    if let Some(url) = &settings.nats {
        return super::distributed::on_nats(files, url, settings.ack_wait, progress);
    }
    match settings.mode {
        Mode::Sequential => Ok(files
            .iter()
            .map(|f| {
                let scan = scan_file_with(&f.path, |n| progress.bytes(n));
                progress.file_done();
                scan
            })
            .collect()),
        Mode::Thread => on_threads(files, jobs, progress),
        #[cfg(unix)]
        Mode::Process => on_processes(files, jobs, settings.worker_program.as_deref(), progress),
    }
}

fn on_threads(
    files: &[LogFile],
    jobs: usize,
    progress: &Progress,
) -> Result<Vec<Result<FileScan, ScanError>>, RunError> {
    let pool = ThreadPool::new(jobs).map_err(|e| RunError::Pool(e.to_string()))?;
    let mut handles = Vec::with_capacity(files.len());
    for f in files {
        let path = f.path.clone();
        let progress = progress.clone();
        let task = move || {
            let scan = scan_file_with(&path, |n| progress.bytes(n));
            progress.file_done();
            scan
        };
        let handle = pool
            .submit(task)
            .map_err(|_| RunError::Pool("the thread pool refused a task".into()))?;
        handles.push((f.path.clone(), handle));
    }
    Ok(handles
        .into_iter()
        .map(|(path, handle)| {
            handle.result().unwrap_or_else(|e| {
                Err(ScanError {
                    path,
                    kind: ScanErrorKind::Worker(e.to_string()),
                })
            })
        })
        .collect())
}

/// The largest result frame a worker may send back: a file's distinct hosts.
#[cfg(unix)]
const RESULT_FRAME_LIMIT: usize = 256 << 20;

#[cfg(unix)]
fn on_processes(
    files: &[LogFile],
    jobs: usize,
    program: Option<&Path>,
    progress: &Progress,
) -> Result<Vec<Result<FileScan, ScanError>>, RunError> {
    use super::scan::{ScanJob, SCAN};
    use spindle_std::process::{ProcessPool, SubmitError};

    let mut builder = ProcessPool::builder()
        .workers(jobs)
        .frame_limit(RESULT_FRAME_LIMIT)
        .start_timeout(Duration::from_secs(30))
        .args(["robots-worker"]);
    if let Some(program) = program {
        builder = builder.program(program);
    }
    let pool = builder.build().map_err(|e| RunError::Pool(e.to_string()))?;
    Ok(submit_each(files, progress, |f| {
        let job = ScanJob {
            path: f.path.clone(),
        };
        pool.submit(SCAN, job)
            .map_err(|e: SubmitError<ScanJob>| e.to_string())
    }))
}

/// A worker error naming its file.
#[cfg(unix)]
fn worker_error(path: &Path, e: String) -> ScanError {
    ScanError {
        path: path.to_path_buf(),
        kind: ScanErrorKind::Worker(e),
    }
}

/// One task per file through `submit` (a process or distributed pool), each file
/// counted on `progress` when its task is done, the results in the order of
/// `files`; a file whose task was refused or failed gets its own error.
#[cfg(unix)]
pub(crate) fn submit_each(
    files: &[LogFile],
    progress: &Progress,
    mut submit: impl FnMut(&LogFile) -> Result<TaskHandle<Result<FileScan, ScanError>>, String>,
) -> Vec<Result<FileScan, ScanError>> {
    let handles: Vec<_> = files
        .iter()
        .map(|f| {
            let handle = submit(f).map_err(|e| {
                progress.file_done();
                worker_error(&f.path, e)
            })?;
            // A worker reports nothing until its file is done: count it then.
            let (p, bytes) = (progress.clone(), f.bytes);
            handle.add_done_callback(move |_| {
                p.bytes(bytes);
                p.file_done();
            });
            Ok(handle)
        })
        .collect();
    handles
        .into_iter()
        .zip(files)
        .map(|(handle, f)| {
            handle?
                .result()
                .unwrap_or_else(|e| Err(worker_error(&f.path, e.to_string())))
        })
        .collect()
}
