//! `spindle daemon start|status|stop` (recipe 12.14) run as a user would, in a
//! temporary directory, with a short interval. Every daemon started is stopped
//! (or killed) by a guard, pass or fail.
#![cfg(unix)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::thread;
use std::time::{Duration, Instant};

const SPINDLE: &str = env!("CARGO_BIN_EXE_spindle");

fn spindle(args: &[&str]) -> Output {
    Command::new(SPINDLE)
        .args(args)
        .output()
        .expect("the spindle binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh directory under the system temp dir, removed on drop, after the daemon
/// it holds (if any) is stopped or killed.
struct Scratch {
    dir: PathBuf,
    pid: Option<u32>,
}

impl Scratch {
    fn new(tag: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "spindle-daemon-cli-{tag}-{}-{nanos}",
            std::process::id()
        ));
        fs::create_dir_all(&dir).unwrap();
        Scratch { dir, pid: None }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let pidfile = self.path("d.pid");
        let _ = spindle(&["daemon", "stop", "--pidfile", &pidfile, "--timeout", "2"]);
        if let Some(pid) = self.pid {
            if alive(pid) {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Running and not a zombie.
fn alive(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| Some(s.rsplit_once(')')?.1.trim_start().chars().next()? != 'Z'))
        .unwrap_or(false)
}

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

fn start(s: &mut Scratch) -> u32 {
    let (pidfile, log) = (s.path("d.pid"), s.path("d.log"));
    let out = spindle(&[
        "daemon",
        "start",
        "--pidfile",
        &pidfile,
        "--log",
        &log,
        "--interval",
        "0.02",
    ]);
    assert!(out.status.success(), "start: {}", text(&out.stderr));
    let pid: u32 = fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    s.pid = Some(pid);
    assert!(
        text(&out.stdout).contains(&format!("started daemon (pid {pid})")),
        "{}",
        text(&out.stdout)
    );
    pid
}

fn status(pidfile: &str) -> (i32, String) {
    let out = spindle(&["daemon", "status", "--pidfile", pidfile]);
    (out.status.code().unwrap_or(-1), text(&out.stdout))
}

#[test]
fn start_logs_the_books_lines_status_reports_and_stop_removes_the_pidfile() {
    let mut s = Scratch::new("cycle");
    let pid = start(&mut s);
    let (pidfile, log) = (s.path("d.pid"), s.path("d.log"));
    assert!(alive(pid));

    wait_for("Daemon Alive! lines", || {
        fs::read_to_string(&log)
            .unwrap_or_default()
            .matches("Daemon Alive! ")
            .count()
            >= 2
    });
    let logged = fs::read_to_string(&log).unwrap();
    assert!(
        logged.starts_with(&format!("Daemon started with pid {pid}\n")),
        "{logged}"
    );

    assert_eq!(status(&pidfile), (0, format!("running (pid {pid})\n")));

    let out = spindle(&["daemon", "stop", "--pidfile", &pidfile]);
    assert!(out.status.success(), "stop: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout), format!("stopped daemon (pid {pid})\n"));
    assert!(!alive(pid));
    assert!(!Path::new(&pidfile).exists());
    assert!(fs::read_to_string(&log)
        .unwrap()
        .ends_with("Daemon stopping (SIGTERM)\n"));

    assert_eq!(status(&pidfile), (3, "not running\n".to_string()));
    let again = spindle(&["daemon", "stop", "--pidfile", &pidfile]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("daemon stop: not running (no pidfile at"));
    assert!(!text(&again.stderr).contains("Not running: not running"));
}

#[test]
fn a_second_start_fails_and_the_first_keeps_running() {
    let mut s = Scratch::new("twice");
    let pid = start(&mut s);
    let (pidfile, log) = (s.path("d.pid"), s.path("d.log"));
    let out = spindle(&["daemon", "start", "--pidfile", &pidfile, "--log", &log]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "already running: {pidfile} is locked by pid {pid}"
        )),
        "{err}"
    );
    assert!(alive(pid));
    assert_eq!(status(&pidfile).0, 0);
}

#[test]
fn kill_9_leaves_a_stale_pidfile_and_a_new_start_succeeds() {
    let mut s = Scratch::new("stale");
    let pid = start(&mut s);
    let pidfile = s.path("d.pid");
    assert!(Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap()
        .success());
    wait_for("the stale status", || {
        status(&pidfile) == (1, format!("stale pidfile: pid {pid} is not running\n"))
    });
    let pid2 = start(&mut s);
    assert_ne!(pid, pid2);
    assert_eq!(status(&pidfile), (0, format!("running (pid {pid2})\n")));
}

#[test]
fn an_unusable_pidfile_directory_fails_before_detaching() {
    let s = Scratch::new("nodir");
    let pidfile = s.path("missing/d.pid");
    let log = s.path("d.log");
    let out = spindle(&["daemon", "start", "--pidfile", &pidfile, "--log", &log]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("cannot create pidfile {pidfile}")) && err.contains("does not exist"),
        "{err}"
    );
    // Nothing detached: no log line was ever written.
    assert!(!fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("Daemon"));
}

#[test]
fn usage_errors_print_usage_and_fail() {
    for args in [
        &["daemon"][..],
        &["daemon", "start"],
        &["daemon", "start", "--pidfile", "p"],
        &[
            "daemon",
            "start",
            "--pidfile",
            "p",
            "--log",
            "l",
            "--interval",
            "0",
        ],
        &["daemon", "restart", "--pidfile", "p"],
        &["daemon", "status"],
    ] {
        let out = spindle(args);
        assert!(!out.status.success(), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = text(&out.stderr);
        // Missing or unknown words print the usage; a bad value names it and
        // points at --help (clap's way).
        assert!(
            err.contains("Usage: spindle daemon") || err.contains("--help"),
            "{args:?}: {err}"
        );
    }
}
