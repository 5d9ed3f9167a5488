//! Recipe 12.6, "storing thread-specific state": the book's `LazyConnection`, one
//! object shared by several threads, each of which connects its own socket through
//! a [`PerThread`] (Python's `threading.local()`), against a small server on
//! 127.0.0.1; and per-thread tallies that the owner gathers afterwards.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Instant;

use spindle_std::thread::{Builder, PerThread};

use crate::{failed, ms, write_heading};

/// The book's recipe number.
pub const ID: &str = "12.6";
/// The module and example name.
pub const NAME: &str = "r12_06_thread_local";
/// The section title.
pub const TITLE: &str = "Thread-local state: one connection per thread";

/// Runs the recipe's demos and writes the section to `out`.
///
/// ```
/// let mut out = Vec::new();
/// spindle_cookbook::r12_06_thread_local::run(&mut out).unwrap();
/// assert!(String::from_utf8(out).unwrap().contains("Already connected"));
/// ```
pub fn run(out: &mut dyn Write) -> io::Result<()> {
    write_heading(out, ID, TITLE)?;
    lazy_connection(out)?;
    tallies(out)
}

/// The book's `LazyConnection`: `with conn as s:` connects a socket for the
/// calling thread only, and closes it at the end.
pub struct LazyConnection {
    address: SocketAddr,
    local: PerThread<TcpStream>,
}

impl LazyConnection {
    /// A connection to `address`, not yet connected on any thread.
    pub fn new(address: SocketAddr) -> Self {
        Self {
            address,
            local: PerThread::new(),
        }
    }

    /// `with conn as s: f(s)`: connects this thread's socket, runs `f` on it and
    /// closes it. Fails with "Already connected" when the thread is already inside
    /// `with_connection` (the book's `RuntimeError`).
    pub fn with_connection<R>(
        &self,
        f: impl FnOnce(&mut TcpStream) -> io::Result<R>,
    ) -> io::Result<R> {
        if self.local.is_set() {
            return Err(io::Error::other("Already connected"));
        }
        let sock = TcpStream::connect(self.address)?; // __enter__
        self.local
            .set(sock)
            .map_err(|_| io::Error::other("Already connected"))?;
        let result = match self.local.with(f) {
            Ok(Some(r)) => r,
            Ok(None) => Err(io::Error::other("not connected")),
            Err(e) => Err(io::Error::other(e)),
        };
        drop(self.local.take()); // __exit__: close and `del self.local.sock`
        result
    }
}

/// A tiny HTTP-ish server: answers each request with a body naming the client's
/// port, then closes.
fn serve(listener: TcpListener, connections: usize) -> io::Result<()> {
    for _ in 0..connections {
        let (mut s, peer) = listener.accept()?;
        let mut req = Vec::new();
        let mut buf = [0u8; 256];
        while !req.ends_with(b"\r\n\r\n") {
            let n = s.read(&mut buf)?;
            if n == 0 {
                break;
            }
            req.extend_from_slice(&buf[..n]);
        }
        let body = format!("hello, port {}\n", peer.port()).repeat(40);
        // A client that hung up without asking gets nothing; that is not an error.
        let _ = s.write_all(format!("HTTP/1.0 200 OK\r\n\r\n{body}").as_bytes());
    }
    Ok(())
}

fn lazy_connection(out: &mut dyn Write) -> io::Result<()> {
    const THREADS: usize = 2;
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let address = listener.local_addr()?;
    let server = Builder::new()
        .name("server")
        .spawn(move || serve(listener, THREADS + 1))
        .map_err(|e| failed(format!("server: {e}")))?;

    let conn = Arc::new(LazyConnection::new(address));
    let t0 = Instant::now();
    let clients: Vec<_> = (1..=THREADS)
        .map(|i| {
            let conn = Arc::clone(&conn);
            Builder::new()
                .name(format!("t{i}"))
                .spawn(move || {
                    conn.with_connection(|s| {
                        s.write_all(b"GET /index.html HTTP/1.0\r\n")?;
                        s.write_all(b"Host: 127.0.0.1\r\n")?;
                        s.write_all(b"\r\n")?;
                        let mut resp = Vec::new();
                        s.read_to_end(&mut resp)?;
                        Ok((s.local_addr()?.port(), resp))
                    })
                })
                .map_err(|e| failed(format!("client: {e}")))
        })
        .collect::<io::Result<_>>()?;
    let mut ports = Vec::new();
    for (i, c) in clients.into_iter().enumerate() {
        let (port, resp) = c
            .join()
            .map_err(|e| failed(format!("client t{}: {e}", i + 1)))??;
        let text = String::from_utf8_lossy(&resp);
        if !text.contains(&format!("hello, port {port}\n")) {
            return Err(failed(format!("t{} read another thread's reply", i + 1)));
        }
        writeln!(
            out,
            "t{}: Got {} bytes on its own socket (local port {port})",
            i + 1,
            resp.len()
        )?;
        ports.push(port);
    }
    let elapsed = t0.elapsed();
    if ports.len() != THREADS || ports[0] == ports[1] {
        return Err(failed("the threads shared one socket"));
    }

    // Nesting on one thread: the book's RuntimeError('Already connected').
    let nested = conn.with_connection(|_| {
        Ok(conn
            .with_connection(|_| Ok(()))
            .err()
            .map(|e| e.to_string()))
    })?;
    server
        .join()
        .map_err(|e| failed(format!("server: {e}")))??;
    let nested = nested.ok_or_else(|| failed("a nested connect succeeded"))?;
    writeln!(
        out,
        "LazyConnection shared by {THREADS} threads: {THREADS} sockets, no locking ({})",
        ms(elapsed)
    )?;
    writeln!(
        out,
        "a nested `with conn` on one thread: {nested} (the thread already has its socket)"
    )
}

/// Per-thread counters without contention, summed by the owner afterwards.
fn tallies(out: &mut dyn Write) -> io::Result<()> {
    const THREADS: u64 = 4;
    let mut hits: PerThread<u64> = PerThread::new();
    std::thread::scope(|s| {
        for n in 1..=THREADS {
            let hits = &hits;
            s.spawn(move || {
                for _ in 0..n * 1000 {
                    let _ = hits.with_or_insert(|| 0, |c| *c += 1);
                }
            });
        }
    });
    let mut each: Vec<u64> = hits.iter_mut().map(|c| *c).collect();
    each.sort_unstable();
    let total: u64 = each.iter().sum();
    if total != (1..=THREADS).map(|n| n * 1000).sum::<u64>() {
        return Err(failed(format!("tallies add up to {total}")));
    }
    writeln!(
        out,
        "PerThread<u64> tallies: {THREADS} threads counted {each:?} privately; the owner sums {total}"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn run_reports_the_key_facts() {
        let mut out = Vec::new();
        super::run(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("== 12.6 Thread-local state: one connection per thread ==\n"));
        assert!(text.contains("t1: Got ") && text.contains("t2: Got "));
        assert!(text.contains("2 sockets"));
        assert!(text.contains("Already connected"));
        assert!(text.contains("[1000, 2000, 3000, 4000]"));
    }
}
