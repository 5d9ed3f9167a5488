//! Actors on OS threads: recipe 12.10 as the book writes it (a thread and a queue
//! per actor), over [`spindle_core::actor`]'s [`Mailbox`] and [`Actor`], plus what
//! the book leaves out: a panicking actor is caught and reported through
//! [`ActorHandle::join`] as an error value, and a [`Supervisor`] can restart it.
//!
//! | Python (12.10) | spindle |
//! |---|---|
//! | `a = PrintActor(); a.start()` | [`spawn_actor`]`(name, mailbox, actor)` |
//! | `a.send(msg)` / `a.close()` | `mailbox.addr().send_blocking(msg)` / `mailbox.close()` |
//! | `a.join()` | [`ActorHandle::join`]: the actor's final state, or [`ActorPanic`] |
//! | `r = worker.submit(pow, 2, 3); r.result()` | `let r = mailbox.addr().ask_owned_blocking(\|reply\| Msg::Pow(2, 3, reply))?; r.get_blocking()` |
//! | (none) restart on crash | [`Supervisor::new`]`(`[`Restart::OnPanic`]`{ .. })` |
//!
//! The types are [`spindle_core::actor`]'s with the OS-parking lock chosen:
//! [`Mailbox<M, N>`](Mailbox), [`Addr<'_, M>`](Addr), and for requests
//! [`Reply<T>`](Reply) / [`Promise<T>`](Promise), whose reply slot is allocated per
//! request by the `ask_owned` family ([`Addr::ask_owned_blocking`](spindle_core::actor::Addr::ask_owned_blocking)):
//! messages to a thread must be `'static`, so they cannot borrow a local slot, and
//! a `static` slot would serve only one request.
//!
//! A restarted actor is rebuilt by the supervisor's factory and goes on with the
//! same mailbox; the message whose handling panicked is lost. When the supervisor
//! gives up it closes the mailbox, so senders get their messages back
//! (`SendError::Closed`) instead of waiting forever.
//!
//! ```
//! use std::sync::Arc;
//! use spindle_std::actor::{spawn_actor, Mailbox, Reply};
//!
//! let mailbox: Arc<Mailbox<&str, 8>> = Arc::new(Mailbox::new());
//! let printer = (Vec::new(), |got: &mut Vec<String>, msg| got.push(format!("Got: {msg}")));
//! let p = spawn_actor("printer", mailbox.clone(), printer).unwrap();
//! mailbox.addr().send_blocking("Hello").unwrap();
//! mailbox.addr().send_blocking("World").unwrap();
//! mailbox.close();
//! assert_eq!(p.join().unwrap().0, ["Got: Hello", "Got: World"]);
//!
//! // Request/response (the book's `Worker`), as many times as you like:
//! let worker: Arc<Mailbox<(u64, u32, Reply<u64>), 4>> = Arc::new(Mailbox::new());
//! let pow = ((), |_: &mut (), (x, n, reply): (u64, u32, Reply<u64>)| {
//!     let _ = reply.send(x.pow(n));
//! });
//! let w = spawn_actor("worker", worker.clone(), pow).unwrap();
//! for n in 1..=3 {
//!     let r = worker.addr().ask_owned_blocking(|reply| (2, n, reply)).unwrap();
//!     assert_eq!(r.get_blocking(), Ok(2u64.pow(n)));
//! }
//! worker.close();
//! w.join().unwrap();
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::panic::panic_message;
use spindle_core::actor as core_actor;
use spindle_core::raw::ParkingRawMutex;

pub use spindle_core::actor::{Actor, AskError};

/// [`spindle_core::actor::Mailbox`] for OS threads: an actor's bounded inbox of `N`
/// messages.
pub type Mailbox<M, const N: usize> = core_actor::Mailbox<ParkingRawMutex, M, N>;
/// [`spindle_core::actor::Addr`] for OS threads: the sending side of a [`Mailbox`].
pub type Addr<'a, M> = core_actor::Addr<'a, ParkingRawMutex, M>;
/// The answering half of a request to a thread actor: put it in the message (it
/// borrows nothing, so the message can cross threads). See
/// [`spindle_core::actor::Reply`].
pub type Reply<T> = core_actor::Reply<'static, ParkingRawMutex, T>;
/// The asking half of a request to a thread actor (Python's `Result` object):
/// [`get_blocking`](spindle_core::actor::Promise::get_blocking),
/// [`get_timeout`](spindle_core::actor::Promise::get_timeout).
pub type Promise<T> = core_actor::Promise<'static, ParkingRawMutex, T>;

/// A fresh [`Reply`] and its [`Promise`], for building a request by hand; the
/// `ask_owned` methods of [`Addr`] make one for you.
///
/// ```
/// let (reply, promise) = spindle_std::actor::reply_pair();
/// reply.send(5).unwrap();
/// assert_eq!(promise.get_blocking(), Ok(5));
/// ```
pub fn reply_pair<T>() -> (Reply<T>, Promise<T>) {
    core_actor::reply::pair()
}

/// What a [`Supervisor`] does when its actor panics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restart {
    /// Never restart: the panic ends the actor and [`ActorHandle::join`] reports it.
    Never,
    /// Restart after a panic, at most `max_restarts` times within any `within`
    /// window; one more panic in that window ends the actor.
    OnPanic {
        /// Restarts allowed in the window.
        max_restarts: u32,
        /// The sliding window the restarts are counted in.
        within: Duration,
    },
}

/// An actor panicked and was not (or no longer) restarted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorPanic {
    /// The actor's name.
    pub name: String,
    /// The last panic's message ([`NON_STRING_PANIC`](crate::panic::NON_STRING_PANIC)
    /// if it was not a string).
    pub message: String,
    /// How many times the actor was restarted before giving up.
    pub restarts: u32,
}

impl fmt::Display for ActorPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "actor `{}` panicked after {} restart(s): {}",
            self.name, self.restarts, self.message
        )
    }
}

impl std::error::Error for ActorPanic {}

/// The handle of an actor running on its own thread.
///
/// ```
/// use std::sync::Arc;
/// use spindle_std::actor::{spawn_actor, Mailbox};
/// ///
/// let mailbox: Arc<Mailbox<u32, 2>> = Arc::new(Mailbox::new());
/// let h = spawn_actor("adder", mailbox.clone(), (0u32, |s: &mut u32, n| *s += n)).unwrap();
/// assert_eq!(h.name(), "adder");
/// mailbox.close();
/// assert_eq!(h.join().unwrap().0, 0);
/// ```
#[derive(Debug)]
pub struct ActorHandle<A> {
    name: String,
    thread: thread::JoinHandle<Result<A, ActorPanic>>,
}

impl<A> ActorHandle<A> {
    /// The actor's name (also its thread's name).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the actor's thread has ended.
    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }

    /// Waits for the actor to end: its final state once its mailbox is closed and
    /// drained, or [`ActorPanic`] if it panicked and was not restarted.
    pub fn join(self) -> Result<A, ActorPanic> {
        let name = self.name;
        self.thread.join().unwrap_or_else(|payload| {
            Err(ActorPanic {
                name,
                message: panic_message(payload.as_ref()),
                restarts: 0,
            })
        })
    }
}

/// Starts `actor` on a new thread named `name`, handling the messages of
/// `mailbox` until it is closed and drained; a panic ends it and is reported by
/// [`ActorHandle::join`]. Fails only if the thread cannot be spawned.
/// [`Supervisor::spawn`] with [`Restart::Never`].
pub fn spawn_actor<M, A, const N: usize>(
    name: impl Into<String>,
    mailbox: Arc<Mailbox<M, N>>,
    actor: A,
) -> io::Result<ActorHandle<A>>
where
    M: Send + 'static,
    A: Actor<M> + Send + 'static,
{
    let mut actor = Some(actor);
    // `Restart::Never` calls the factory once, so it always finds the actor.
    supervise(Restart::Never, name.into(), mailbox, move || actor.take())
}

/// Runs an actor on its own thread and restarts it after a panic, as its
/// [`Restart`] policy says.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use spindle_std::actor::{Mailbox, Restart, Supervisor};
/// ///
/// let mailbox: Arc<Mailbox<i32, 8>> = Arc::new(Mailbox::new());
/// let policy = Restart::OnPanic { max_restarts: 3, within: Duration::from_secs(60) };
/// let h = Supervisor::new(policy)
///     .spawn("checker", mailbox.clone(), || {
///         (0, |sum: &mut i32, n: i32| {
///             assert!(n >= 0, "negative input"); // a crash: restarted with a fresh state
///             *sum += n;
///         })
///     })
///     .unwrap();
/// for n in [1, -1, 2] {
///     mailbox.addr().send_blocking(n).unwrap();
/// }
/// mailbox.close();
/// assert_eq!(h.join().unwrap().0, 2); // the state after the restart
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Supervisor {
    policy: Restart,
}

impl Supervisor {
    /// A supervisor with the restart `policy`.
    pub fn new(policy: Restart) -> Self {
        Self { policy }
    }

    /// Starts the actor built by `factory` on a new thread named `name`; after a
    /// panic allowed by the policy, builds a fresh one and goes on with the same
    /// mailbox. When it gives up, it closes the mailbox and `join` reports the
    /// panic. Fails only if the thread cannot be spawned.
    pub fn spawn<M, A, F, const N: usize>(
        self,
        name: impl Into<String>,
        mailbox: Arc<Mailbox<M, N>>,
        mut factory: F,
    ) -> io::Result<ActorHandle<A>>
    where
        M: Send + 'static,
        A: Actor<M> + Send + 'static,
        F: FnMut() -> A + Send + 'static,
    {
        supervise(self.policy, name.into(), mailbox, move || Some(factory()))
    }
}

/// Runs the actors `factory` builds on a new thread, restarting per `policy`.
fn supervise<M, A, F, const N: usize>(
    policy: Restart,
    name: String,
    mailbox: Arc<Mailbox<M, N>>,
    mut factory: F,
) -> io::Result<ActorHandle<A>>
where
    M: Send + 'static,
    A: Actor<M> + Send + 'static,
    F: FnMut() -> Option<A> + Send + 'static,
{
    let thread_name = name.clone();
    let thread = thread::Builder::new().name(name.clone()).spawn(move || {
        let mut restarts = 0;
        let mut recent: VecDeque<Instant> = VecDeque::new();
        loop {
            let run = catch_unwind(AssertUnwindSafe(|| {
                factory().map(|actor| mailbox.run_blocking(actor))
            }));
            let payload = match run {
                Ok(Some(actor)) => return Ok(actor),
                Ok(None) => {
                    mailbox.close();
                    return Err(ActorPanic {
                        name: thread_name,
                        message: "no actor to restart".into(),
                        restarts,
                    });
                }
                Err(payload) => payload,
            };
            if let Restart::OnPanic {
                max_restarts,
                within,
            } = policy
            {
                let now = Instant::now();
                while recent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= within)
                {
                    recent.pop_front();
                }
                if recent.len() < max_restarts as usize {
                    recent.push_back(now);
                    restarts += 1;
                    continue;
                }
            }
            mailbox.close();
            return Err(ActorPanic {
                name: thread_name,
                message: panic_message(payload.as_ref()),
                restarts,
            });
        }
    })?;
    Ok(ActorHandle { name, thread })
}
