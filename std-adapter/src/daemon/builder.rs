//! The configuration of a recipe 12.14 daemon, and the guard the daemon keeps.
//!
//! The book's `daemonize(pidfile, *, stdin=..., stdout=..., stderr=...)` takes
//! keyword-only arguments so each is named at the call; a builder does the same
//! in Rust, and adds the working directory, the umask and a cleanup hook.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::detach;
use super::signal::{Hook, Shutdown};
use super::DaemonError;

/// The default umask: `0o027`, files the daemon creates are `rw-r-----` at most.
///
/// The book calls `umask(0)`, which leaves every file the daemon later creates
/// with whatever mode it asked for, typically `0o666`: world-writable logs and
/// data. `0o027` keeps group read access and shuts everyone else out; pass
/// [`umask(0)`](DaemonBuilder::umask) for the book's behaviour.
pub const DEFAULT_UMASK: u32 = 0o027;

/// How to detach: pidfile, standard-stream targets, working directory, umask and
/// cleanup hook. Finish with [`daemonize`](Self::daemonize) (or
/// [`detach`](Self::detach) to keep the original process).
///
/// ```no_run
/// use spindle_std::daemon::DaemonBuilder;
///
/// fn main() {
///     // First thing in main: before any thread exists.
///     let daemon = match DaemonBuilder::new("/tmp/daemon.pid")
///         .stdout("/tmp/daemon.log")
///         .stderr("/tmp/daemon.log")
///         .cleanup(|| eprintln!("bye"))
///         .daemonize()
///     {
///         Ok(daemon) => daemon, // only the daemon gets here; the parent exited 0
///         Err(e) => {
///             eprintln!("{e}");
///             std::process::exit(1);
///         }
///     };
///     println!("Daemon started with pid {}", daemon.pid());
///     loop {
///         std::thread::sleep(std::time::Duration::from_secs(10));
///         println!("Daemon Alive!");
///     }
/// }
/// ```
pub struct DaemonBuilder {
    pub(crate) pidfile: PathBuf,
    pub(crate) stdin: PathBuf,
    pub(crate) stdout: PathBuf,
    pub(crate) stderr: PathBuf,
    pub(crate) workdir: PathBuf,
    pub(crate) umask: u32,
    pub(crate) cleanup: Option<Hook>,
}

impl fmt::Debug for DaemonBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DaemonBuilder")
            .field("pidfile", &self.pidfile)
            .field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .field("workdir", &self.workdir)
            .field("umask", &format_args!("{:#o}", self.umask))
            .field("cleanup", &self.cleanup.is_some())
            .finish()
    }
}

impl DaemonBuilder {
    /// A daemon that writes its pid to `pidfile`, reads stdin from and writes
    /// stdout and stderr to `/dev/null`, works in `/` and uses [`DEFAULT_UMASK`].
    ///
    /// ```
    /// let b = spindle_std::daemon::DaemonBuilder::new("/run/demo.pid");
    /// assert!(format!("{b:?}").contains("0o27"));
    /// ```
    pub fn new(pidfile: impl Into<PathBuf>) -> Self {
        DaemonBuilder {
            pidfile: pidfile.into(),
            stdin: PathBuf::from("/dev/null"),
            stdout: PathBuf::from("/dev/null"),
            stderr: PathBuf::from("/dev/null"),
            workdir: PathBuf::from("/"),
            umask: DEFAULT_UMASK,
            cleanup: None,
        }
    }

    /// Where the daemon's stdin reads from (opened read-only; default `/dev/null`).
    ///
    /// ```
    /// let b = spindle_std::daemon::DaemonBuilder::new("d.pid").stdin("/dev/zero");
    /// ```
    pub fn stdin(mut self, path: impl Into<PathBuf>) -> Self {
        self.stdin = path.into();
        self
    }

    /// Where the daemon's stdout goes (opened to append, created if missing;
    /// default `/dev/null`).
    ///
    /// ```
    /// let b = spindle_std::daemon::DaemonBuilder::new("d.pid").stdout("/tmp/d.log");
    /// ```
    pub fn stdout(mut self, path: impl Into<PathBuf>) -> Self {
        self.stdout = path.into();
        self
    }

    /// Where the daemon's stderr goes (opened to append, created if missing;
    /// default `/dev/null`). Failures after detaching are logged here.
    ///
    /// ```
    /// let b = spindle_std::daemon::DaemonBuilder::new("d.pid").stderr("/tmp/d.log");
    /// ```
    pub fn stderr(mut self, path: impl Into<PathBuf>) -> Self {
        self.stderr = path.into();
        self
    }

    /// The daemon's working directory (default `/`, so it pins no mounted file
    /// system). Relative paths given to this builder are resolved against the
    /// caller's directory before it changes.
    ///
    /// ```
    /// let b = spindle_std::daemon::DaemonBuilder::new("d.pid").working_directory("/var/tmp");
    /// ```
    pub fn working_directory(mut self, path: impl Into<PathBuf>) -> Self {
        self.workdir = path.into();
        self
    }

    /// The daemon's file-creation mask (default [`DEFAULT_UMASK`], `0o027`; the book
    /// uses `0`). It also applies to the pidfile and the redirection targets when
    /// they are created. Bits outside `0o777` are refused by `daemonize`.
    ///
    /// ```
    /// let b = spindle_std::daemon::DaemonBuilder::new("d.pid").umask(0o022);
    /// assert!(format!("{b:?}").contains("0o22"));
    /// ```
    pub fn umask(mut self, mask: u32) -> Self {
        self.umask = mask;
        self
    }

    /// Runs `hook` when the daemon shuts down: on `SIGTERM` or `SIGINT`, or when the
    /// [`Daemon`] guard is dropped. It runs on an ordinary thread (never inside a
    /// signal handler), before the pidfile is removed, exactly once.
    ///
    /// ```
    /// let b = spindle_std::daemon::DaemonBuilder::new("d.pid").cleanup(|| eprintln!("bye"));
    /// ```
    pub fn cleanup(mut self, hook: impl FnOnce() + Send + 'static) -> Self {
        self.cleanup = Some(Box::new(hook));
        self
    }

    /// Detaches and turns this process into the daemon: the full sequence of
    /// fork, `setsid`, second fork, `chdir`, `umask`, `dup2` of the three standard
    /// streams, the locked pidfile and the `SIGTERM`/`SIGINT` handling.
    ///
    /// Returns only in the daemon. The original process waits until the daemon has
    /// locked and written its pidfile, then exits with status 0; if anything fails
    /// first (another daemon holds the pidfile, its directory is missing or not
    /// writable, a redirection target cannot be opened, the daemon died while
    /// starting) the error is returned **in the original process**, which is still
    /// attached to its terminal and should print it and exit non-zero.
    ///
    /// Call it first thing in `main`: with more than one thread alive it refuses
    /// ([`DaemonError::ThreadsRunning`]), because `fork` would copy only this one.
    ///
    /// ```no_run
    /// let daemon = spindle_std::daemon::DaemonBuilder::new("/tmp/d.pid")
    ///     .daemonize()
    ///     .unwrap_or_else(|e| {
    ///         eprintln!("{e}");
    ///         std::process::exit(1)
    ///     });
    /// println!("Daemon started with pid {}", daemon.pid());
    /// ```
    pub fn daemonize(self) -> Result<Daemon, DaemonError> {
        match self.detach()? {
            Detached::Daemon(daemon) => Ok(daemon),
            Detached::Parent { .. } => std::process::exit(0),
        }
    }

    /// As [`daemonize`](Self::daemonize), but the original process gets
    /// [`Detached::Parent`] back instead of exiting, to report the daemon's pid.
    ///
    /// ```no_run
    /// use spindle_std::daemon::{DaemonBuilder, Detached};
    ///
    /// match DaemonBuilder::new("/tmp/d.pid").detach() {
    ///     Ok(Detached::Parent { pid }) => println!("started daemon {pid}"),
    ///     Ok(Detached::Daemon(daemon)) => { /* serve until SIGTERM */ }
    ///     Err(e) => eprintln!("{e}"),
    /// }
    /// ```
    pub fn detach(self) -> Result<Detached, DaemonError> {
        detach::detach(self)
    }
}

/// Which side of [`DaemonBuilder::detach`] this process is on.
#[derive(Debug)]
pub enum Detached {
    /// The original process: the daemon is up, has locked and written its pidfile,
    /// and has this pid.
    Parent {
        /// The daemon's pid.
        pid: u32,
    },
    /// The daemon itself.
    Daemon(Daemon),
}

/// The running daemon's handle. It keeps the pidfile's lock alive with the
/// process; dropping it (or calling [`shutdown`](Self::shutdown)) runs the cleanup
/// hook and removes the pidfile, as `SIGTERM` and `SIGINT` do.
#[derive(Debug)]
pub struct Daemon {
    pub(crate) pid: u32,
    pub(crate) pidfile: PathBuf,
    pub(crate) shutdown: Arc<Shutdown>,
}

impl Daemon {
    /// The daemon's pid, as written in the pidfile.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The pidfile's absolute path.
    pub fn pidfile(&self) -> &Path {
        &self.pidfile
    }

    /// Runs the cleanup hook and removes the pidfile now, for a daemon that ends
    /// by returning from `main` rather than by a signal.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.shutdown.run();
    }
}
