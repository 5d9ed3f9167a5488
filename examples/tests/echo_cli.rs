//! `spindle echo --engine pool`: the real binary, 50 concurrent clients on
//! loopback, then SIGTERM stops it cleanly.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(30);

#[test]
fn echo_serves_fifty_clients_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spindle"))
        .args([
            "echo",
            "--engine",
            "pool",
            "--addr",
            "127.0.0.1:0",
            "--workers",
            "8",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the spindle binary runs");
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines) = mpsc::channel();
    let reader = thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = lines.recv_timeout(PATIENCE).expect("a listening line");
    let addr = first
        .split_whitespace()
        .find(|w| w.starts_with("127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();

    let clients: Vec<_> = (0..50)
        .map(|i| {
            let addr = addr.clone();
            thread::spawn(move || {
                let mut c = TcpStream::connect(&addr).unwrap();
                c.set_read_timeout(Some(PATIENCE)).unwrap();
                for round in 0..3 {
                    let msg = format!("client {i} round {round}\n").repeat(i + 1);
                    c.write_all(msg.as_bytes()).unwrap();
                    let mut back = vec![0; msg.len()];
                    c.read_exact(&mut back).unwrap();
                    assert_eq!(back, msg.as_bytes());
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    // Bounded wait for the exit.
    let t0 = std::time::Instant::now();
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if t0.elapsed() > PATIENCE {
            let _ = child.kill();
            panic!("the server did not stop on SIGTERM");
        }
        thread::sleep(Duration::from_millis(20));
    };
    reader.join().unwrap();
    let rest: Vec<String> = lines.try_iter().collect();
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    assert!(exit.success(), "exit {exit:?}; stderr: {stderr}");
    assert_eq!(
        rest.iter().filter(|l| l.contains("got connection")).count(),
        50
    );
    let last = rest.last().cloned().unwrap_or_default();
    assert!(last.starts_with("echo: stopped: 50 connections"), "{last}");
    let peak: usize = last
        .split("at most ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(peak <= 8, "{last}");
}

#[test]
fn echo_rejects_zero_workers() {
    let out = Command::new(env!("CARGO_BIN_EXE_spindle"))
        .args(["echo", "--addr", "127.0.0.1:0", "--workers", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least one worker"));
}
