//! Actors: recipe 12.10, "defining an actor task". An actor is a task that owns
//! its state and a mailbox, and does nothing but handle the messages sent to it.
//! Here the mailbox is a bounded spindle [`Queue`](crate::queue::Queue) (a
//! [`Mailbox`]), the task runs on spindle's cooperative
//! [`Scheduler`](crate::sched::Scheduler) (or any executor, or a thread), and
//! senders hold an [`Addr`]: a cheap, copyable handle that can only send and close.
//!
//! | Python (12.10) | spindle |
//! |---|---|
//! | `class PrintActor(Actor)` with `run()` | an [`Actor`] impl run by [`Mailbox::run`], or a plain `async fn` over the mailbox |
//! | `self._mailbox = Queue()` | [`Mailbox::new`] (bounded: `N` messages) |
//! | `a.send(msg)` | [`Addr::send`]`.await`, [`Addr::send_blocking`], [`Addr::try_send`] → `Err(SendError::Full(msg))` |
//! | `self.recv()` | [`Mailbox::recv`]`.await` |
//! | `a.close()` (the `ActorExit` sentinel) | [`Addr::close`]: the actor handles what is queued, then its loop ends |
//! | `a.start()` / `a.join()` | spawn the actor's future; await or take its [`JoinHandle`](crate::sched::JoinHandle) |
//! | tagged messages `('A', 1)` and `do_A` | an `enum` of messages and a `match` (see [`Actor`]) |
//! | `Worker.submit(...)` returning a `Result` | [`Addr::try_ask`] / [`Addr::ask`] returning a [`Promise`]; the actor answers through a [`Reply`] |
//! | `r.result()` | [`Promise::get_blocking`] / [`Promise::get`]`.await` |
//! | a generator actor (`msg = yield`) | `while let Ok(msg) = inbox.recv().await { .. }` in an `async fn` |
//!
//! No heap is needed: the mailbox and the reply slots ([`Oneshot`](crate::sync::Oneshot))
//! are storage the caller owns, one slot per request (a spent slot is refused at the
//! ask: [`AskError::SlotInUse`]). With `alloc`, the `ask_owned` family
//! (`Addr::ask_owned_blocking`, ...) allocates a fresh reply slot shared by
//! reference count for each request: the default for actors on threads, whose
//! messages must be `'static`.
//!
//! # Generator-style actors
//! The book's second form, a generator that receives with `msg = yield`, is an
//! `async fn` over the actor's inbox. It ends when the mailbox is closed and
//! drained (the book's `GeneratorExit`):
//!
//! ```
//! use core::pin::pin;
//! use spindle_core::actor::Mailbox;
//! use spindle_core::queue::QueueRef;
//! use spindle_core::raw::NoopRawMutex;
//! use spindle_core::sched::{Scheduler, Task};
//!
//! async fn printer(inbox: &QueueRef<NoopRawMutex, &'static str>) -> Vec<String> {
//!     let mut printed = Vec::new();
//!     while let Ok(msg) = inbox.recv().await {
//!         printed.push(format!("Got: {msg}"));
//!     }
//!     printed.push("Actor terminating".to_string());
//!     printed
//! }
//!
//! let mailbox: Mailbox<NoopRawMutex, &str, 4> = Mailbox::new();
//! let p = mailbox.addr();
//! let sched: Scheduler<1> = Scheduler::new();
//! let task = pin!(Task::new(printer(mailbox.queue())));
//! let mut join = sched.spawn(task).unwrap();
//! p.try_send("Hello").unwrap();
//! p.try_send("World").unwrap();
//! p.close();
//! sched.run();
//! assert_eq!(join.try_take().unwrap(), ["Got: Hello", "Got: World", "Actor terminating"]);
//! ```

mod addr;
mod error;
mod mailbox;
pub mod reply;
mod subscriber;

pub use addr::Addr;
pub use error::AskError;
pub use mailbox::{Actor, Mailbox};
pub use reply::{Promise, Reply};
