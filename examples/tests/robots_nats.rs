//! `spindle robots DIR --nats URL` with `spindle worker --nats URL` processes
//! (recipe 12.8 on the distributed pool): the same sorted output as
//! `--mode sequential`, with two workers, with one of them SIGKILLed mid-job, and
//! with the broker killed and restarted mid-job. Each test starts its own
//! nats-server and skips loudly when it is not installed (CI installs it).
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use spindle_test_support::nats_server::{KillOnDrop as Worker, NatsServer};

const SPINDLE: &str = env!("CARGO_BIN_EXE_spindle");

fn worker(url: &str, ack_wait: &str) -> Worker {
    let mut child = Command::new(SPINDLE)
        .args(["worker", "--nats", url, "--ack-wait", ack_wait])
        .stdout(Stdio::piped())
        .spawn()
        .expect("spindle worker starts");
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().expect("piped"))
        .read_line(&mut line)
        .expect("the worker talks");
    assert!(line.starts_with("worker: serving pool `robots`"), "{line}");
    Worker(child)
}

fn logs(lines: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let made = Command::new(SPINDLE)
        .args(["robots", "--generate"])
        .arg(dir.path())
        .args(["--files", "12", "--lines", lines, "--seed", "5"])
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    dir
}

fn robots(dir: &Path, extra: &[&str]) -> Output {
    Command::new(SPINDLE)
        .arg("robots")
        .arg(dir)
        .args(extra)
        .output()
        .unwrap()
}

/// The job on the broker, started in the background (for a fault in the middle).
fn robots_in_background(dir: &Path, url: &str, ack_wait: &str) -> Child {
    Command::new(SPINDLE)
        .arg("robots")
        .arg(dir)
        .args(["--nats", url, "--ack-wait", ack_wait])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The job's output once it finished, checked against the sequential run.
fn assert_same_as_sequential(job: Child, dir: &Path) {
    let out = job.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, sequential(dir));
}

fn sequential(dir: &Path) -> Vec<u8> {
    let out = robots(dir, &["--mode", "sequential"]);
    assert!(out.status.success());
    assert!(!out.stdout.is_empty());
    out.stdout
}

#[test]
fn two_workers_give_the_sequential_output() {
    let Some(server) = NatsServer::start("robots_nats", &[]) else {
        return;
    };
    let dir = logs("3000");
    let _w = [worker(&server.url, "1"), worker(&server.url, "1")];
    let out = robots(dir.path(), &["--nats", &server.url, "--ack-wait", "1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, sequential(dir.path()));
}

#[test]
fn a_worker_killed_mid_job_changes_nothing() {
    let Some(server) = NatsServer::start("robots_kill", &[]) else {
        return;
    };
    let dir = logs("40000");
    let mut doomed = worker(&server.url, "1");
    let _survivor = worker(&server.url, "1");
    let job = robots_in_background(dir.path(), &server.url, "1");
    std::thread::sleep(Duration::from_millis(60));
    doomed.0.kill().unwrap();
    doomed.0.wait().unwrap();
    assert_same_as_sequential(job, dir.path());
}

#[test]
fn a_broker_restart_mid_job_changes_nothing() {
    let Some(mut server) = NatsServer::start("robots_restart", &[]) else {
        return;
    };
    let dir = logs("40000");
    let _w = [worker(&server.url, "5"), worker(&server.url, "5")];
    let job = robots_in_background(dir.path(), &server.url, "5");
    std::thread::sleep(Duration::from_millis(150));
    server.restart();
    assert_same_as_sequential(job, dir.path());
}

#[test]
fn no_broker_is_a_clear_error_without_a_backtrace() {
    let dir = logs("100");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("nats://127.0.0.1:{port}");
    let out = robots(dir.path(), &["--nats", &url]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot connect to") && err.contains(&url),
        "{err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    let w = Command::new(SPINDLE)
        .args(["worker", "--nats", &url])
        .output()
        .unwrap();
    assert!(!w.status.success());
    assert!(String::from_utf8_lossy(&w.stderr).contains("cannot connect to"));
}
