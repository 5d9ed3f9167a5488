//! Recipe 12.12's single-threaded echo server (the book's generator-based
//! `EchoServer`) on spindle's cooperative scheduler and the I/O [`Reactor`]: one
//! thread, one task per client, every client answered line by line with `GOT:` and
//! the line. The `spindle echo --engine coop` command and the tests share this
//! code.
//!
//! Robustness beyond the book: a line longer than the limit closes that client (a
//! line the book would buffer without bound); a client that resets or vanishes
//! ends only its own task; when the process runs out of descriptors, `accept`
//! backs off (said once, in an [`EchoEvent::AcceptPaused`]) while the connected
//! clients are still served, and resumes when descriptors free up. A stop (the
//! [`EchoStop`] handle, or SIGINT/SIGTERM after [`EchoServer::stop_on_signals`])
//! wakes the reactor through a socket pair, so it is seen at once, never by polling.

use std::cell::Cell;
use std::fmt;
use std::future::{poll_fn, Future};
use std::io::{self, Read, Write};
use std::net::{self, SocketAddr, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use spindle_core::raw::NoopRawMutex;
use spindle_core::sched::{Scheduler, Task};
use spindle_core::sync::Event;

use super::error::ReadLineError;
use super::reactor::{Direction, Reactor};
use super::source::Source;
use super::{LineReader, TcpListener, TcpStream};

/// The longest line a client may send by default, newline included.
pub const DEFAULT_MAX_LINE: usize = 8192;

/// Task slots: the accept loop, the stop watcher and the clients.
const SLOTS: usize = 8192;

/// The most clients served at once; one more is accepted and closed at once.
pub const MAX_CLIENTS: usize = SLOTS - 2;

/// The first pause after a failed `accept`; each failure in a row doubles it.
const BACKOFF_START: Duration = Duration::from_millis(10);
/// The longest pause between `accept` attempts.
const BACKOFF_MAX: Duration = Duration::from_millis(200);

/// Something that happened, for [`EchoServer::on_event`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EchoEvent {
    /// A client was accepted (the book's "Got connection from").
    Connected(SocketAddr),
    /// A client closed its connection between lines ("Client closed"), after this
    /// many lines and bytes sent back.
    Closed {
        /// The client.
        peer: SocketAddr,
        /// Lines answered.
        lines: u64,
        /// Bytes sent back.
        bytes: u64,
    },
    /// A client's connection was closed early; `why` says how (an over-long
    /// line, a reset, end-of-file in the middle of a line, ...).
    Dropped {
        /// The client.
        peer: SocketAddr,
        /// What happened.
        why: String,
    },
    /// `accept` failed (typically: out of file descriptors); the server pauses
    /// accepting, retrying with back-off, and keeps serving its clients. Said once
    /// per streak of failures.
    AcceptPaused(String),
    /// `accept` works again after an [`AcceptPaused`](Self::AcceptPaused).
    AcceptResumed,
}

impl fmt::Display for EchoEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Connected(a) => write!(f, "got connection from {a}"),
            Self::Closed { peer, lines, bytes } => write!(
                f,
                "client {peer} closed the connection ({lines} lines, {bytes} bytes sent back)"
            ),
            Self::Dropped { peer, why } => write!(f, "client {peer} dropped: {why}"),
            Self::AcceptPaused(e) => write!(
                f,
                "accept failed: {e}; pausing new connections (retrying with back-off), \
                 connected clients are still served"
            ),
            Self::AcceptResumed => f.write_str("accepting new connections again"),
        }
    }
}

/// What a server did, returned by [`EchoServer::serve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct EchoReport {
    /// Connections accepted.
    pub connections: u64,
    /// Lines answered, over all connections.
    pub lines: u64,
    /// Bytes sent back, over all connections.
    pub bytes: u64,
    /// The most clients connected at the same time.
    pub peak_concurrent: usize,
    /// Connections closed early (over-long line, reset, closed mid-line, turned
    /// away at capacity).
    pub dropped: u64,
}

/// Stops a running [`EchoServer`], from any thread.
///
/// ```
/// use spindle_std::io::echo::EchoServer;
/// let server = EchoServer::bind("127.0.0.1:0").unwrap();
/// let stop = server.stopper();
/// let t = std::thread::spawn(move || server.serve());
/// stop.stop();
/// assert_eq!(t.join().unwrap().unwrap().connections, 0);
/// ```
#[derive(Debug, Clone)]
pub struct EchoStop {
    flag: Arc<AtomicBool>,
    wake: Arc<UnixStream>,
}

impl EchoStop {
    /// Asks the server to stop: it stops accepting, closes its connections, and
    /// `serve` returns.
    ///
    /// ```
    /// # use spindle_std::io::echo::EchoServer;
    /// let server = EchoServer::bind("127.0.0.1:0").unwrap();
    /// server.stopper().stop();
    /// assert!(server.serve().is_ok()); // returns at once
    /// ```
    pub fn stop(&self) {
        self.flag.store(true, Ordering::SeqCst);
        // A full socket buffer means a wake-up is pending already.
        let _ = (&*self.wake).write(&[1]);
    }

    /// Whether a stop was asked for.
    ///
    /// ```
    /// # use spindle_std::io::echo::EchoServer;
    /// let server = EchoServer::bind("127.0.0.1:0").unwrap();
    /// assert!(!server.stopper().is_stopped());
    /// ```
    pub fn is_stopped(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }
}

type Listener = Box<dyn Fn(&EchoEvent) + Send>;

/// The book's generator-based echo server: one thread, a cooperative scheduler
/// and a reactor; each client gets `GOT:` + each line it sends.
///
/// ```
/// use std::io::{BufRead, BufReader, Write};
/// use std::net::TcpStream;
/// use spindle_std::io::echo::EchoServer;
///
/// let server = EchoServer::bind("127.0.0.1:0").unwrap();
/// let addr = server.local_addr().unwrap();
/// let stop = server.stopper();
/// let t = std::thread::spawn(move || server.serve());
///
/// let mut c = TcpStream::connect(addr).unwrap();
/// c.write_all(b"hello\n").unwrap();
/// let mut line = String::new();
/// BufReader::new(&c).read_line(&mut line).unwrap();
/// assert_eq!(line, "GOT:hello\n");
/// drop(c);
///
/// stop.stop();
/// let report = t.join().unwrap().unwrap();
/// assert_eq!((report.connections, report.lines), (1, 1));
/// ```
pub struct EchoServer {
    listener: net::TcpListener,
    max_line: usize,
    stop: EchoStop,
    stop_rx: UnixStream,
    on_event: Option<Listener>,
}

impl EchoServer {
    /// Binds `addr` (port 0 picks a free port).
    ///
    /// ```
    /// # use spindle_std::io::echo::EchoServer;
    /// let s = EchoServer::bind("127.0.0.1:0").unwrap();
    /// assert_ne!(s.local_addr().unwrap().port(), 0);
    /// ```
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<Self> {
        let listener = net::TcpListener::bind(addr)?;
        let (tx, rx) = UnixStream::pair()?;
        tx.set_nonblocking(true)?;
        rx.set_nonblocking(true)?;
        Ok(Self {
            listener,
            max_line: DEFAULT_MAX_LINE,
            stop: EchoStop {
                flag: Arc::new(AtomicBool::new(false)),
                wake: Arc::new(tx),
            },
            stop_rx: rx,
            on_event: None,
        })
    }

    /// The longest line a client may send, newline included (at least 1; default
    /// [`DEFAULT_MAX_LINE`]). A longer line closes that client's connection.
    ///
    /// ```
    /// # use spindle_std::io::echo::EchoServer;
    /// let s = EchoServer::bind("127.0.0.1:0").unwrap().max_line(80);
    /// # drop(s);
    /// ```
    pub fn max_line(mut self, bytes: usize) -> Self {
        self.max_line = bytes.max(1);
        self
    }

    /// The address the server listens on.
    ///
    /// ```
    /// # use spindle_std::io::echo::EchoServer;
    /// let s = EchoServer::bind("127.0.0.1:0").unwrap();
    /// assert!(s.local_addr().unwrap().ip().is_loopback());
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// A handle that stops the server from any thread.
    ///
    /// ```
    /// # use spindle_std::io::echo::EchoServer;
    /// let s = EchoServer::bind("127.0.0.1:0").unwrap();
    /// let stop = s.stopper();
    /// # drop(stop);
    /// ```
    pub fn stopper(&self) -> EchoStop {
        self.stop.clone()
    }

    /// Calls `f` for every [`EchoEvent`], on the server's thread.
    ///
    /// ```
    /// # use spindle_std::io::echo::EchoServer;
    /// let s = EchoServer::bind("127.0.0.1:0").unwrap().on_event(|e| eprintln!("{e}"));
    /// # drop(s);
    /// ```
    pub fn on_event(mut self, f: impl Fn(&EchoEvent) + Send + 'static) -> Self {
        self.on_event = Some(Box::new(f));
        self
    }

    /// Makes SIGINT (Ctrl-C) and SIGTERM stop the server cleanly; a second signal
    /// while it is stopping ends the process at once.
    ///
    /// ```no_run
    /// # use spindle_std::io::echo::EchoServer;
    /// let s = EchoServer::bind("127.0.0.1:16000").unwrap();
    /// s.stop_on_signals().unwrap();
    /// s.serve().unwrap(); // until Ctrl-C
    /// ```
    pub fn stop_on_signals(&self) -> io::Result<()> {
        use signal_hook::consts::{SIGINT, SIGTERM};
        for sig in [SIGINT, SIGTERM] {
            // Order matters: the shutdown check sees the flag before this signal
            // sets it, so only a second signal exits at once.
            signal_hook::flag::register_conditional_shutdown(sig, 130, self.stop.flag.clone())?;
            signal_hook::flag::register(sig, self.stop.flag.clone())?;
            // The handler writes a byte into the socket pair: the reactor wakes.
            signal_hook::low_level::pipe::register(sig, self.stop.wake.try_clone()?)?;
        }
        Ok(())
    }

    /// Serves clients on the calling thread until stopped, then closes every
    /// connection and reports.
    ///
    /// ```
    /// # use spindle_std::io::echo::EchoServer;
    /// let s = EchoServer::bind("127.0.0.1:0").unwrap();
    /// s.stopper().stop();
    /// assert_eq!(s.serve().unwrap().bytes, 0);
    /// ```
    pub fn serve(self) -> io::Result<EchoReport> {
        let reactor = Reactor::new()?;
        let listener = TcpListener::from_std(&reactor, self.listener)?;
        let stop_rx = Source::new(&reactor, self.stop_rx)?;
        let shared = Rc::new(Shared {
            max_line: self.max_line,
            on_event: self.on_event,
            stopping: Event::new(),
            counts: Counts::default(),
        });
        let sched: Box<Scheduler<SLOTS>> = Box::new(reactor.scheduler());
        let accept = pin!(Task::new(accept_loop(&sched, &reactor, &listener, &shared)));
        let watch = pin!(Task::new(watch_stop(&stop_rx, &shared)));
        sched.spawn(accept).map_err(spawn_failed)?;
        sched.spawn(watch).map_err(spawn_failed)?;
        reactor.run(&sched);
        let c = &shared.counts;
        Ok(EchoReport {
            connections: c.connections.get(),
            lines: c.lines.get(),
            bytes: c.bytes.get(),
            peak_concurrent: c.peak.get(),
            dropped: c.dropped.get(),
        })
    }
}

impl fmt::Debug for EchoServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EchoServer")
            .field("addr", &self.listener.local_addr().ok())
            .field("max_line", &self.max_line)
            .finish_non_exhaustive()
    }
}

/// A fresh scheduler has room for the server's two tasks; this only guards the
/// impossible.
fn spawn_failed<T>(e: spindle_core::sched::TaskSpawnError<T>) -> io::Error {
    io::Error::other(e.to_string())
}

#[derive(Default)]
struct Counts {
    connections: Cell<u64>,
    lines: Cell<u64>,
    bytes: Cell<u64>,
    dropped: Cell<u64>,
    active: Cell<usize>,
    peak: Cell<usize>,
}

/// What the server's tasks share (on its one thread).
struct Shared {
    max_line: usize,
    on_event: Option<Listener>,
    /// Set when the server stops: every task ends.
    stopping: Event<NoopRawMutex>,
    counts: Counts,
}

impl Shared {
    fn emit(&self, event: EchoEvent) {
        if let Some(f) = &self.on_event {
            f(&event);
        }
    }

    /// Runs `work` until it finishes or the server stops (`None`).
    async fn unless_stopping<F: Future>(&self, work: F) -> Option<F::Output> {
        let mut work = pin!(work);
        let mut stop = pin!(self.stopping.wait());
        poll_fn(|cx| {
            if let Poll::Ready(out) = work.as_mut().poll(cx) {
                return Poll::Ready(Some(out));
            }
            Pin::new(&mut stop).as_mut().poll(cx).map(|()| None)
        })
        .await
    }
}

/// Waits for a byte on the stop socket pair (from [`EchoStop::stop`] or a signal
/// handler), then stops every task.
async fn watch_stop(stop_rx: &Source<UnixStream>, shared: &Shared) {
    let mut byte = [0u8; 16];
    // Any outcome ends the wait: a byte, or a broken pair (which cannot be woken
    // any more, so the server stops rather than run unstoppable).
    let _ = stop_rx.io(Direction::Read, |mut s| s.read(&mut byte)).await;
    shared.stopping.set();
}

/// The book's `server_loop`: accept, and spawn a client task for each.
async fn accept_loop<const N: usize>(
    sched: &Scheduler<N>,
    reactor: &Reactor,
    listener: &TcpListener,
    shared: &Rc<Shared>,
) {
    let mut backoff: Option<Duration> = None;
    while let Some(accepted) = shared.unless_stopping(listener.accept()).await {
        match accepted {
            Ok((stream, peer)) => {
                if backoff.take().is_some() {
                    shared.emit(EchoEvent::AcceptResumed);
                }
                admit(sched, stream, peer, shared);
            }
            // A client that gave up before we took it: nothing to pause for.
            Err(e) if is_aborted(&e) => {}
            Err(e) => {
                // Out of descriptors (EMFILE/ENFILE), buffers, memory, ...: the
                // client stays in the backlog. Say so once, then retry slower and
                // slower; the clients already connected are served meanwhile.
                let pause = match backoff {
                    None => {
                        shared.emit(EchoEvent::AcceptPaused(e.to_string()));
                        BACKOFF_START
                    }
                    Some(d) => (d * 2).min(BACKOFF_MAX),
                };
                backoff = Some(pause);
                if shared.unless_stopping(reactor.sleep(pause)).await.is_none() {
                    break;
                }
            }
        }
    }
}

fn is_aborted(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

/// Counts a new client and spawns its task (or turns it away at capacity).
fn admit<const N: usize>(
    sched: &Scheduler<N>,
    stream: TcpStream,
    peer: SocketAddr,
    shared: &Rc<Shared>,
) {
    let c = &shared.counts;
    c.connections.set(c.connections.get() + 1);
    shared.emit(EchoEvent::Connected(peer));
    let task = client_task(stream, peer, shared.clone());
    if sched.spawn_boxed(task).is_err() {
        // The task came back and is dropped here: the connection closes.
        c.dropped.set(c.dropped.get() + 1);
        shared.emit(EchoEvent::Dropped {
            peer,
            why: format!("the server is at capacity ({MAX_CLIENTS} clients); closed"),
        });
        return;
    }
    c.active.set(c.active.get() + 1);
    c.peak.set(c.peak.get().max(c.active.get()));
}

/// One client's task: serves it until it leaves or the server stops.
async fn client_task(stream: TcpStream, peer: SocketAddr, shared: Rc<Shared>) {
    let mut tally = Tally::default();
    let ended = shared
        .unless_stopping(echo_lines(&stream, shared.max_line, &mut tally))
        .await;
    let c = &shared.counts;
    c.active.set(c.active.get() - 1);
    c.lines.set(c.lines.get() + tally.lines);
    c.bytes.set(c.bytes.get() + tally.bytes);
    let why = match ended {
        // The server is stopping: the connection just closes.
        None => return,
        Some(Ok(())) => {
            shared.emit(EchoEvent::Closed {
                peer,
                lines: tally.lines,
                bytes: tally.bytes,
            });
            return;
        }
        Some(Err(why)) => why,
    };
    c.dropped.set(c.dropped.get() + 1);
    shared.emit(EchoEvent::Dropped { peer, why });
}

/// What one client got back.
#[derive(Default)]
struct Tally {
    lines: u64,
    bytes: u64,
}

/// The book's `client_handler`: `GOT:` + each line, until the client closes
/// between lines (`Ok`) or something ends the connection early (`Err`: why).
async fn echo_lines(stream: &TcpStream, max_line: usize, tally: &mut Tally) -> Result<(), String> {
    // Replies are single small writes: send them at once.
    let _ = stream.set_nodelay(true);
    let mut lines = LineReader::new(stream);
    let mut reply = Vec::with_capacity(256);
    loop {
        reply.clear();
        reply.extend_from_slice(b"GOT:");
        match lines.read_line(&mut reply, max_line).await {
            Ok(0) => return Ok(()),
            Ok(_) => {
                send(stream, &reply).await?;
                tally.lines += 1;
                tally.bytes += reply.len() as u64;
            }
            Err(ReadLineError::ClosedMidLine { len }) => {
                // The book's `readline` returns the partial line at end-of-file
                // and the server answers it: so do we, if the client still reads.
                let answered = match stream.write_all(&reply).await {
                    Ok(()) => {
                        tally.bytes += reply.len() as u64;
                        "answered them"
                    }
                    Err(_) => "it was gone before they could be answered",
                };
                return Err(format!(
                    "closed in the middle of a line ({len} bytes without a newline; {answered})"
                ));
            }
            Err(ReadLineError::TooLong { limit }) => {
                return Err(format!(
                    "sent a line longer than {limit} bytes; closed the connection"
                ))
            }
            Err(ReadLineError::Io(e)) => return Err(describe(&e)),
        }
    }
}

async fn send(stream: &TcpStream, reply: &[u8]) -> Result<(), String> {
    stream.write_all(reply).await.map_err(|e| describe(&e))
}

fn describe(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionReset => format!("reset the connection ({e})"),
        io::ErrorKind::BrokenPipe => format!("went away before the answer was sent ({e})"),
        _ => format!("connection failed: {e}"),
    }
}
