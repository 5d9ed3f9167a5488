//! Recipe 12.7's TCP echo server, its connections served by a [`ThreadPool`]: at
//! most `workers` clients are served at once, and the rest wait in the listen
//! backlog until a worker frees up, so a flood of clients never grows the thread
//! count. The `spindle echo --engine pool` command and the tests share this code.
//!
//! The accept loop takes a worker slot (a [`Semaphore`] permit) *before* it accepts,
//! polls a non-blocking listener, and checks a stop flag between polls; each
//! connection reads with a short timeout and checks the same flag, so
//! [`EchoStop::stop`], or SIGINT/SIGTERM after [`EchoServer::stop_on_signals`],
//! ends everything within a fraction of a second.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use super::{Shutdown, ThreadPool};
use crate::sync::Semaphore;

/// How often a blocked read, a full pool or an idle listener looks at the stop flag.
const TICK: Duration = Duration::from_millis(50);

/// Something that happened to a connection, for [`EchoServer::on_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EchoEvent {
    /// A client was accepted and handed to a worker (the book's "Got connection
    /// from").
    Connected(SocketAddr),
    /// A client's connection ended after echoing this many bytes ("Client closed
    /// connection").
    Closed(SocketAddr, u64),
}

impl fmt::Display for EchoEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connected(a) => write!(f, "got connection from {a}"),
            Self::Closed(a, n) => write!(f, "client {a} closed the connection ({n} bytes echoed)"),
        }
    }
}

/// What a server did, returned by [`EchoServer::serve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct EchoReport {
    /// Connections accepted.
    pub connections: u64,
    /// Bytes echoed back, over all connections.
    pub bytes: u64,
    /// The most connections served at the same time (never above the worker count).
    pub peak_concurrent: usize,
}

type Listener = Arc<dyn Fn(&EchoEvent) + Send + Sync>;

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    bytes: AtomicU64,
    active: AtomicUsize,
    peak: AtomicUsize,
}

/// Stops a running [`EchoServer`] from another thread.
///
/// ```
/// # use spindle_std::pool::echo::EchoServer;
/// let server = EchoServer::bind("127.0.0.1:0", 2).unwrap();
/// let stop = server.stopper();
/// let t = std::thread::spawn(move || server.serve());
/// stop.stop();
/// assert_eq!(t.join().unwrap().unwrap().connections, 0);
/// ```
#[derive(Debug, Clone)]
pub struct EchoStop(Arc<AtomicBool>);

impl EchoStop {
    /// Asks the server to stop: it stops accepting, closes its connections, and
    /// `serve` returns.
    ///
    /// ```
    /// # use spindle_std::pool::echo::EchoServer;
    /// let server = EchoServer::bind("127.0.0.1:0", 1).unwrap();
    /// server.stopper().stop();
    /// assert!(server.serve().is_ok()); // returns at once
    /// ```
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked for.
    ///
    /// ```
    /// # use spindle_std::pool::echo::EchoServer;
    /// let server = EchoServer::bind("127.0.0.1:0", 1).unwrap();
    /// assert!(!server.stopper().is_stopped());
    /// ```
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// A TCP echo server whose connections are served by a pool of `workers` threads
/// (recipe 12.7's `echo_server` on a `ThreadPoolExecutor`).
///
/// ```
/// use std::io::{Read, Write};
/// use std::net::TcpStream;
/// use spindle_std::pool::echo::EchoServer;
///
/// let server = EchoServer::bind("127.0.0.1:0", 4).unwrap();
/// let addr = server.local_addr().unwrap();
/// let stop = server.stopper();
/// let t = std::thread::spawn(move || server.serve());
///
/// let mut c = TcpStream::connect(addr).unwrap();
/// c.write_all(b"hello").unwrap();
/// let mut buf = [0; 5];
/// c.read_exact(&mut buf).unwrap();
/// assert_eq!(&buf, b"hello");
/// drop(c);
///
/// stop.stop();
/// let report = t.join().unwrap().unwrap();
/// assert_eq!(report.connections, 1);
/// ```
pub struct EchoServer {
    listener: TcpListener,
    workers: usize,
    stop: EchoStop,
    on_event: Option<Listener>,
}

impl EchoServer {
    /// Binds `addr` (port 0 picks a free port) for a server of `workers` workers.
    /// Zero workers is an `InvalidInput` error.
    ///
    /// ```
    /// # use spindle_std::pool::echo::EchoServer;
    /// assert!(EchoServer::bind("127.0.0.1:0", 0).is_err());
    /// ```
    pub fn bind(addr: impl ToSocketAddrs, workers: usize) -> io::Result<Self> {
        if workers == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "an echo server needs at least one worker",
            ));
        }
        Ok(Self {
            listener: TcpListener::bind(addr)?,
            workers,
            stop: EchoStop(Arc::new(AtomicBool::new(false))),
            on_event: None,
        })
    }

    /// The address the server listens on.
    ///
    /// ```
    /// # use spindle_std::pool::echo::EchoServer;
    /// let s = EchoServer::bind("127.0.0.1:0", 1).unwrap();
    /// assert_ne!(s.local_addr().unwrap().port(), 0);
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// A handle that stops the server from another thread.
    ///
    /// ```
    /// # use spindle_std::pool::echo::EchoServer;
    /// let s = EchoServer::bind("127.0.0.1:0", 1).unwrap();
    /// let stop = s.stopper();
    /// # drop(stop);
    /// ```
    pub fn stopper(&self) -> EchoStop {
        self.stop.clone()
    }

    /// Calls `f` for every connection event, on the thread concerned (the accept
    /// loop or a worker).
    ///
    /// ```
    /// # use spindle_std::pool::echo::EchoServer;
    /// let s = EchoServer::bind("127.0.0.1:0", 1).unwrap().on_event(|e| eprintln!("{e}"));
    /// # drop(s);
    /// ```
    pub fn on_event(mut self, f: impl Fn(&EchoEvent) + Send + Sync + 'static) -> Self {
        self.on_event = Some(Arc::new(f));
        self
    }

    /// Makes SIGINT (Ctrl-C) and SIGTERM stop the server cleanly; a second signal
    /// while it is stopping ends the process at once.
    ///
    /// ```no_run
    /// # use spindle_std::pool::echo::EchoServer;
    /// let s = EchoServer::bind("127.0.0.1:15000", 128).unwrap();
    /// s.stop_on_signals().unwrap();
    /// s.serve().unwrap(); // until Ctrl-C
    /// ```
    pub fn stop_on_signals(&self) -> io::Result<()> {
        use signal_hook::consts::{SIGINT, SIGTERM};
        for sig in [SIGINT, SIGTERM] {
            // Order matters: the shutdown check sees the flag before this signal
            // sets it, so only a second signal exits at once.
            signal_hook::flag::register_conditional_shutdown(sig, 130, self.stop.0.clone())?;
            signal_hook::flag::register(sig, self.stop.0.clone())?;
        }
        Ok(())
    }

    /// Serves clients until stopped, then closes every connection, joins the
    /// workers and reports.
    ///
    /// ```
    /// # use spindle_std::pool::echo::EchoServer;
    /// let s = EchoServer::bind("127.0.0.1:0", 1).unwrap();
    /// s.stopper().stop();
    /// assert_eq!(s.serve().unwrap().bytes, 0);
    /// ```
    pub fn serve(self) -> io::Result<EchoReport> {
        let pool = ThreadPool::builder()
            .workers(self.workers)
            .name("echo")
            .build()
            .map_err(io::Error::other)?;
        let slots = Arc::new(Semaphore::new(self.workers));
        let counters = Arc::new(Counters::default());
        self.listener.set_nonblocking(true)?;
        let mut idle = Duration::from_micros(100);
        'serve: while !self.stop.is_stopped() {
            // A free worker first: until then, new clients wait in the backlog.
            let Ok(permit) = slots.acquire_timeout(TICK) else {
                continue;
            };
            permit.forget();
            let (sock, peer) = loop {
                if self.stop.is_stopped() {
                    let _ = slots.add_permits(1);
                    break 'serve;
                }
                match self.listener.accept() {
                    Ok(conn) => break conn,
                    Err(e) if is_retry(&e) => {
                        thread::sleep(idle);
                        idle = (idle * 2).min(Duration::from_millis(5));
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    // e.g. a client that reset before we accepted it; or out of fds.
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            };
            idle = Duration::from_micros(100);
            counters.connections.fetch_add(1, Ordering::Relaxed);
            let active = counters.active.fetch_add(1, Ordering::Relaxed) + 1;
            counters.peak.fetch_max(active, Ordering::Relaxed);
            if let Some(f) = &self.on_event {
                f(&EchoEvent::Connected(peer));
            }
            let job = Connection {
                sock,
                peer,
                stop: self.stop.clone(),
                counters: counters.clone(),
                slots: slots.clone(),
                on_event: self.on_event.clone(),
            };
            // The pool is ours and open, and a worker is free: this cannot be refused.
            let _ = pool.submit(move || job.serve());
        }
        pool.shutdown(Shutdown::wait());
        Ok(EchoReport {
            connections: counters.connections.load(Ordering::Relaxed),
            bytes: counters.bytes.load(Ordering::Relaxed),
            peak_concurrent: counters.peak.load(Ordering::Relaxed),
        })
    }
}

impl fmt::Debug for EchoServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EchoServer")
            .field("addr", &self.listener.local_addr().ok())
            .field("workers", &self.workers)
            .finish_non_exhaustive()
    }
}

fn is_retry(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// One client, served on a worker; gives its worker slot back when dropped (also
/// when the pool drops it unrun).
struct Connection {
    sock: TcpStream,
    peer: SocketAddr,
    stop: EchoStop,
    counters: Arc<Counters>,
    slots: Arc<Semaphore>,
    on_event: Option<Listener>,
}

impl Connection {
    fn serve(mut self) {
        let echoed = self.echo().unwrap_or(0);
        self.counters.bytes.fetch_add(echoed, Ordering::Relaxed);
        if let Some(f) = &self.on_event {
            f(&EchoEvent::Closed(self.peer, echoed));
        }
    }

    /// The book's `echo_client`: read what arrives and send it back, until the
    /// client closes (or the server stops).
    fn echo(&mut self) -> io::Result<u64> {
        self.sock.set_nonblocking(false)?;
        self.sock.set_read_timeout(Some(TICK))?;
        self.sock.set_write_timeout(Some(TICK))?;
        let _ = self.sock.set_nodelay(true);
        let mut buf = vec![0u8; 64 * 1024];
        let mut echoed = 0u64;
        loop {
            let n = match self.sock.read(&mut buf) {
                Ok(0) => return Ok(echoed),
                Ok(n) => n,
                Err(e) if is_retry(&e) || e.kind() == io::ErrorKind::Interrupted => {
                    if self.stop.is_stopped() {
                        return Ok(echoed);
                    }
                    continue;
                }
                Err(e) => return Err(e),
            };
            let mut out = &buf[..n];
            while !out.is_empty() {
                match self.sock.write(out) {
                    Ok(0) => return Ok(echoed),
                    Ok(k) => {
                        out = &out[k..];
                        echoed += k as u64;
                    }
                    Err(e) if is_retry(&e) || e.kind() == io::ErrorKind::Interrupted => {
                        if self.stop.is_stopped() {
                            return Ok(echoed);
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.counters.active.fetch_sub(1, Ordering::Relaxed);
        // One permit back for the one taken before this client was accepted.
        let _ = self.slots.add_permits(1);
    }
}
