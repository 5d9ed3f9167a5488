//! The one error type of [`crate::daemon`] (recipe 12.14): every way starting,
//! querying or stopping a daemon can fail, as a value the caller can print.

use std::error::Error;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why a daemon could not be started, queried or stopped.
///
/// ```
/// use spindle_std::daemon::DaemonError;
///
/// let e = DaemonError::AlreadyRunning { path: "/run/demo.pid".into(), pid: Some(42) };
/// assert_eq!(e.to_string(), "already running: /run/demo.pid is locked by pid 42");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum DaemonError {
    /// More than one thread was alive when detaching was asked for: `fork` copies only
    /// the calling thread, so locks the others held would stay locked forever in the
    /// child. Call [`DaemonBuilder::daemonize`](super::DaemonBuilder::daemonize) first
    /// thing in `main`.
    ThreadsRunning {
        /// How many threads the process had.
        threads: usize,
    },
    /// The umask has bits outside `0o777`.
    InvalidUmask {
        /// The rejected mask.
        umask: u32,
    },
    /// The working directory does not exist or is not a directory.
    WorkingDir {
        /// The directory asked for.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// A standard stream's redirection target could not be opened.
    Redirect {
        /// `"stdin"`, `"stdout"` or `"stderr"`.
        stream: &'static str,
        /// The target asked for.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The pidfile's directory is missing, is not a directory, or is not writable.
    PidfileDir {
        /// The pidfile asked for.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The pidfile could not be opened, locked, read or written.
    Pidfile {
        /// The pidfile.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// Another process holds the pidfile's lock: a daemon is already running.
    AlreadyRunning {
        /// The pidfile.
        path: PathBuf,
        /// The pid written in it, if one could be read.
        pid: Option<u32>,
    },
    /// A system call of the detaching or stopping sequence failed.
    Sys {
        /// The call, e.g. `"fork"`, `"setsid"`, `"kill"`.
        call: &'static str,
        /// What the system said.
        source: io::Error,
    },
    /// The detached process reported a failure before it was ready; the message is
    /// its own (it was also written to its redirected stderr).
    StartupFailed {
        /// The daemon's report.
        message: String,
    },
    /// The detached process exited during start-up without reporting anything.
    StartupVanished,
    /// No daemon holds the pidfile (it does not exist).
    NotRunning {
        /// The pidfile.
        path: PathBuf,
    },
    /// The pidfile exists but no process holds its lock: its daemon died without
    /// cleaning up (for instance it was killed with `SIGKILL`).
    Stale {
        /// The pidfile.
        path: PathBuf,
        /// The pid written in it, if one could be read.
        pid: Option<u32>,
    },
    /// The daemon was sent `SIGTERM` but had not exited when the timeout ran out.
    StopTimedOut {
        /// The daemon's pid.
        pid: u32,
        /// How long [`stop`](super::stop) waited.
        timeout: Duration,
    },
}

impl DaemonError {
    pub(crate) fn sys(call: &'static str, errno: nix::errno::Errno) -> Self {
        DaemonError::Sys {
            call,
            source: io::Error::from(errno),
        }
    }

    pub(crate) fn pidfile(path: &Path, source: io::Error) -> Self {
        DaemonError::Pidfile {
            path: path.to_path_buf(),
            source,
        }
    }
}

fn pid_text(pid: Option<u32>) -> String {
    pid.map_or_else(|| "an unknown pid".to_string(), |p| format!("pid {p}"))
}

impl fmt::Display for DaemonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DaemonError::ThreadsRunning { threads } => write!(
                f,
                "refusing to daemonize: {threads} threads are running, and fork copies only \
                 one of them (call daemonize first thing in main, before any thread starts)"
            ),
            DaemonError::InvalidUmask { umask } => {
                write!(f, "invalid umask {umask:#o}: it must lie within 0o777")
            }
            DaemonError::WorkingDir { path, source } => {
                write!(
                    f,
                    "cannot use {} as working directory: {source}",
                    path.display()
                )
            }
            DaemonError::Redirect {
                stream,
                path,
                source,
            } => write!(
                f,
                "cannot open {} for the daemon's {stream}: {source}",
                path.display()
            ),
            DaemonError::PidfileDir { path, source } => {
                let dir = path
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let why = match source.raw_os_error() {
                    Some(nix::libc::ENOENT) => "does not exist",
                    Some(nix::libc::ENOTDIR) => "is not a directory",
                    _ => "is not writable",
                };
                write!(
                    f,
                    "cannot create pidfile {}: directory {} {why} ({source})",
                    path.display(),
                    dir.display()
                )
            }
            DaemonError::Pidfile { path, source } => {
                write!(f, "pidfile {}: {source}", path.display())
            }
            DaemonError::AlreadyRunning { path, pid } => write!(
                f,
                "already running: {} is locked by {}",
                path.display(),
                pid_text(*pid)
            ),
            DaemonError::Sys { call, source } => write!(f, "{call} failed: {source}"),
            DaemonError::StartupFailed { message } => {
                write!(f, "the daemon failed during start-up: {message}")
            }
            DaemonError::StartupVanished => write!(
                f,
                "the daemon exited during start-up without reporting why (see its stderr)"
            ),
            DaemonError::NotRunning { path } => {
                write!(f, "not running (no pidfile at {})", path.display())
            }
            DaemonError::Stale { path, pid } => write!(
                f,
                "not running: {} is stale ({} died without removing it)",
                path.display(),
                pid_text(*pid)
            ),
            DaemonError::StopTimedOut { pid, timeout } => write!(
                f,
                "pid {pid} was sent SIGTERM but had not exited after {:.1} s",
                timeout.as_secs_f64()
            ),
        }
    }
}

impl Error for DaemonError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            DaemonError::WorkingDir { source, .. }
            | DaemonError::Redirect { source, .. }
            | DaemonError::PidfileDir { source, .. }
            | DaemonError::Pidfile { source, .. }
            | DaemonError::Sys { source, .. } => Some(source),
            _ => None,
        }
    }
}
