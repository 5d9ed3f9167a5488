//! Clean shutdown of a recipe 12.14 daemon: `SIGTERM` and `SIGINT` run the cleanup
//! hook and remove the pidfile before the process exits.
//!
//! The book raises `SystemExit` from a Python signal handler so that `atexit` runs.
//! Running arbitrary cleanup inside a real signal handler is undefined behaviour
//! waiting to happen (almost nothing is async-signal-safe), so here the handler does
//! one safe thing, signal-hook's self-pipe write, and a dedicated thread, woken by
//! that byte, runs the cleanup as ordinary code and then exits the process.
//!
//! The same cleanup also runs when the [`Daemon`](super::Daemon) guard is dropped
//! or [`shut down`](super::Daemon::shutdown) explicitly; whichever comes first runs
//! it, exactly once, and the other waits for it to finish.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

use signal_hook::consts::{SIGINT, SIGTERM};

use super::pidfile::LockedPidfile;
use super::DaemonError;

/// The cleanup hook's type.
pub(crate) type Hook = Box<dyn FnOnce() + Send + 'static>;

/// What shutting down has left to do; `None` once done.
struct Pending {
    hook: Option<Hook>,
    pidfile: LockedPidfile,
}

/// The shutdown work, shared by the guard and the signal thread.
pub(crate) struct Shutdown {
    pending: Mutex<Option<Pending>>,
}

impl std::fmt::Debug for Shutdown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shutdown").finish_non_exhaustive()
    }
}

impl Shutdown {
    pub(crate) fn new(pidfile: LockedPidfile, hook: Option<Hook>) -> Self {
        Shutdown {
            pending: Mutex::new(Some(Pending { hook, pidfile })),
        }
    }

    /// Runs the hook, then removes the pidfile, once. A panicking hook or a failed
    /// removal is reported on stderr (the daemon's redirected log), never
    /// propagated: shutdown always finishes.
    pub(crate) fn run(&self) {
        let mut guard = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(pending) = guard.take() else {
            return;
        };
        if let Some(hook) = pending.hook {
            if panic::catch_unwind(AssertUnwindSafe(hook)).is_err() {
                log("the cleanup hook panicked; removing the pidfile anyway");
            }
        }
        let path = pending.pidfile.path().to_path_buf();
        if let Err(e) = pending.pidfile.remove() {
            log(&format!("cannot remove pidfile {}: {e}", path.display()));
        }
    }
}

impl Shutdown {
    /// Removes the pidfile without running the hook: for a daemon that failed
    /// before it ever started.
    pub(crate) fn discard(&self) {
        let pending = self
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(pending) = pending {
            let _ = pending.pidfile.remove();
        }
    }
}

/// One line on the daemon's stderr.
pub(crate) fn log(msg: &str) {
    let _ = writeln!(
        io::stderr().lock(),
        "spindle daemon[{}]: {msg}",
        std::process::id()
    );
}

/// Routes `SIGTERM` and `SIGINT` to a thread that runs `shutdown` and exits with
/// status 0.
pub(crate) fn install(shutdown: Arc<Shutdown>) -> Result<(), DaemonError> {
    let sys = |call| move |source| DaemonError::Sys { call, source };
    let (mut wake, notify) = UnixStream::pair().map_err(sys("socketpair"))?;
    for signal in [SIGTERM, SIGINT] {
        let pipe = notify.try_clone().map_err(sys("dup"))?;
        signal_hook::low_level::pipe::register(signal, pipe).map_err(sys("sigaction"))?;
    }
    drop(notify);
    thread::Builder::new()
        .name("spindle-daemon-signals".into())
        .spawn(move || {
            let mut byte = [0u8; 1];
            loop {
                match wake.read(&mut byte) {
                    Ok(1) => break,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    // Cannot happen while the handlers hold the other end; if it
                    // does, signals can no longer be noticed, so say so and stop.
                    Ok(_) | Err(_) => {
                        log("the shutdown-signal pipe closed; SIGTERM will not clean up");
                        return;
                    }
                }
            }
            shutdown.run();
            // `exit` flushes stdout only if no other thread holds its lock, so a
            // main loop that keeps stdout locked cannot stall the shutdown.
            std::process::exit(0);
        })
        .map_err(sys("spawn the signal thread"))?;
    Ok(())
}
