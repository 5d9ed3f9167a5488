//! [`TcpListener`]: a listening socket whose `accept` a reactor task awaits (the
//! book's `AcceptSocket` yield event).

use std::fmt;
use std::io;
use std::net::{self, SocketAddr, ToSocketAddrs};

use super::reactor::{Direction, Reactor};
use super::source::Source;
use super::stream::TcpStream;

/// A TCP listener for tasks of a [`Reactor`]-driven scheduler.
///
/// ```
/// use spindle_core::sched::Scheduler;
/// use spindle_std::io::{Reactor, TcpListener};
///
/// let reactor = Reactor::new().unwrap();
/// let listener = TcpListener::bind(&reactor, "127.0.0.1:0").unwrap();
/// let addr = listener.local_addr().unwrap();
/// let client = std::thread::spawn(move || std::net::TcpStream::connect(addr).unwrap());
/// let sched: Scheduler<1> = Scheduler::new();
/// sched.spawn_boxed(async move {
///     let (_stream, peer) = listener.accept().await.unwrap();
///     assert!(peer.ip().is_loopback());
/// }).unwrap();
/// reactor.run(&sched);
/// client.join().unwrap();
/// ```
pub struct TcpListener {
    source: Source<net::TcpListener>,
}

impl TcpListener {
    /// Binds `addr` (port 0 picks a free port). Name resolution, if `addr` needs
    /// it, blocks; pass a `SocketAddr` to avoid that.
    ///
    /// ```
    /// let reactor = spindle_std::io::Reactor::new().unwrap();
    /// let l = spindle_std::io::TcpListener::bind(&reactor, "127.0.0.1:0").unwrap();
    /// assert_ne!(l.local_addr().unwrap().port(), 0);
    /// ```
    pub fn bind(reactor: &Reactor, addr: impl ToSocketAddrs) -> io::Result<Self> {
        Self::from_std(reactor, net::TcpListener::bind(addr)?)
    }

    /// Wraps a bound std listener (made non-blocking here).
    ///
    /// ```
    /// let reactor = spindle_std::io::Reactor::new().unwrap();
    /// let std_l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let l = spindle_std::io::TcpListener::from_std(&reactor, std_l).unwrap();
    /// # drop(l);
    /// ```
    pub fn from_std(reactor: &Reactor, listener: net::TcpListener) -> io::Result<Self> {
        listener.set_nonblocking(true)?;
        Ok(Self {
            source: Source::new(reactor, listener)?,
        })
    }

    /// The address it listens on.
    ///
    /// ```
    /// let reactor = spindle_std::io::Reactor::new().unwrap();
    /// let l = spindle_std::io::TcpListener::bind(&reactor, "127.0.0.1:0").unwrap();
    /// assert!(l.local_addr().unwrap().ip().is_loopback());
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().local_addr()
    }

    /// Waits for the next connection. Errors are the OS's, per call: e.g.
    /// `EMFILE` when the process is out of descriptors (the client stays in the
    /// backlog; call again later), or `ECONNABORTED` for a client that gave up.
    /// The stream is registered with the listener's reactor.
    ///
    /// ```no_run
    /// # async fn f(l: spindle_std::io::TcpListener) -> std::io::Result<()> {
    /// let (stream, peer) = l.accept().await?;
    /// println!("got connection from {peer}");
    /// # drop(stream); Ok(()) }
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (sock, peer) = self.source.io(Direction::Read, |l| l.accept()).await?;
        Ok((TcpStream::from_accepted(self.source.reactor(), sock)?, peer))
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("addr", &self.local_addr().ok())
            .finish()
    }
}
