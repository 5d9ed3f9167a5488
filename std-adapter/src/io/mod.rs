//! Sockets and time for tasks of spindle's cooperative scheduler
//! ([`spindle_core::sched`]): recipe 12.12's second half, the generator-based I/O
//! `Scheduler` of the book, whose tasks `yield` read-wait and write-wait events and
//! whose loop sleeps in `select()`.
//!
//! A [`Reactor`] owns the OS poller (epoll on Linux, kqueue and others through the
//! `polling` crate) and the timers; [`Reactor::run`] drives a scheduler with the
//! reactor as its idle hook, so an idle thread blocks in the OS poll rather than
//! spinning. A scheduler made by [`Reactor::scheduler`] also ends that wait when
//! one of its tasks is woken from another thread (a queue fed by a worker, say),
//! through the core scheduler's [`Unpark`](spindle_core::sched::Unpark). Tasks await
//! [`TcpListener::accept`], [`TcpStream::connect`], [`read`](TcpStream::read),
//! [`write`](TcpStream::write), [`write_all`](TcpStream::write_all),
//! [`LineReader::read_line`] (with a maximum line length), [`Reactor::sleep`] and
//! [`Reactor::timeout`]. One thread, no other runtime. The book's echo server is
//! [`echo::EchoServer`] (`spindle echo --engine coop`).
//!
//! | Python (12.12) | spindle |
//! |---|---|
//! | `sock.setblocking(False)` + `select()` | [`TcpStream`] / [`TcpListener`] on a [`Reactor`] |
//! | `yield ReadSocket(sock, n)` | `stream.read(&mut buf).await` |
//! | `yield WriteSocket(sock, data)` | `stream.write(data).await` |
//! | `yield AcceptSocket(sock)` | `listener.accept().await` |
//! | `yield from readline(sock)` | `LineReader::read_line(&mut line, max).await` |
//! | `Scheduler().run()` | `reactor.run(&sched)` |
//!
//! ```
//! use spindle_core::sched::Scheduler;
//! use spindle_std::io::{LineReader, Reactor, TcpListener, TcpStream};
//!
//! let reactor = Reactor::new().unwrap();
//! let listener = TcpListener::bind(&reactor, "127.0.0.1:0").unwrap();
//! let addr = listener.local_addr().unwrap();
//! let sched: Scheduler<2> = Scheduler::new();
//! // The server: one line in, `GOT:` + the line out.
//! sched.spawn_boxed(async move {
//!     let (s, _) = listener.accept().await.unwrap();
//!     let mut line = b"GOT:".to_vec();
//!     LineReader::new(&s).read_line(&mut line, 1024).await.unwrap();
//!     s.write_all(&line).await.unwrap();
//! }).unwrap();
//! // The client, on the same thread.
//! let r = reactor.clone();
//! sched.spawn_boxed(async move {
//!     let c = TcpStream::connect(&r, addr).await.unwrap();
//!     c.write_all(b"hi\n").await.unwrap();
//!     let mut line = Vec::new();
//!     LineReader::new(&c).read_line(&mut line, 1024).await.unwrap();
//!     assert_eq!(line, b"GOT:hi\n");
//! }).unwrap();
//! reactor.run(&sched);
//! ```

pub mod echo;
mod error;
mod lines;
mod listener;
mod reactor;
mod source;
mod stream;
mod timer;

pub use error::{Elapsed, ReadLineError};
pub use lines::LineReader;
pub use listener::TcpListener;
pub use reactor::{Reactor, RemoteWake};
pub use stream::TcpStream;
pub use timer::Sleep;
