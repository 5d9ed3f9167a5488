//! The detaching sequence of recipe 12.14, and how the original process learns
//! whether it worked.
//!
//! ```text
//! original ── checks: one thread, umask, working directory
//!          ── opens stdin/stdout/stderr targets and locks the pidfile (errors here
//!             are returned directly, before anything detaches)
//!          ── pipe, fork ───────────────────────────────────┐
//!          ── reads the pipe until EOF                     child: setsid (new session,
//!          ── reaps the child                                     no controlling tty)
//!          ── "ok PID": Parent { pid } / "err ...": Err      ── fork ─────────────────┐
//!                                                              ── _exit(0)             daemon: chdir, umask,
//!                                                                                      dup2 x3, write pid,
//!                                                                                      SIGTERM/SIGINT thread,
//!                                                                                      "ok PID" on the pipe
//! ```
//!
//! The second fork makes the daemon a session member that is not the session
//! leader, so opening a terminal can never make one its controlling terminal. The
//! pidfile's `flock` lock is taken before the first fork and belongs to the open
//! file description every fork shares, so it is held without a gap from the check
//! to the daemon's exit. Every process but the original one leaves with `_exit`,
//! which runs no `atexit` handlers and flushes no copied buffers twice.
//!
//! The pipe is the fix for a known gap of the `daemonize` crate, whose parent exits
//! 0 as soon as it has forked: here the parent's status reflects whether the daemon
//! really started. If the daemon dies before writing to the pipe, the parent reads
//! end-of-file and reports [`DaemonError::StartupVanished`].

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use nix::sys::stat::{umask, Mode};
use nix::sys::wait::waitpid;
use nix::unistd::{chdir, dup2_stderr, dup2_stdin, dup2_stdout, fork, getpid, setsid, ForkResult};

use super::builder::{Daemon, DaemonBuilder, Detached};
use super::pidfile::LockedPidfile;
use super::signal::{self, Hook, Shutdown};
use super::threads::ensure_single_thread;
use super::DaemonError;

/// Everything opened before detaching.
struct Prepared {
    stdin: File,
    stdout: File,
    stderr: File,
    pidfile: LockedPidfile,
    workdir: PathBuf,
    umask: Mode,
    cleanup: Option<Hook>,
}

pub(crate) fn detach(b: DaemonBuilder) -> Result<Detached, DaemonError> {
    ensure_single_thread()?;
    let prepared = prepare(b)?;
    // What is buffered now would otherwise be written once per process.
    let _ = io::stdout().flush();
    let _ = io::stderr().flush();
    let (report_rx, report_tx) = match nix::unistd::pipe() {
        Ok(pipe) => pipe,
        Err(e) => {
            // We created or took over the pidfile: leave none behind.
            let _ = prepared.pidfile.remove();
            return Err(DaemonError::sys("pipe", e));
        }
    };
    // SAFETY: `ensure_single_thread` established that this is the only thread (where
    // the platform can tell; elsewhere `daemonize`'s contract requires calling it
    // before any thread starts), so no lock can be held by a thread the child lacks,
    // and the child may run ordinary code. `fork` itself has no memory-safety
    // preconditions beyond that.
    match unsafe { fork() } {
        Err(e) => {
            let _ = prepared.pidfile.remove();
            Err(DaemonError::sys("fork", e))
        }
        Ok(ForkResult::Parent { child }) => {
            drop(report_tx);
            let outcome = read_report(report_rx);
            // The intermediate child exits right after the second fork.
            let _ = waitpid(child, None);
            match outcome {
                Ok(pid) => Ok(Detached::Parent { pid }),
                Err(e) => {
                    // We share the lock, so no one else can own this file: a daemon
                    // that died starting leaves no stale pidfile behind.
                    let _ = prepared.pidfile.remove();
                    Err(e)
                }
            }
            // Our copies of the files close here; the daemon keeps its own.
        }
        Ok(ForkResult::Child) => {
            drop(report_rx);
            session_leader(prepared, report_tx)
        }
    }
}

/// Checks and opens everything that can fail before detaching, so those errors
/// reach the caller directly. Files are created under the daemon's umask.
fn prepare(b: DaemonBuilder) -> Result<Prepared, DaemonError> {
    if b.umask & !0o777 != 0 {
        return Err(DaemonError::InvalidUmask { umask: b.umask });
    }
    #[allow(clippy::unnecessary_cast)] // `mode_t` is `u32` on Linux, `u16` on macOS
    let mask = Mode::from_bits_truncate(b.umask as nix::libc::mode_t);
    let workdir = std::path::absolute(&b.workdir)
        .and_then(|dir| {
            if dir.metadata()?.is_dir() {
                Ok(dir)
            } else {
                Err(io::Error::from(nix::errno::Errno::ENOTDIR))
            }
        })
        .map_err(|source| DaemonError::WorkingDir {
            path: b.workdir.clone(),
            source,
        })?;
    // The process is single-threaded, so switching its umask for a moment is safe.
    let previous = umask(mask);
    let opened = open_all(&b);
    umask(previous);
    let (stdin, stdout, stderr, pidfile) = opened?;
    Ok(Prepared {
        stdin,
        stdout,
        stderr,
        pidfile,
        workdir,
        umask: mask,
        cleanup: b.cleanup,
    })
}

fn open_all(b: &DaemonBuilder) -> Result<(File, File, File, LockedPidfile), DaemonError> {
    let redirect = |stream, path: &Path, read: bool| {
        let mut options = OpenOptions::new();
        if read {
            options.read(true);
        } else {
            options.append(true).create(true).mode(0o666);
        }
        options.open(path).map_err(|source| DaemonError::Redirect {
            stream,
            path: path.to_path_buf(),
            source,
        })
    };
    let stdin = redirect("stdin", &b.stdin, true)?;
    let stdout = redirect("stdout", &b.stdout, false)?;
    let stderr = redirect("stderr", &b.stderr, false)?;
    let pidfile = LockedPidfile::acquire(&b.pidfile)?;
    Ok((stdin, stdout, stderr, pidfile))
}

/// The parent's side of the report pipe: `ok PID` or `err MESSAGE`.
fn read_report(rx: OwnedFd) -> Result<u32, DaemonError> {
    let mut text = String::new();
    if let Err(source) = File::from(rx).read_to_string(&mut text) {
        return Err(DaemonError::Sys {
            call: "read the start-up report",
            source,
        });
    }
    if let Some(pid) = text.strip_prefix("ok ") {
        return pid.trim().parse().map_err(|_| DaemonError::StartupFailed {
            message: format!("garbled start-up report {text:?}"),
        });
    }
    match text.strip_prefix("err ") {
        Some(message) => Err(DaemonError::StartupFailed {
            message: message.trim_end().to_string(),
        }),
        None => Err(DaemonError::StartupVanished),
    }
}

/// Reports `result` on the pipe (ignoring a parent that stopped listening).
fn report(tx: &OwnedFd, result: Result<u32, &str>) {
    let line = match result {
        Ok(pid) => format!("ok {pid}\n"),
        Err(message) => format!("err {message}\n"),
    };
    if let Ok(dup) = tx.try_clone() {
        let _ = File::from(dup).write_all(line.as_bytes());
    }
}

/// The first child: becomes a session leader, forks the daemon, and leaves.
fn session_leader(p: Prepared, report_tx: OwnedFd) -> Result<Detached, DaemonError> {
    if let Err(e) = setsid() {
        fail(&p.stderr, &report_tx, &format!("setsid failed: {e}"));
        exit_now(1);
    }
    // SAFETY: this process was forked from a single-threaded one and has started
    // no thread since, so it is single-threaded too; see `detach`.
    match unsafe { fork() } {
        Err(e) => {
            fail(&p.stderr, &report_tx, &format!("second fork failed: {e}"));
            exit_now(1)
        }
        Ok(ForkResult::Parent { .. }) => exit_now(0),
        Ok(ForkResult::Child) => Ok(Detached::Daemon(daemon(p, report_tx))),
    }
}

/// Ends a forked process at once: no `atexit` handlers, no flushing of buffers
/// copied from the original process (which flushes its own).
fn exit_now(code: i32) -> ! {
    // SAFETY: `_exit` has no preconditions; it never returns and touches no memory
    // of this process. nix offers no wrapper, so libc's binding (re-exported by nix)
    // is called directly.
    unsafe { nix::libc::_exit(code) }
}

/// Logs a start-up failure to the daemon's stderr target and reports it.
fn fail(stderr: &File, report_tx: &OwnedFd, message: &str) {
    let mut log = stderr;
    let _ = writeln!(
        log,
        "spindle daemon[{}]: start-up failed: {message}",
        std::process::id()
    );
    report(report_tx, Err(message));
}

/// The daemon: finishes setting up, reports success, and returns to the caller.
/// A failure is logged, reported, and ends the process: it never returns to code
/// that believes it is the original process.
fn daemon(p: Prepared, report_tx: OwnedFd) -> Daemon {
    match finish(p) {
        Ok(daemon) => {
            report(&report_tx, Ok(daemon.pid));
            drop(report_tx);
            daemon
        }
        Err((stderr, pidfile, message)) => {
            fail(&stderr, &report_tx, &message);
            if let Some(pidfile) = pidfile {
                let _ = pidfile.remove();
            }
            exit_now(1)
        }
    }
}

type Failure = (File, Option<LockedPidfile>, String);

fn finish(p: Prepared) -> Result<Daemon, Failure> {
    let Prepared {
        stdin,
        stdout,
        stderr,
        pidfile,
        workdir,
        umask: mask,
        cleanup,
    } = p;
    if let Err(e) = chdir(&workdir) {
        let message = format!("chdir {} failed: {e}", workdir.display());
        return Err((stderr, Some(pidfile), message));
    }
    umask(mask);
    let dup = dup2_stdin(&stdin)
        .map_err(|e| ("stdin", e))
        .and_then(|()| dup2_stdout(&stdout).map_err(|e| ("stdout", e)))
        .and_then(|()| dup2_stderr(&stderr).map_err(|e| ("stderr", e)));
    if let Err((stream, e)) = dup {
        return Err((
            stderr,
            Some(pidfile),
            format!("dup2 of {stream} failed: {e}"),
        ));
    }
    drop((stdin, stdout));
    let pid = getpid().as_raw().unsigned_abs();
    if let Err(e) = pidfile.write_pid(pid) {
        let message = format!("cannot write pidfile {}: {e}", pidfile.path().display());
        return Err((stderr, Some(pidfile), message));
    }
    let path = pidfile.path().to_path_buf();
    let shutdown = Arc::new(Shutdown::new(pidfile, cleanup));
    if let Err(e) = signal::install(Arc::clone(&shutdown)) {
        // The daemon never started: remove the pidfile, but leave the hook alone.
        shutdown.discard();
        return Err((stderr, None, format!("cannot handle SIGTERM: {e}")));
    }
    Ok(Daemon {
        pid,
        pidfile: path,
        shutdown,
    })
}
