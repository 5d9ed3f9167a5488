//! Recipe 12.14, "launching a daemon process on Unix": the book's `daemon.py`
//! becomes `spindle daemon start|stop|status`, built on
//! [`spindle_std::daemon`]. `start` detaches the book's demo daemon (it writes
//! `Daemon started with pid N`, then `Daemon Alive! <time>` every interval, to its
//! log) and returns only once the daemon holds its locked pidfile, or fails with
//! the reason; `stop` sends `SIGTERM` and waits for the daemon to clean up and
//! exit; `status` answers with the LSB codes (0 running, 1 stale, 3 not running).
//!
//! The tour section runs all of it in a temporary directory, the daemon being a
//! child `spindle daemon ...` process: a daemon must be forked from a process
//! with a single thread, and the tour's process is not one.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use spindle_std::daemon::{self, DaemonBuilder, DaemonError, Detached};

use crate::{failed, ms, write_heading};

/// The book's recipe number.
pub const ID: &str = "12.14";
/// The module and example name.
pub const NAME: &str = "r12_14_daemon";
/// The section title.
pub const TITLE: &str = "Daemons: detaching, a locked pidfile and clean shutdown";

/// The `spindle daemon` subcommands (the book's `daemon.py start|stop`, plus
/// `status`).
#[derive(Debug, Clone, clap::Subcommand)]
pub enum DaemonCommand {
    /// Start the book's demo daemon; returns once it holds its pidfile.
    Start {
        /// The pidfile (locked by the daemon for its whole life).
        #[arg(long)]
        pidfile: PathBuf,
        /// The log that receives the daemon's stdout and stderr.
        #[arg(long)]
        log: PathBuf,
        /// Seconds between `Daemon Alive!` lines.
        #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_secs)]
        interval: Duration,
    },
    /// Stop the daemon: SIGTERM, then wait for it to exit.
    Stop {
        /// The daemon's pidfile.
        #[arg(long)]
        pidfile: PathBuf,
        /// Seconds to wait for it to exit.
        #[arg(long, value_name = "SECS", default_value = "10", value_parser = parse_secs)]
        timeout: Duration,
    },
    /// Report whether the daemon runs (exit 0), left a stale pidfile (1) or does
    /// not run (3).
    Status {
        /// The daemon's pidfile.
        #[arg(long)]
        pidfile: PathBuf,
    },
}

/// A positive, finite number of seconds (fractions allowed), for clap.
fn parse_secs(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if secs.is_finite() && secs > 0.0 && secs <= 1e9 {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(format!("`{s}`: seconds must be positive and finite"))
    }
}

/// Runs one `spindle daemon` subcommand and returns the process's exit code. In
/// the daemon itself, `start` never returns: `SIGTERM` ends the process.
///
/// Call it before starting any thread (see [`spindle_std::daemon`]).
pub fn execute(command: DaemonCommand) -> ExitCode {
    match command {
        DaemonCommand::Start {
            pidfile,
            log,
            interval,
        } => start(&pidfile, &log, interval),
        DaemonCommand::Stop { pidfile, timeout } => match daemon::stop(&pidfile, timeout) {
            Ok(pid) => {
                println!("stopped daemon (pid {pid})");
                ExitCode::SUCCESS
            }
            Err(e @ (DaemonError::NotRunning { .. } | DaemonError::Stale { .. })) => {
                // The error says "not running (...)" itself: the book's
                // "Not running" with the reason.
                eprintln!("daemon stop: {e}");
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        DaemonCommand::Status { pidfile } => match daemon::status(&pidfile) {
            Ok(status) => {
                println!("{status}");
                ExitCode::from(status.exit_code())
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(4)
            }
        },
    }
}

fn start(pidfile: &Path, log: &Path, interval: Duration) -> ExitCode {
    let detached = DaemonBuilder::new(pidfile)
        .stdout(log)
        .stderr(log)
        .cleanup(|| {
            let _ = writeln!(io::stdout(), "Daemon stopping (SIGTERM)");
        })
        .detach();
    match detached {
        Ok(Detached::Parent { pid }) => {
            println!(
                "started daemon (pid {pid}); pidfile {}, log {}",
                pidfile.display(),
                log.display()
            );
            ExitCode::SUCCESS
        }
        Ok(Detached::Daemon(daemon)) => {
            // The book's main(): the daemon's stdout is the log now.
            let mut out = io::stdout();
            let mut line = format!("Daemon started with pid {}", daemon.pid());
            loop {
                if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                    // The log is gone or full: shut down cleanly (the guard's drop
                    // runs the cleanup hook and removes the pidfile).
                    return ExitCode::FAILURE;
                }
                thread::sleep(interval);
                line = format!("Daemon Alive! {}", ctime(SystemTime::now()));
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `time.ctime()`'s format, in UTC: `Fri Oct 12 13:45:37 2012`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = UNIX_EPOCH + Duration::from_secs(1_350_049_537);
/// assert_eq!(spindle_cookbook::r12_14_daemon::ctime(t), "Fri Oct 12 13:45:37 2012");
/// ```
pub fn ctime(t: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days, for days since 1970-01-01 (>= 0).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02} {}",
        DAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        day,
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        year
    )
}

/// Runs the recipe's demo with `std::env::current_exe()` as the `spindle daemon`
/// program, and writes the section to `out`. The current executable must accept
/// `daemon start|stop|status` (the `spindle` binary and the `r12_14_daemon`
/// example do).
///
/// ```no_run
/// let mut out = Vec::new();
/// spindle_cookbook::r12_14_daemon::run(&mut out).unwrap();
/// assert!(String::from_utf8(out).unwrap().contains("Daemon Alive!"));
/// ```
pub fn run(out: &mut dyn Write) -> io::Result<()> {
    let exe = std::env::current_exe()?;
    run_with(out, &exe)
}

/// Kills the demo daemon if the section ends early, so no process is left behind.
struct Reaper<'a> {
    pidfile: &'a Path,
    pid: Option<u32>,
}

impl Drop for Reaper<'_> {
    fn drop(&mut self) {
        if daemon::stop(self.pidfile, Duration::from_secs(2)).is_err() {
            if let Some(pid) = self.pid {
                if daemon::status(self.pidfile).is_ok_and(|s| s.is_running()) {
                    let _ = Command::new("kill")
                        .args(["-KILL", &pid.to_string()])
                        .status();
                }
            }
        }
    }
}

/// A unique, fresh directory under the system's temporary directory.
fn temp_dir() -> io::Result<PathBuf> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!("spindle-12.14-{}-{nanos}", std::process::id()));
    fs::create_dir(&dir)?;
    Ok(dir)
}

/// Runs `exe daemon <args>` and returns its output.
fn spindle_daemon(exe: &Path, args: &[&str]) -> io::Result<Output> {
    Command::new(exe).arg("daemon").args(args).output()
}

fn first_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

/// [`run`] with an explicit `spindle daemon` program.
pub fn run_with(out: &mut dyn Write, exe: &Path) -> io::Result<()> {
    write_heading(out, ID, TITLE)?;
    let dir = temp_dir()?;
    let result = demo(out, exe, &dir);
    let _ = fs::remove_dir_all(&dir);
    result
}

fn demo(out: &mut dyn Write, exe: &Path, dir: &Path) -> io::Result<()> {
    let pidfile = dir.join("daemon.pid");
    let log = dir.join("daemon.log");
    let (p, l) = (
        pidfile.to_string_lossy().into_owned(),
        log.to_string_lossy().into_owned(),
    );
    let mut reaper = Reaper {
        pidfile: &pidfile,
        pid: None,
    };

    let t0 = Instant::now();
    let started = spindle_daemon(
        exe,
        &["start", "--pidfile", &p, "--log", &l, "--interval", "0.05"],
    )?;
    if !started.status.success() {
        return Err(failed(format!(
            "daemon start failed: {}",
            String::from_utf8_lossy(&started.stderr).trim()
        )));
    }
    let start_time = t0.elapsed();
    let pid = daemon::status(&pidfile)
        .ok()
        .and_then(|s| match s {
            daemon::Status::Running { pid } => pid,
            _ => None,
        })
        .ok_or_else(|| failed("the daemon does not hold its pidfile after start"))?;
    reaper.pid = Some(pid);
    writeln!(
        out,
        "daemon.py start -> `spindle daemon start --pidfile {p} --log {l} --interval 0.05`: \
         returned in {} once pid {pid} held the locked pidfile",
        ms(start_time)
    )?;
    writeln!(out, "  (parent printed: {})", first_line(&started.stdout))?;
    let try_dir = std::env::temp_dir();
    let (try_pid, try_log) = (try_dir.join("spindle.pid"), try_dir.join("spindle.log"));
    writeln!(
        out,
        "  try it: `spindle daemon start --pidfile {} --log {}`, then `spindle daemon status --pidfile {0}` and `spindle daemon stop --pidfile {0}`",
        try_pid.display(),
        try_log.display()
    )?;

    // Wait for the daemon's log to show it alive.
    let deadline = Instant::now() + Duration::from_secs(5);
    let lines = loop {
        let text = fs::read_to_string(&log).unwrap_or_default();
        if text
            .lines()
            .filter(|l| l.starts_with("Daemon Alive!"))
            .count()
            >= 2
        {
            break text;
        }
        if Instant::now() > deadline {
            return Err(failed(format!("the daemon's log stayed quiet: {text:?}")));
        }
        thread::sleep(Duration::from_millis(10));
    };
    for line in lines.lines().take(3) {
        writeln!(out, "  log: {line}")?;
    }

    let status = spindle_daemon(exe, &["status", "--pidfile", &p])?;
    writeln!(
        out,
        "status: {} (exit {})",
        first_line(&status.stdout),
        status.status.code().unwrap_or(-1)
    )?;

    let again = spindle_daemon(exe, &["start", "--pidfile", &p, "--log", &l])?;
    if again.status.success() {
        return Err(failed("a second start succeeded while the daemon ran"));
    }
    writeln!(
        out,
        "start again: refused, exit {}: {}",
        again.status.code().unwrap_or(-1),
        first_line(&again.stderr)
    )?;

    let t1 = Instant::now();
    let stopped = spindle_daemon(exe, &["stop", "--pidfile", &p])?;
    if !stopped.status.success() {
        return Err(failed(format!(
            "daemon stop failed: {}",
            String::from_utf8_lossy(&stopped.stderr).trim()
        )));
    }
    writeln!(
        out,
        "daemon.py stop -> `spindle daemon stop --pidfile {p}`: {} in {}; pidfile removed: {}",
        first_line(&stopped.stdout),
        ms(t1.elapsed()),
        !pidfile.exists()
    )?;
    let last = fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .last()
        .unwrap_or("")
        .to_string();
    writeln!(out, "  log: {last}   <- the cleanup hook, run on SIGTERM")?;
    let after = spindle_daemon(exe, &["status", "--pidfile", &p])?;
    writeln!(
        out,
        "status: {} (exit {})",
        first_line(&after.stdout),
        after.status.code().unwrap_or(-1)
    )?;
    if pidfile.exists() || after.status.code() != Some(3) {
        return Err(failed("the daemon did not shut down cleanly"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctime_matches_python() {
        // time.ctime(0) in UTC, and the book's sample line.
        assert_eq!(ctime(UNIX_EPOCH), "Thu Jan  1 00:00:00 1970");
        let t = UNIX_EPOCH + Duration::from_secs(1_350_049_537);
        assert_eq!(ctime(t), "Fri Oct 12 13:45:37 2012");
        // A leap day.
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(ctime(t), "Tue Feb 29 00:00:00 2000");
    }

    #[test]
    fn seconds_must_be_positive() {
        assert_eq!(parse_secs("0.5"), Ok(Duration::from_millis(500)));
        for bad in ["0", "-1", "x", "inf", "NaN", ""] {
            assert!(parse_secs(bad).is_err(), "{bad}");
        }
    }
}
