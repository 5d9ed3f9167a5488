//! `spindle echo --engine coop` (recipe 12.12): the real binary answers `GOT:` +
//! each line, stops on SIGINT with a summary, and keeps serving its clients when
//! it runs out of file descriptors (run under `ulimit -n`), saying so once, then
//! recovers when descriptors free up.
#![cfg(unix)]

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(30);

/// Clients of the low-descriptor run.
const CLIENTS: usize = 30;

struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
    addr: String,
}

impl Server {
    /// Starts the binary through `sh`, after `setup` (e.g. `ulimit -n 32`).
    fn start(setup: &str) -> Self {
        let script =
            format!("{setup} exec \"$0\" echo --engine coop --addr 127.0.0.1:0 --max-line 64");
        let mut child = Command::new("sh")
            .args(["-c", &script, env!("CARGO_BIN_EXE_spindle")])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("sh runs");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = lines.recv_timeout(PATIENCE).expect("a listening line");
        assert!(first.contains("engine coop"), "{first}");
        let addr = first
            .split_whitespace()
            .find(|w| w.starts_with("127.0.0.1:"))
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_string();
        Self { child, lines, addr }
    }

    fn client(&self) -> TcpStream {
        let c = TcpStream::connect(&self.addr).unwrap();
        c.set_read_timeout(Some(PATIENCE)).unwrap();
        c
    }

    /// Output lines until one contains `needle` (which is returned last).
    fn until(&self, needle: &str) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let line = self
                .lines
                .recv_timeout(PATIENCE)
                .unwrap_or_else(|_| panic!("no line with {needle:?} after {seen:#?}"));
            let done = line.contains(needle);
            seen.push(line);
            if done {
                return seen;
            }
        }
    }

    fn signal(&mut self, sig: &str) -> Vec<String> {
        let status = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let t0 = Instant::now();
        let exit = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if t0.elapsed() > PATIENCE {
                let _ = self.child.kill();
                panic!("the server did not stop on {sig}");
            }
            thread::sleep(Duration::from_millis(10));
        };
        assert!(exit.success(), "{exit:?}");
        // Everything it printed, to the end of its output: the reader thread may not
        // have forwarded the last lines yet when the process is already gone.
        let mut rest = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(PATIENCE) {
            rest.push(line);
        }
        rest
    }
}

fn ask(c: &mut TcpStream, line: &str) -> String {
    c.write_all(line.as_bytes()).unwrap();
    let mut back = String::new();
    BufReader::new(&*c).read_line(&mut back).unwrap();
    back
}

#[test]
fn serves_lines_and_stops_on_sigint_with_a_summary() {
    let mut server = Server::start("");
    let mut a = server.client();
    let mut b = server.client();
    assert_eq!(ask(&mut a, "hello\n"), "GOT:hello\n");
    assert_eq!(ask(&mut b, "world\n"), "GOT:world\n");
    assert_eq!(ask(&mut a, "again\n"), "GOT:again\n");
    // Over the 64-byte limit: that client is closed, with a log line.
    let mut long = server.client();
    let _ = long.write_all(&[b'x'; 200]);
    server.until("longer than 64 bytes");
    assert_eq!(ask(&mut b, "still\n"), "GOT:still\n");
    drop((a, b, long));
    server.until("closed the connection");
    let rest = server.signal("-INT");
    let summary = rest
        .iter()
        .find(|l| l.starts_with("echo: stopped:"))
        .unwrap_or_else(|| panic!("no summary in {rest:#?}"));
    assert!(
        summary.contains("3 connections, 4 lines answered"),
        "{summary}"
    );
    assert!(summary.contains("1 dropped"), "{summary}");
}

#[test]
fn out_of_descriptors_pauses_accept_once_serves_clients_and_recovers() {
    // Room for the server's own dozen descriptors and some twenty clients: 30
    // clients are too many at once, but the ones left waiting fit once the first
    // ones (all but one) leave.
    let mut server = Server::start("ulimit -n 32 &&");
    let clients: Vec<TcpStream> = (0..CLIENTS).map(|_| server.client()).collect();
    let before = server.until("accept failed");
    let paused = before.last().unwrap();
    assert!(paused.contains("Too many open files"), "{paused}");
    let accepted: HashSet<String> = before
        .iter()
        .filter_map(|l| l.strip_prefix("echo: got connection from "))
        .map(str::to_string)
        .collect();
    assert!(accepted.len() < CLIENTS, "{accepted:?}");
    assert!(CLIENTS - accepted.len() < accepted.len(), "{accepted:?}");
    let (mut connected, mut waiting): (Vec<_>, Vec<_>) = clients
        .into_iter()
        .partition(|c| accepted.contains(&c.local_addr().unwrap().to_string()));

    // While accepting is paused, connected clients are served...
    let mut steady = connected.pop().unwrap();
    assert_eq!(ask(&mut steady, "while paused\n"), "GOT:while paused\n");
    // ...and the pause is said once, however many retries it takes (the back-off
    // retries several times a second).
    thread::sleep(Duration::from_millis(800));
    assert_eq!(ask(&mut steady, "still paused\n"), "GOT:still paused\n");
    let meanwhile: Vec<String> = server.lines.try_iter().collect();
    assert!(
        !meanwhile.iter().any(|l| l.contains("accept failed")),
        "{meanwhile:#?}"
    );

    // Free descriptors: the waiting clients get in and are answered.
    drop(connected);
    for (i, c) in waiting.iter_mut().enumerate() {
        let line = format!("late {i}\n");
        assert_eq!(ask(c, &line), format!("GOT:{line}"));
    }
    server.until("accepting new connections again");
    assert_eq!(ask(&mut steady, "after\n"), "GOT:after\n");
    drop((steady, waiting));
    let rest = server.signal("-TERM");
    let summary = rest
        .iter()
        .find(|l| l.starts_with("echo: stopped:"))
        .unwrap_or_else(|| panic!("no summary in {rest:#?}"));
    assert!(
        summary.contains(&format!("{CLIENTS} connections")),
        "{summary}"
    );
}
