//! Recipe 12.14 with real processes: the `daemon_probe` binary daemonizes with
//! `spindle_std::daemon`, and these tests start, inspect, signal and stop it in a
//! temporary directory. A test process has several threads, so it never
//! daemonizes itself; every daemon it starts is killed by a guard, pass or fail.
#![cfg(unix)]

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use spindle_std::daemon::{self, DaemonError, Status};
use tempfile::TempDir;

const PROBE: &str = env!("CARGO_BIN_EXE_daemon_probe");
const STOP: Duration = Duration::from_secs(5);

/// A temp dir with the probe's three paths.
struct Setup {
    dir: TempDir,
    pidfile: PathBuf,
    log: PathBuf,
    marker: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::Builder::new()
        .prefix("spindle-daemon-")
        .tempdir()
        .expect("temp dir");
    Setup {
        pidfile: dir.path().join("probe.pid"),
        log: dir.path().join("probe.log"),
        marker: dir.path().join("cleanup.marker"),
        dir,
    }
}

fn probe(s: &Setup, extra: &[&str]) -> Output {
    Command::new(PROBE)
        .arg(&s.pidfile)
        .arg(&s.log)
        .arg(&s.marker)
        .args(extra)
        .output()
        .expect("the probe runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Kills the daemon on drop unless it is already gone.
struct Guard(u32);

impl Drop for Guard {
    fn drop(&mut self) {
        if alive(self.0) {
            let _ = kill(Pid::from_raw(self.0 as i32), Signal::SIGKILL);
        }
    }
}

/// Starts a probe daemon and returns its pid (from the parent's report) with a guard.
fn start(s: &Setup, extra: &[&str]) -> (u32, Guard) {
    let out = probe(s, extra);
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "start failed: {stdout}{}",
        text(&out.stderr)
    );
    let pid: u32 = stdout
        .trim()
        .strip_prefix("pid ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no pid in {stdout:?}"));
    (pid, Guard(pid))
}

/// `/proc/PID/stat` fields after the command name: state, ppid, pgrp, session, tty_nr.
fn stat(pid: u32) -> Option<(char, i64, i64, i64, i64)> {
    let s = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = s.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let n = |i: usize| f.get(i).and_then(|v| v.parse().ok());
    Some((f.first()?.chars().next()?, n(1)?, n(2)?, n(3)?, n(4)?))
}

/// Alive and not a zombie (the container's init may never reap our orphans).
fn alive(pid: u32) -> bool {
    match stat(pid) {
        Some((state, ..)) => state != 'Z' && state != 'X',
        None => kill(Pid::from_raw(pid as i32), None).is_ok(),
    }
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

fn log_lines(log: &Path, what: &str) -> usize {
    fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter(|l| *l == what)
        .count()
}

#[test]
fn start_detaches_into_a_session_member_without_a_terminal_and_stop_cleans_up() {
    let s = setup();
    let (pid, _guard) = start(&s, &[]);

    // The pidfile names a live process, locked.
    assert_eq!(fs::read_to_string(&s.pidfile).unwrap(), format!("{pid}\n"));
    assert_eq!(
        daemon::status(&s.pidfile).unwrap(),
        Status::Running { pid: Some(pid) }
    );
    assert!(alive(pid));

    // A new session whose leader (the first child) is its parent-that-was: the
    // daemon is in the leader's group and session but leads neither, and has no
    // controlling terminal.
    let (_, ppid, pgrp, session, tty) = stat(pid).expect("daemon's /proc entry");
    let (.., my_session, _) = stat(std::process::id()).unwrap();
    assert_ne!(
        session,
        i64::from(pid),
        "the daemon must not lead its session"
    );
    assert_eq!(pgrp, session, "the daemon is in its session leader's group");
    assert_ne!(session, my_session, "setsid made a new session");
    assert_eq!(tty, 0, "no controlling terminal");
    assert_ne!(ppid, i64::from(std::process::id()));
    assert!(!alive(session as u32), "the session leader has exited");

    // The log receives lines; cwd is /; new files get the default umask 0o027.
    wait_for("log lines", || log_lines(&s.log, "alive") >= 3);
    assert_eq!(log_lines(&s.log, "cwd=/"), 1);
    let made = s.dir.path().join("cleanup.marker.new");
    wait_for("the daemon's new file", || made.exists());
    assert_eq!(fs::metadata(&made).unwrap().mode() & 0o777, 0o640);
    assert_eq!(fs::metadata(&s.pidfile).unwrap().mode() & 0o777, 0o640);

    // stop: SIGTERM runs the hook, removes the pidfile, and the process is gone.
    assert!(!s.marker.exists());
    assert_eq!(daemon::stop(&s.pidfile, STOP).unwrap(), pid);
    assert!(!alive(pid));
    assert!(!s.pidfile.exists());
    assert_eq!(fs::read_to_string(&s.marker).unwrap(), "cleanup ran\n");
    assert_eq!(daemon::status(&s.pidfile).unwrap(), Status::NotRunning);
    assert!(matches!(
        daemon::stop(&s.pidfile, STOP),
        Err(DaemonError::NotRunning { .. })
    ));
}

#[test]
fn a_second_start_is_refused_and_the_first_keeps_running() {
    let s = setup();
    let (pid, _guard) = start(&s, &[]);
    let second = probe(&s, &[]);
    assert!(!second.status.success());
    let err = text(&second.stderr);
    assert!(
        err.contains("already running") && err.contains(&format!("pid {pid}")),
        "{err}"
    );
    assert!(alive(pid));
    assert_eq!(
        daemon::status(&s.pidfile).unwrap(),
        Status::Running { pid: Some(pid) }
    );
    let before = log_lines(&s.log, "alive");
    wait_for("the first daemon to keep logging", || {
        log_lines(&s.log, "alive") > before
    });
    assert_eq!(daemon::stop(&s.pidfile, STOP).unwrap(), pid);
}

#[test]
fn a_killed_daemon_leaves_a_stale_pidfile_that_a_new_start_takes_over() {
    let s = setup();
    let (pid, _guard) = start(&s, &[]);
    kill(Pid::from_raw(pid as i32), Signal::SIGKILL).unwrap();
    wait_for("the killed daemon to die", || !alive(pid));
    assert!(s.pidfile.exists());
    wait_for("the lock to be released", || {
        daemon::status(&s.pidfile).unwrap() == Status::Stale { pid: Some(pid) }
    });
    // A stale pidfile is not signalled: its pid may belong to someone else now.
    assert!(matches!(
        daemon::stop(&s.pidfile, STOP),
        Err(DaemonError::Stale { pid: Some(p), .. }) if p == pid
    ));
    // SIGKILL runs no cleanup.
    assert!(!s.marker.exists());

    let (pid2, _guard2) = start(&s, &[]);
    assert_ne!(pid2, pid);
    assert_eq!(fs::read_to_string(&s.pidfile).unwrap(), format!("{pid2}\n"));
    assert_eq!(daemon::stop(&s.pidfile, STOP).unwrap(), pid2);
}

#[test]
fn sigint_also_runs_the_cleanup_hook() {
    let s = setup();
    let (pid, _guard) = start(&s, &[]);
    kill(Pid::from_raw(pid as i32), Signal::SIGINT).unwrap();
    wait_for("SIGINT shutdown", || !alive(pid) && !s.pidfile.exists());
    assert_eq!(fs::read_to_string(&s.marker).unwrap(), "cleanup ran\n");
}

#[test]
fn returning_from_main_drops_the_guard_and_cleans_up() {
    let s = setup();
    let (pid, _guard) = start(&s, &["--return-after-ms", "60"]);
    wait_for("the daemon to return", || !alive(pid));
    assert!(!s.pidfile.exists());
    assert_eq!(fs::read_to_string(&s.marker).unwrap(), "cleanup ran\n");
}

#[test]
fn umask_and_working_directory_are_configurable() {
    let s = setup();
    let work = s.dir.path().join("work");
    fs::create_dir(&work).unwrap();
    let workdir = work.to_string_lossy().into_owned();
    let (pid, _guard) = start(&s, &["--umask", "0", "--workdir", &workdir]);
    let made = s.dir.path().join("cleanup.marker.new");
    wait_for("the daemon's new file", || made.exists());
    // The book's umask(0): world-writable.
    assert_eq!(fs::metadata(&made).unwrap().mode() & 0o777, 0o666);
    assert_eq!(log_lines(&s.log, &format!("cwd={workdir}")), 1);
    assert_eq!(daemon::stop(&s.pidfile, STOP).unwrap(), pid);
}

/// Runs a start that must fail before detaching; returns its stderr.
fn failed_start(s: &Setup, extra: &[&str]) -> String {
    let t0 = Instant::now();
    let out = probe(s, extra);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    assert!(out.stdout.is_empty(), "no daemon was reported");
    assert!(t0.elapsed() < Duration::from_secs(5));
    assert!(!s.marker.exists());
    text(&out.stderr)
}

#[test]
fn a_missing_or_unwritable_pidfile_directory_fails_before_detaching() {
    let mut s = setup();

    s.pidfile = s.dir.path().join("no-such-dir/probe.pid");
    let err = failed_start(&s, &[]);
    assert!(
        err.contains("directory") && err.contains("does not exist"),
        "{err}"
    );

    let file = s.dir.path().join("a-file");
    fs::write(&file, "").unwrap();
    s.pidfile = file.join("probe.pid");
    let err = failed_start(&s, &[]);
    assert!(err.contains("is not a directory"), "{err}");

    // Root writes anywhere, so a read-only directory only refuses others.
    let root = fs::metadata(&file).unwrap().uid() == 0;
    if !root {
        let ro = s.dir.path().join("read-only");
        fs::create_dir(&ro).unwrap();
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).unwrap();
        s.pidfile = ro.join("probe.pid");
        let err = failed_start(&s, &[]);
        assert!(err.contains("is not writable"), "{err}");
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o755)).unwrap();
    }
    assert!(!s.log.exists() || log_lines(&s.log, "alive") == 0);
}

#[test]
fn other_pre_detach_errors_are_reported_by_the_caller() {
    let s = setup();
    let err = failed_start(&s, &["--threads"]);
    assert!(err.contains("threads are running"), "{err}");
    assert!(!s.pidfile.exists());

    let err = failed_start(&s, &["--umask", "1000"]);
    assert!(err.contains("invalid umask"), "{err}");

    let missing = s.dir.path().join("nowhere").to_string_lossy().into_owned();
    let err = failed_start(&s, &["--workdir", &missing]);
    assert!(err.contains("working directory"), "{err}");
    assert!(!s.pidfile.exists());
}

#[test]
fn a_pidfile_that_is_not_a_regular_file_is_refused() {
    let mut s = setup();
    s.pidfile = PathBuf::from("/dev/null");
    let err = failed_start(&s, &[]);
    assert!(err.contains("not a regular file"), "{err}");
    assert!(Path::new("/dev/null").exists());
}

/// Start-up failures after the fork reach the caller: with the descriptor limit
/// squeezed step by step, some starts fail before detaching, some fail inside the
/// daemon (it cannot set up its signal handling) and some succeed. Whatever
/// happens, a start that exits 0 has a running daemon, and one that fails has none
/// and leaves no pidfile.
#[test]
fn a_daemon_that_dies_during_start_up_is_never_reported_as_started() {
    let s = setup();
    let mut failed_inside = 0;
    let mut started = 0;
    for limit in 6..=24 {
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
            .arg(PROBE)
            .arg(&s.pidfile)
            .arg(&s.log)
            .arg(&s.marker)
            .output()
            .expect("sh runs");
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        if out.status.success() {
            started += 1;
            let pid: u32 = stdout.trim().strip_prefix("pid ").unwrap().parse().unwrap();
            let _guard = Guard(pid);
            assert_eq!(
                daemon::status(&s.pidfile).unwrap(),
                Status::Running { pid: Some(pid) },
                "limit {limit}"
            );
            assert_eq!(daemon::stop(&s.pidfile, STOP).unwrap(), pid);
        } else {
            assert!(stdout.is_empty(), "limit {limit}: {stdout}");
            assert!(stderr.starts_with("error: "), "limit {limit}: {stderr}");
            if stderr.contains("failed during start-up") {
                failed_inside += 1;
                // The daemon logged it to its own stderr too.
                let log = fs::read_to_string(&s.log).unwrap_or_default();
                assert!(log.contains("start-up failed"), "limit {limit}: {log}");
            }
            wait_for("no daemon and no pidfile", || {
                daemon::status(&s.pidfile).unwrap() == Status::NotRunning
            });
        }
    }
    assert!(failed_inside > 0, "no limit made the daemon itself fail");
    assert!(started > 0, "no limit let the daemon start");
}
