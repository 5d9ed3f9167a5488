//! A `nats-server` of the tests' own, for the `spindle_std::nats` tests: started on a
//! free loopback port with JetStream and a temporary store, killed when dropped.
//! `.ci/run` installs `nats-server`; on a machine without it the tests say loudly
//! that they were skipped (and fail instead when `CI` or `SPINDLE_REQUIRE_NATS` is
//! set, so CI can never pass them silently).

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `nats-server`.
///
/// ```no_run
/// use spindle_test_support::nats_server::NatsServer;
/// let Some(server) = NatsServer::start("my_test", &[]) else { return };
/// println!("connect to {}", server.url);
/// ```
pub struct NatsServer {
    child: Option<Child>,
    port: u16,
    store: PathBuf,
    extra: Vec<String>,
    /// `nats://127.0.0.1:PORT`.
    pub url: String,
}

fn required() -> bool {
    std::env::var_os("SPINDLE_REQUIRE_NATS").is_some() || std::env::var_os("CI").is_some()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl NatsServer {
    /// Starts a server, or returns `None` after printing why the calling test is
    /// skipped. `extra` are more `nats-server` arguments (e.g. `--user`).
    pub fn start(test: &str, extra: &[&str]) -> Option<Self> {
        let found = Command::new("nats-server")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if !found {
            let msg = format!(
                "nats-server is not installed (apt-get install nats-server); \
                 `{test}` needs a NATS broker"
            );
            if required() {
                panic!("{msg}");
            }
            eprintln!("\n!!! SKIPPED: {msg} !!!\n");
            return None;
        }
        let store = std::env::temp_dir().join(format!(
            "spindle-nats-{}-{}",
            std::process::id(),
            free_port()
        ));
        let mut server = Self {
            child: None,
            port: 0,
            store,
            extra: extra.iter().map(|s| s.to_string()).collect(),
            url: String::new(),
        };
        server.spawn();
        Some(server)
    }

    /// Starts the server on `self.port`, or on a port it picks itself (`-p -1`)
    /// when that is 0: picking a free port here and passing it on would race with
    /// the other tests doing the same.
    fn spawn(&mut self) {
        let port = if self.port == 0 {
            "-1".to_owned()
        } else {
            self.port.to_string()
        };
        // Through a small shell that SIGKILLs the server as soon as its stdin (a
        // pipe from this process) closes: the server dies with this process even
        // when nothing runs its `Drop` (a `static` in the bench, a killed test).
        let mut child = Command::new("sh")
            .args([
                "-c",
                "nats-server \"$@\" & pid=$!; read _; kill -9 $pid; wait $pid",
                "sh",
                "-a",
                "127.0.0.1",
                "-p",
                &port,
                "-js",
                "-sd",
            ])
            .arg(&self.store)
            .args(&self.extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("nats-server starts");
        let stderr = child.stderr.take().expect("piped");
        let (tx, rx) = std::sync::mpsc::channel();
        // Read the log: the port it listens on, then keep draining it so the server
        // never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("Listening for client connections on ").nth(1) {
                    let port = addr
                        .trim()
                        .rsplit(':')
                        .next()
                        .and_then(|p| p.parse::<u16>().ok());
                    let _ = tx.send(port);
                }
            }
        });
        self.child = Some(child);
        match rx.recv_timeout(Duration::from_secs(15)) {
            Ok(Some(port)) => self.port = port,
            _ => panic!("nats-server did not report its client port"),
        }
        self.url = format!("nats://127.0.0.1:{}", self.port);
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nats-server did not start listening"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server with SIGKILL (no clean shutdown) and waits until it is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Closing the shell's stdin makes it SIGKILL the server and wait for it.
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }

    /// Kills the server and starts it again on the same port with the same store.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.store);
    }
}

/// A child process (a peer, a worker) killed and reaped when dropped, so a test
/// that fails half-way leaves neither a running process nor a zombie.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
