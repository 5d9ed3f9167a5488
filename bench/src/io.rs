//! `io/echo-throughput-k*` (recipe 12.12): the coop echo server
//! (`spindle_std::io::echo`, one thread: scheduler + reactor) against an equivalent
//! line echo server on tokio's `current_thread` runtime, both driven by the same
//! client: one thread holding K loopback connections, sending one line on each,
//! then reading every `GOT:` answer, round after round. One op = one request
//! answered. Each server runs on its own thread for the whole process, and each
//! (server, K) keeps its connections across samples, so connecting stays out of
//! the timed region.
//!
//! Placement: with K = 1 every request is a wake-up of the server thread, which
//! costs ~4x more when the server runs on another CPU than the client (an
//! inter-processor wake-up; measured on a 2-vCPU host: 80 vs 19 us a request).
//! Server threads live for the whole process, so wherever the kernel first put
//! each one decided the row (4.2x one run, 0.95 the next). On Linux both servers
//! are therefore pinned to one CPU (the last one the process may use), and the
//! client thread joins them there while it drives a sample (its affinity is put
//! back afterwards): each side is measured at its best, with no wake-up crossing
//! CPUs, and neither side can be favoured by where the kernel happened to put it.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{mpsc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// The request line; the answer is `GOT:` + it.
const REQUEST: &[u8] = b"0123456789abcdef\n";
/// The longest line either server accepts.
const MAX_LINE: usize = 8192;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Engine {
    Spindle,
    Tokio,
}

fn server(engine: Engine) -> SocketAddr {
    static SPINDLE: OnceLock<SocketAddr> = OnceLock::new();
    static TOKIO: OnceLock<SocketAddr> = OnceLock::new();
    match engine {
        Engine::Spindle => *SPINDLE.get_or_init(start_spindle),
        Engine::Tokio => *TOKIO.get_or_init(start_tokio),
    }
}

fn start_spindle() -> SocketAddr {
    use spindle_std::io::echo::EchoServer;
    let server = EchoServer::bind("127.0.0.1:0")
        .expect("bind loopback")
        .max_line(MAX_LINE);
    let addr = server.local_addr().expect("bound");
    thread::spawn(move || {
        pin_server_thread();
        server.serve()
    });
    addr
}

#[cfg(target_os = "linux")]
mod placement {
    use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
    use nix::unistd::Pid;
    use std::sync::OnceLock;

    /// The calling thread.
    const THIS_THREAD: Pid = Pid::from_raw(0);

    /// The servers' CPU: the last one the process could use at the first call.
    fn server_cpu() -> Option<CpuSet> {
        static CPU: OnceLock<Option<CpuSet>> = OnceLock::new();
        *CPU.get_or_init(|| {
            let allowed = sched_getaffinity(THIS_THREAD).ok()?;
            let last = (0..CpuSet::count())
                .rev()
                .find(|&cpu| allowed.is_set(cpu).unwrap_or(false))?;
            let mut one = CpuSet::new();
            one.set(last).ok()?;
            Some(one)
        })
    }

    /// Moves the calling thread to the servers' CPU; returns its affinity before,
    /// to restore. Best effort: an unpinned thread only makes the row noisier.
    pub fn pin() -> Option<CpuSet> {
        let before = sched_getaffinity(THIS_THREAD).ok()?;
        sched_setaffinity(THIS_THREAD, &server_cpu()?).ok()?;
        Some(before)
    }

    /// Puts back an affinity [`pin`] returned.
    pub fn restore(before: Option<CpuSet>) {
        if let Some(set) = before {
            let _ = sched_setaffinity(THIS_THREAD, &set);
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod placement {
    pub fn pin() -> Option<()> {
        None
    }
    pub fn restore(_: Option<()>) {}
}

/// A server thread's first step: the servers' CPU, for good.
fn pin_server_thread() {
    let _ = placement::pin();
}

fn start_tokio() -> SocketAddr {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        pin_server_thread();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .expect("a tokio runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind loopback");
            tx.send(listener.local_addr().expect("bound")).ok();
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(async move {
                    let _ = sock.set_nodelay(true);
                    let (rd, mut wr) = sock.into_split();
                    let mut rd = BufReader::new(rd);
                    let mut reply = Vec::with_capacity(256);
                    loop {
                        reply.clear();
                        reply.extend_from_slice(b"GOT:");
                        match rd.read_until(b'\n', &mut reply).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) if n > MAX_LINE => return,
                            Ok(_) => {}
                        }
                        if wr.write_all(&reply).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
    });
    rx.recv().expect("the tokio server started")
}

/// Times `iters` requests over `k` connections to `engine`'s server.
fn drive(engine: Engine, k: usize, iters: u64) -> Duration {
    /// The client's connections, per server and K, kept across samples.
    type Pools = Mutex<HashMap<(Engine, usize), Vec<TcpStream>>>;
    static CONNS: OnceLock<Pools> = OnceLock::new();
    let addr = server(engine);
    let mut all = CONNS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    let conns = all.entry((engine, k)).or_insert_with(|| {
        (0..k)
            .map(|_| {
                let c = TcpStream::connect(addr).expect("connect to the bench server");
                c.set_nodelay(true).expect("nodelay");
                c
            })
            .collect()
    });
    let mut answer = [0u8; 4 + REQUEST.len()];
    let mut left = iters;
    let before = placement::pin();
    let t0 = Instant::now();
    while left > 0 {
        let batch = (left as usize).min(k);
        for c in &mut conns[..batch] {
            c.write_all(REQUEST).expect("send a request");
        }
        for c in &mut conns[..batch] {
            c.read_exact(&mut answer).expect("read an answer");
            debug_assert_eq!(&answer[..4], b"GOT:");
        }
        left -= batch as u64;
    }
    let elapsed = t0.elapsed();
    placement::restore(before);
    elapsed
}

/// spindle coop echo server, 1 connection.
pub fn echo_k1_spindle(iters: u64) -> Duration {
    drive(Engine::Spindle, 1, iters)
}
/// tokio `current_thread` echo server, 1 connection.
pub fn echo_k1_tokio(iters: u64) -> Duration {
    drive(Engine::Tokio, 1, iters)
}
/// spindle coop echo server, 16 connections.
pub fn echo_k16_spindle(iters: u64) -> Duration {
    drive(Engine::Spindle, 16, iters)
}
/// tokio `current_thread` echo server, 16 connections.
pub fn echo_k16_tokio(iters: u64) -> Duration {
    drive(Engine::Tokio, 16, iters)
}
/// spindle coop echo server, 256 connections.
pub fn echo_k256_spindle(iters: u64) -> Duration {
    drive(Engine::Spindle, 256, iters)
}
/// tokio `current_thread` echo server, 256 connections.
pub fn echo_k256_tokio(iters: u64) -> Duration {
    drive(Engine::Tokio, 256, iters)
}
