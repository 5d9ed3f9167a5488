//! Unix daemons (recipe 12.14, "launching a daemon process on Unix"): detach with
//! the classic double fork, hold an exclusive locked pidfile for the daemon's life,
//! shut down cleanly on `SIGTERM`, and ask after or stop a daemon from outside.
//!
//! ```no_run
//! use std::time::Duration;
//! use spindle_std::daemon::{self, DaemonBuilder, Status};
//!
//! // In the daemon's program, first thing in main (before any thread starts):
//! let daemon = DaemonBuilder::new("/tmp/daemon.pid")
//!     .stdout("/tmp/daemon.log")
//!     .stderr("/tmp/daemon.log")
//!     .cleanup(|| println!("Daemon stopping"))
//!     .daemonize() // the original process exits 0 once the pidfile is written
//!     .unwrap_or_else(|e| {
//!         eprintln!("{e}"); // already running, pidfile directory missing, ...
//!         std::process::exit(1)
//!     });
//! println!("Daemon started with pid {}", daemon.pid());
//!
//! // From any other process:
//! assert!(matches!(daemon::status("/tmp/daemon.pid")?, Status::Running { .. }));
//! daemon::stop("/tmp/daemon.pid", Duration::from_secs(5))?; // SIGTERM, then wait
//! # Ok::<(), spindle_std::daemon::DaemonError>(())
//! ```
//!
//! What changes from the book's `daemonize()`:
//!
//! | the book | here |
//! |---|---|
//! | refuses when the pidfile exists | refuses when its **lock** is held; a stale file left by a `kill -9` is taken over |
//! | the parent exits 0 right after forking | the parent waits until the daemon has locked and written the pidfile, and reports its failure otherwise |
//! | errors after the fork vanish | they reach the caller through the report pipe and are logged to the daemon's stderr |
//! | `umask(0)`: new files world-writable | `umask(0o027)` by default ([`DEFAULT_UMASK`]); `.umask(0)` for the book's |
//! | `atexit` + a handler raising `SystemExit` | a signal thread runs the cleanup hook, removes the pidfile, exits 0 |
//! | forks whatever threads exist | refuses with more than one thread alive (Linux; see below) |
//!
//! **Call `daemonize` first thing in `main`.** `fork` copies only the calling
//! thread; a lock any other thread held stays locked in the child forever. On Linux
//! the thread count is read from `/proc/self/status` and detaching is refused with
//! [`DaemonError::ThreadsRunning`]; other Unixes cannot count threads portably, so
//! there the rule is yours to keep. For the same reason a daemon cannot be started
//! from inside a `cargo test` test (the harness runs tests on threads): spawn a
//! program that daemonizes instead.
//!
//! Descriptors other than the three standard streams are inherited as they are
//! (Rust opens files close-on-exec, but a daemon does not exec).

mod builder;
mod detach;
mod error;
mod pidfile;
mod signal;
mod status;
mod threads;

pub use builder::{Daemon, DaemonBuilder, Detached, DEFAULT_UMASK};
pub use error::DaemonError;
pub use status::{status, stop, Status};
