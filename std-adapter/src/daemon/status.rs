//! Asking after and stopping a recipe 12.14 daemon from another process: the
//! book's `daemon.py stop` (`os.kill(pid, SIGTERM)`), plus the `status` it lacks.
//!
//! Both read the pidfile's **lock**, not merely its existence: a held lock means a
//! live daemon; a file nobody holds is stale. [`Status::exit_code`] gives the LSB
//! init-script codes (0 running, 1 dead but pidfile exists, 3 not running).

use std::fmt;
use std::fs::File;
use std::io;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use super::pidfile::{is_locked, read_pid, same_file};
use super::DaemonError;

/// How often `stop` looks whether the daemon has gone.
const POLL: Duration = Duration::from_millis(5);

/// What a pidfile says about its daemon.
///
/// ```
/// use spindle_std::daemon::Status;
///
/// assert_eq!(Status::Running { pid: Some(7) }.exit_code(), 0);
/// assert_eq!(Status::Stale { pid: Some(7) }.exit_code(), 1);
/// assert_eq!(Status::NotRunning.exit_code(), 3);
/// assert_eq!(Status::Stale { pid: Some(7) }.to_string(), "stale pidfile: pid 7 is not running");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// A process holds the pidfile's lock. `pid` is `None` for the instant between
    /// the lock being taken and the pid being written (a daemon still starting).
    Running {
        /// The daemon's pid.
        pid: Option<u32>,
    },
    /// The pidfile exists but nobody holds its lock: its daemon died without
    /// cleaning up (killed with `SIGKILL`, say). The next start takes it over.
    Stale {
        /// The pid written in it, if any.
        pid: Option<u32>,
    },
    /// There is no pidfile.
    NotRunning,
}

impl Status {
    /// The LSB init-script exit code: 0 running, 1 stale pidfile, 3 not running.
    /// (4, "unknown", is left to callers for when [`status`] itself fails.)
    pub fn exit_code(&self) -> u8 {
        match self {
            Status::Running { .. } => 0,
            Status::Stale { .. } => 1,
            Status::NotRunning => 3,
        }
    }

    /// Whether a daemon holds the pidfile.
    pub fn is_running(&self) -> bool {
        matches!(self, Status::Running { .. })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Running { pid: Some(pid) } => write!(f, "running (pid {pid})"),
            Status::Running { pid: None } => write!(f, "running (starting; pid not yet written)"),
            Status::Stale { pid: Some(pid) } => {
                write!(f, "stale pidfile: pid {pid} is not running")
            }
            Status::Stale { pid: None } => write!(f, "stale pidfile: no pid in it"),
            Status::NotRunning => write!(f, "not running"),
        }
    }
}

/// Opens the pidfile for probing; `None` if there is none.
fn open(pidfile: &Path) -> Result<Option<File>, DaemonError> {
    match File::open(pidfile) {
        Ok(f) => Ok(Some(f)),
        // No pidfile where a daemon could have written one: not running. But if
        // its directory is missing, no daemon could ever have written it there:
        // the path is wrong, and "not running" would hide that.
        Err(e) if e.kind() == io::ErrorKind::NotFound => match pidfile.parent() {
            Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => Err(DaemonError::pidfile(
                pidfile,
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("its directory {} does not exist", dir.display()),
                ),
            )),
            _ => Ok(None),
        },
        Err(e) => Err(DaemonError::pidfile(pidfile, e)),
    }
}

fn probe(pidfile: &Path, file: &File) -> Result<Status, DaemonError> {
    let locked = is_locked(file).map_err(|e| DaemonError::pidfile(pidfile, e.into()))?;
    Ok(if locked {
        Status::Running {
            pid: read_pid(file),
        }
    } else if same_file(pidfile, file) {
        Status::Stale {
            pid: read_pid(file),
        }
    } else {
        // Its daemon removed it and exited while we looked.
        Status::NotRunning
    })
}

/// What the pidfile at `pidfile` says: [`Status::Running`] while a daemon holds its
/// lock, [`Status::Stale`] when it exists but nobody does, [`Status::NotRunning`]
/// when there is none. Errors only when the file exists but cannot be read.
///
/// ```
/// use spindle_std::daemon::{status, Status};
///
/// let missing = std::env::temp_dir().join("spindle-doc-no-such-daemon.pid");
/// assert_eq!(status(&missing).unwrap(), Status::NotRunning);
/// ```
pub fn status(pidfile: impl AsRef<Path>) -> Result<Status, DaemonError> {
    let pidfile = pidfile.as_ref();
    match open(pidfile)? {
        None => Ok(Status::NotRunning),
        Some(file) => probe(pidfile, &file),
    }
}

/// Whether `pid` names a live (not zombie) process.
pub(crate) fn process_alive(pid: u32) -> bool {
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    match kill(Pid::from_raw(raw), None) {
        Ok(()) => !is_zombie(pid),
        Err(Errno::ESRCH) => false,
        // EPERM: it exists but belongs to someone else.
        Err(_) => true,
    }
}

/// A killed daemon stays a zombie until its new parent (init, or a subreaper that
/// may never reap) collects it; it holds no resources and counts as gone.
fn is_zombie(pid: u32) -> bool {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| {
                s.rsplit_once(')')
                    .and_then(|(_, rest)| rest.trim_start().chars().next())
            })
            .is_some_and(|state| state == 'Z' || state == 'X')
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = pid;
        false
    }
}

/// Stops the daemon of `pidfile`: sends it `SIGTERM` (so it runs its cleanup hook
/// and removes the pidfile) and waits up to `timeout` for it to exit, which is when
/// its lock is released and its pid is gone. Returns the pid it stopped.
///
/// Errors: [`DaemonError::NotRunning`] without a pidfile, [`DaemonError::Stale`]
/// when nobody holds it (nothing is signalled: the pid in a stale file may since
/// belong to an unrelated process), [`DaemonError::StopTimedOut`] when the daemon
/// outlived the timeout (it is left running; send `SIGKILL` yourself if you must).
///
/// ```
/// use std::time::Duration;
/// use spindle_std::daemon::{stop, DaemonError};
///
/// let missing = std::env::temp_dir().join("spindle-doc-no-such-daemon.pid");
/// let err = stop(&missing, Duration::from_secs(1)).unwrap_err();
/// assert!(matches!(err, DaemonError::NotRunning { .. }));
/// ```
pub fn stop(pidfile: impl AsRef<Path>, timeout: Duration) -> Result<u32, DaemonError> {
    let pidfile = pidfile.as_ref();
    let deadline = Instant::now() + timeout;
    let not_running = || DaemonError::NotRunning {
        path: pidfile.to_path_buf(),
    };
    let file = open(pidfile)?.ok_or_else(not_running)?;
    let pid = loop {
        match probe(pidfile, &file)? {
            Status::Running { pid: Some(pid) } => break pid,
            Status::Running { pid: None } if Instant::now() < deadline => thread::sleep(POLL),
            Status::Running { pid: None } => {
                return Err(DaemonError::pidfile(
                    pidfile,
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        "locked, but no pid was written in it before the timeout",
                    ),
                ))
            }
            Status::Stale { pid } => {
                return Err(DaemonError::Stale {
                    path: pidfile.to_path_buf(),
                    pid,
                })
            }
            Status::NotRunning => return Err(not_running()),
        }
    };
    let raw = i32::try_from(pid).map_err(|_| DaemonError::sys("kill", Errno::EINVAL))?;
    match kill(Pid::from_raw(raw), Signal::SIGTERM) {
        // Already exiting: wait for it like any other.
        Ok(()) | Err(Errno::ESRCH) => {}
        Err(e) => return Err(DaemonError::sys("kill", e)),
    }
    loop {
        let released = !is_locked(&file).map_err(|e| DaemonError::pidfile(pidfile, e.into()))?;
        if released && !process_alive(pid) {
            return Ok(pid);
        }
        if Instant::now() >= deadline {
            return Err(DaemonError::StopTimedOut { pid, timeout });
        }
        thread::sleep(POLL);
    }
}
