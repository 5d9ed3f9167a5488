//! [`TcpStream`]: a connected socket whose reads and writes reactor tasks await
//! (the book's `ReadSocket` and `WriteSocket` yield events), and a non-blocking
//! [`connect`](TcpStream::connect).

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{self, Shutdown, SocketAddr};
use std::os::fd::{AsRawFd, OwnedFd};

use nix::sys::socket::{self as sock, sockopt, AddressFamily, SockFlag, SockType, SockaddrStorage};

use super::reactor::{Direction, Reactor};
use super::source::Source;

/// A TCP connection for tasks of a [`Reactor`]-driven scheduler.
///
/// Every method takes `&self`, so one task may read while another writes the
/// same stream. Errors are the OS's, exact per call: a peer that reset the
/// connection fails the operation that noticed it (`ConnectionReset`,
/// `BrokenPipe`), and a refused `connect` fails that `connect` only.
///
/// ```
/// use spindle_core::sched::Scheduler;
/// use spindle_std::io::{Reactor, TcpListener, TcpStream};
///
/// let reactor = Reactor::new().unwrap();
/// let listener = TcpListener::bind(&reactor, "127.0.0.1:0").unwrap();
/// let addr = listener.local_addr().unwrap();
/// let sched: Scheduler<2> = Scheduler::new();
/// sched.spawn_boxed(async move {
///     let (s, _) = listener.accept().await.unwrap();
///     let mut buf = [0; 5];
///     let n = s.read(&mut buf).await.unwrap();
///     s.write_all(&buf[..n]).await.unwrap();
/// }).unwrap();
/// let r = reactor.clone();
/// sched.spawn_boxed(async move {
///     let c = TcpStream::connect(&r, addr).await.unwrap();
///     c.write_all(b"hello").await.unwrap();
///     let mut buf = [0; 5];
///     let mut got = 0;
///     while got < 5 {
///         got += c.read(&mut buf[got..]).await.unwrap();
///     }
///     assert_eq!(&buf, b"hello");
/// }).unwrap();
/// reactor.run(&sched);
/// ```
pub struct TcpStream {
    source: Source<net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr` without blocking the thread: other tasks run while the
    /// handshake is under way. A refused or unreachable address is this call's
    /// error (`ConnectionRefused`, ...), nothing else is affected.
    ///
    /// ```
    /// use spindle_core::sched::Scheduler;
    /// use spindle_std::io::{Reactor, TcpStream};
    ///
    /// // A port nobody listens on: bind one, then close it.
    /// let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    /// let reactor = Reactor::new().unwrap();
    /// let sched: Scheduler<1> = Scheduler::new();
    /// let r = reactor.clone();
    /// sched.spawn_boxed(async move {
    ///     let e = TcpStream::connect(&r, addr).await.unwrap_err();
    ///     assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused);
    /// }).unwrap();
    /// reactor.run(&sched);
    /// ```
    pub async fn connect(reactor: &Reactor, addr: SocketAddr) -> io::Result<Self> {
        let family = match addr {
            SocketAddr::V4(_) => AddressFamily::Inet,
            SocketAddr::V6(_) => AddressFamily::Inet6,
        };
        let fd: OwnedFd = sock::socket(
            family,
            SockType::Stream,
            SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC,
            None,
        )?;
        let in_progress = match sock::connect(fd.as_raw_fd(), &SockaddrStorage::from(addr)) {
            Ok(()) => false,
            Err(nix::errno::Errno::EINPROGRESS) => true,
            Err(e) => return Err(e.into()),
        };
        let stream = Self {
            source: Source::new(reactor, net::TcpStream::from(fd))?,
        };
        if in_progress {
            // The handshake is over when the socket turns writable; its outcome
            // is the socket's pending error.
            stream.source.not_ready(Direction::Write);
            stream.source.ready(Direction::Write).await;
            let err = sock::getsockopt(stream.source.get_ref(), sockopt::SocketError)?;
            if err != 0 {
                return Err(io::Error::from_raw_os_error(err));
            }
        }
        Ok(stream)
    }

    /// Wraps a connected std stream (made non-blocking here).
    ///
    /// ```
    /// let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let c = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
    /// let reactor = spindle_std::io::Reactor::new().unwrap();
    /// let s = spindle_std::io::TcpStream::from_std(&reactor, c).unwrap();
    /// assert_eq!(s.peer_addr().unwrap(), l.local_addr().unwrap());
    /// ```
    pub fn from_std(reactor: &Reactor, stream: net::TcpStream) -> io::Result<Self> {
        stream.set_nonblocking(true)?;
        Ok(Self {
            source: Source::new(reactor, stream)?,
        })
    }

    pub(crate) fn from_accepted(reactor: &Reactor, stream: net::TcpStream) -> io::Result<Self> {
        Self::from_std(reactor, stream)
    }

    /// Reads what has arrived into `buf` (waiting until something has): the
    /// number of bytes, `0` once the peer has closed its side (or `buf` is empty).
    ///
    /// ```no_run
    /// # async fn f(s: spindle_std::io::TcpStream) -> std::io::Result<()> {
    /// let mut buf = [0; 1024];
    /// let n = s.read(&mut buf).await?;
    /// # let _ = n; Ok(()) }
    /// ```
    pub async fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        let len = buf.len();
        let n = self.source.io(Direction::Read, |mut s| s.read(buf)).await?;
        self.source.read_done(n, len);
        Ok(n)
    }

    /// Writes some of `buf` (waiting until the socket takes something): the
    /// number of bytes written.
    ///
    /// ```no_run
    /// # async fn f(s: spindle_std::io::TcpStream) -> std::io::Result<()> {
    /// let n = s.write(b"hello").await?;
    /// # let _ = n; Ok(()) }
    /// ```
    pub async fn write(&self, buf: &[u8]) -> io::Result<usize> {
        self.source.io(Direction::Write, |mut s| s.write(buf)).await
    }

    /// Writes all of `buf` (the book's `while line: nsent = yield
    /// client.send(line)` loop). A socket that takes nothing is `WriteZero`.
    ///
    /// ```no_run
    /// # async fn f(s: spindle_std::io::TcpStream) -> std::io::Result<()> {
    /// s.write_all(b"GOT:hello\n").await?;
    /// # Ok(()) }
    /// ```
    pub async fn write_all(&self, mut buf: &[u8]) -> io::Result<()> {
        while !buf.is_empty() {
            match self.write(buf).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }

    /// Shuts down the read side, the write side (a half-close: the peer reads
    /// end-of-file, and can still send), or both. Does not wait.
    ///
    /// ```no_run
    /// # fn f(s: spindle_std::io::TcpStream) -> std::io::Result<()> {
    /// s.shutdown(std::net::Shutdown::Write)?;
    /// # Ok(()) }
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.source.get_ref().shutdown(how)
    }

    /// The address of the peer.
    ///
    /// ```no_run
    /// # fn f(s: spindle_std::io::TcpStream) -> std::io::Result<()> {
    /// println!("connected to {}", s.peer_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().peer_addr()
    }

    /// The local address.
    ///
    /// ```no_run
    /// # fn f(s: spindle_std::io::TcpStream) -> std::io::Result<()> {
    /// println!("from {}", s.local_addr()?);
    /// # Ok(()) }
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.source.get_ref().local_addr()
    }

    /// Sets `TCP_NODELAY` (no Nagle delay for small writes).
    ///
    /// ```no_run
    /// # fn f(s: spindle_std::io::TcpStream) -> std::io::Result<()> {
    /// s.set_nodelay(true)?;
    /// # Ok(()) }
    /// ```
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        self.source.get_ref().set_nodelay(on)
    }
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local", &self.local_addr().ok())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}
