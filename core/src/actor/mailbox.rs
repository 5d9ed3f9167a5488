//! [`Mailbox`]: an actor's bounded queue of messages, and the [`Actor`] trait for
//! actors written as a state plus a message handler.

use core::fmt;

use mutex_traits::ConstInit;

use super::addr::Addr;
use crate::error::{RecvError, TryRecvError};
use crate::queue::{Queue, QueueRef, QueueStore};

/// An actor written the way the book subclasses `Actor`: a state that handles one
/// message at a time. [`Mailbox::run`] feeds it every message until the mailbox
/// is closed and drained.
///
/// Any `FnMut(&mut S, M)` closure paired with its state is an actor too (see
/// [`Mailbox::run`]); implement the trait when the state deserves a name. Tagged
/// messages are an `enum`, dispatched with a `match` (the book's `TaggedActor`
/// and its `do_A`, `do_B`):
///
/// ```
/// use core::pin::pin;
/// use spindle_core::actor::{Actor, Mailbox};
/// use spindle_core::raw::NoopRawMutex;
/// use spindle_core::sched::{Scheduler, Task};
///
/// enum Tagged {
///     A(i32),
///     B(i32, i32),
/// }
///
/// #[derive(Default)]
/// struct TaggedActor {
///     log: Vec<String>,
/// }
///
/// impl Actor<Tagged> for TaggedActor {
///     fn handle(&mut self, msg: Tagged) {
///         match msg {
///             Tagged::A(x) => self.log.push(format!("Running A {x}")),
///             Tagged::B(x, y) => self.log.push(format!("Running B {x} {y}")),
///         }
///     }
/// }
///
/// let mailbox: Mailbox<NoopRawMutex, Tagged, 4> = Mailbox::new();
/// let sched: Scheduler<1> = Scheduler::new();
/// let actor = pin!(Task::new(mailbox.run(TaggedActor::default())));
/// let mut join = sched.spawn(actor).unwrap(); // a.start()
/// let a = mailbox.addr();
/// a.try_send(Tagged::A(1)).unwrap();
/// a.try_send(Tagged::B(2, 3)).unwrap();
/// a.close();
/// sched.run();
/// assert_eq!(join.try_take().unwrap().log, ["Running A 1", "Running B 2 3"]);
/// ```
pub trait Actor<M> {
    /// Handles one message.
    fn handle(&mut self, msg: M);

    /// Called once after the last message, when the mailbox is closed and drained
    /// (the book's `ActorExit`). Does nothing by default.
    ///
    /// ```
    /// use spindle_core::actor::{Actor, Mailbox};
    /// use spindle_core::raw::NoopRawMutex;
    /// use spindle_core::wait::block_on;
    ///
    /// struct Summer { sum: u32, done: bool }
    /// impl Actor<u32> for Summer {
    ///     fn handle(&mut self, n: u32) { self.sum += n; }
    ///     fn stopped(&mut self) { self.done = true; }
    /// }
    ///
    /// let mailbox: Mailbox<NoopRawMutex, u32, 2> = Mailbox::new();
    /// mailbox.addr().try_send(4).unwrap();
    /// mailbox.addr().close();
    /// let s = block_on(mailbox.run(Summer { sum: 0, done: false }));
    /// assert!(s.done && s.sum == 4);
    /// ```
    fn stopped(&mut self) {}
}

impl<S, M, F: FnMut(&mut S, M)> Actor<M> for (S, F) {
    fn handle(&mut self, msg: M) {
        (self.1)(&mut self.0, msg)
    }
}

/// An actor's mailbox: a bounded queue of up to `N` messages `M` that the actor
/// owns and receives from, while senders hold its [`Addr`]. `const`-constructible,
/// so it can be a `static`; no heap.
///
/// The actor's loop is [`run`](Self::run) (an [`Actor`] or a state and closure),
/// [`for_each`](Self::for_each), or a hand-written `async fn` over
/// [`queue`](Self::queue) (see the [module docs](super)). Each ends when the
/// mailbox is closed and every queued message handled.
///
/// ```
/// use core::pin::pin;
/// use spindle_core::actor::Mailbox;
/// use spindle_core::raw::NoopRawMutex;
/// use spindle_core::sched::{Scheduler, Task};
///
/// // The book's PrintActor.
/// let mailbox: Mailbox<NoopRawMutex, &str, 8> = Mailbox::new();
/// let sched: Scheduler<1> = Scheduler::new();
/// let printer = pin!(Task::new(mailbox.run((Vec::new(), |out: &mut Vec<String>, msg| {
///     out.push(format!("Got: {msg}"));
/// }))));
/// let mut join = sched.spawn(printer).unwrap(); // p.start()
/// let p = mailbox.addr();
/// p.try_send("Hello").unwrap(); // p.send('Hello')
/// p.try_send("World").unwrap();
/// p.close(); // p.close()
/// sched.run(); // p.join()
/// assert_eq!(join.try_take().unwrap().0, ["Got: Hello", "Got: World"]);
/// ```
pub struct Mailbox<R: QueueStore, M, const N: usize> {
    queue: Queue<R, M, N>,
}

impl<R: QueueStore + ConstInit, M, const N: usize> Mailbox<R, M, N> {
    loom_const_fn! {
        /// An empty, open mailbox with room for `N` messages. `N = 0` is rejected
        /// at compile time, by `cargo build` / `test` / `run` (the queue's `const`
        /// assertion); `cargo check` does not evaluate it and passes.
        ///
        /// ```
        /// use spindle_core::actor::Mailbox;
        /// use spindle_core::raw::CriticalSectionRawMutex;
        ///
        /// static INBOX: Mailbox<CriticalSectionRawMutex, u8, 16> = Mailbox::new();
        /// assert_eq!(INBOX.capacity(), 16);
        /// ```
        pub fn new() -> Self {
            Self { queue: Queue::new() }
        }
    }
}

impl<R: QueueStore + ConstInit, M, const N: usize> Default for Mailbox<R, M, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: QueueStore, M, const N: usize> Mailbox<R, M, N> {
    /// The actor's address, to hand to senders.
    ///
    /// ```
    /// use spindle_core::actor::Mailbox;
    /// use spindle_core::raw::NoopRawMutex;
    ///
    /// let mailbox: Mailbox<NoopRawMutex, u8, 2> = Mailbox::new();
    /// mailbox.addr().try_send(1).unwrap();
    /// assert_eq!(mailbox.len(), 1);
    /// ```
    pub fn addr(&self) -> Addr<'_, R, M> {
        Addr::new(&self.queue)
    }

    /// The underlying queue, for actors written as a plain `async fn` over
    /// `&QueueRef<R, M>` (any capacity).
    ///
    /// ```
    /// use spindle_core::actor::Mailbox;
    /// use spindle_core::queue::QueueRef;
    /// use spindle_core::raw::NoopRawMutex;
    /// use spindle_core::wait::block_on;
    ///
    /// async fn total(inbox: &QueueRef<NoopRawMutex, u32>) -> u32 {
    ///     let mut sum = 0;
    ///     while let Ok(n) = inbox.recv().await {
    ///         sum += n;
    ///     }
    ///     sum
    /// }
    ///
    /// let mailbox: Mailbox<NoopRawMutex, u32, 4> = Mailbox::new();
    /// mailbox.addr().try_send(2).unwrap();
    /// mailbox.addr().try_send(3).unwrap();
    /// mailbox.addr().close();
    /// assert_eq!(block_on(total(mailbox.queue())), 5);
    /// ```
    pub fn queue(&self) -> &QueueRef<R, M> {
        &self.queue
    }

    /// How many messages the mailbox holds at most.
    ///
    /// ```
    /// let m: spindle_core::actor::Mailbox<spindle_core::raw::NoopRawMutex, (), 3> =
    ///     spindle_core::actor::Mailbox::new();
    /// assert_eq!(m.capacity(), 3);
    /// ```
    pub fn capacity(&self) -> usize {
        self.queue.capacity()
    }

    /// How many messages wait to be handled (a snapshot).
    ///
    /// ```
    /// let m: spindle_core::actor::Mailbox<spindle_core::raw::NoopRawMutex, (), 3> =
    ///     spindle_core::actor::Mailbox::new();
    /// assert_eq!(m.len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether no message waits (a snapshot).
    ///
    /// ```
    /// let m: spindle_core::actor::Mailbox<spindle_core::raw::NoopRawMutex, (), 3> =
    ///     spindle_core::actor::Mailbox::new();
    /// assert!(m.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Closes the mailbox (the book's `ActorExit`), as [`Addr::close`] does.
    ///
    /// ```
    /// let m: spindle_core::actor::Mailbox<spindle_core::raw::NoopRawMutex, (), 3> =
    ///     spindle_core::actor::Mailbox::new();
    /// assert!(m.close());
    /// assert!(m.is_closed());
    /// ```
    pub fn close(&self) -> bool {
        self.queue.close()
    }

    /// Whether the mailbox is closed (queued messages may still wait).
    ///
    /// ```
    /// let m: spindle_core::actor::Mailbox<spindle_core::raw::NoopRawMutex, (), 3> =
    ///     spindle_core::actor::Mailbox::new();
    /// assert!(!m.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.queue.is_closed()
    }

    /// The next message if one waits: [`TryRecvError::Empty`] if none yet,
    /// [`TryRecvError::Closed`] once closed and drained.
    ///
    /// ```
    /// use spindle_core::actor::Mailbox;
    /// use spindle_core::error::TryRecvError;
    /// use spindle_core::raw::NoopRawMutex;
    ///
    /// let m: Mailbox<NoopRawMutex, u8, 3> = Mailbox::new();
    /// assert_eq!(m.try_recv(), Err(TryRecvError::Empty));
    /// ```
    pub fn try_recv(&self) -> Result<M, TryRecvError> {
        self.queue.try_recv()
    }

    /// The next message, waiting asynchronously for one (the book's
    /// `self.recv()`). [`RecvError`] once closed and drained: the end of
    /// the actor's loop.
    ///
    /// ```
    /// use spindle_core::actor::Mailbox;
    /// use spindle_core::error::RecvError;
    /// use spindle_core::raw::NoopRawMutex;
    /// use spindle_core::wait::block_on;
    ///
    /// let m: Mailbox<NoopRawMutex, u8, 3> = Mailbox::new();
    /// m.addr().try_send(1).unwrap();
    /// m.close();
    /// assert_eq!(block_on(m.recv()), Ok(1));
    /// assert_eq!(block_on(m.recv()), Err(RecvError));
    /// ```
    pub async fn recv(&self) -> Result<M, RecvError> {
        self.queue.recv().await
    }

    /// The next message, blocking the thread until one comes (actors on threads).
    ///
    /// ```
    /// use spindle_core::actor::Mailbox;
    /// use spindle_core::raw::ParkingRawMutex;
    ///
    /// static M: Mailbox<ParkingRawMutex, u8, 1> = Mailbox::new();
    /// let t = std::thread::spawn(|| M.addr().send_blocking(9));
    /// assert_eq!(M.recv_blocking(), Ok(9));
    /// t.join().unwrap().unwrap();
    /// ```
    pub fn recv_blocking(&self) -> Result<M, RecvError> {
        self.queue.recv_blocking()
    }

    /// Calls `f` with every message until the mailbox is closed and drained;
    /// returns how many it handled.
    ///
    /// ```
    /// use spindle_core::actor::Mailbox;
    /// use spindle_core::raw::NoopRawMutex;
    /// use spindle_core::wait::block_on;
    ///
    /// let m: Mailbox<NoopRawMutex, u8, 3> = Mailbox::new();
    /// m.addr().try_send(1).unwrap();
    /// m.addr().try_send(2).unwrap();
    /// m.close();
    /// let mut seen = Vec::new();
    /// assert_eq!(block_on(m.for_each(|x| seen.push(x))), 2);
    /// assert_eq!(seen, [1, 2]);
    /// ```
    pub async fn for_each(&self, mut f: impl FnMut(M)) -> usize {
        let mut handled = 0;
        while let Ok(msg) = self.queue.recv().await {
            f(msg);
            handled += 1;
        }
        handled
    }

    /// Runs `actor` over this mailbox: every message goes to
    /// [`Actor::handle`] until the mailbox is closed and drained, then
    /// [`Actor::stopped`] runs and the actor (its final state) is returned, so
    /// joining the task gives the state back. Spawn the future on a scheduler, or
    /// use [`run_blocking`](Self::run_blocking) on a thread.
    ///
    /// `actor` is an [`Actor`] impl, or a `(state, closure)` pair.
    ///
    /// ```
    /// use spindle_core::actor::Mailbox;
    /// use spindle_core::raw::NoopRawMutex;
    /// use spindle_core::wait::block_on;
    ///
    /// let m: Mailbox<NoopRawMutex, u32, 4> = Mailbox::new();
    /// m.addr().try_send(3).unwrap();
    /// m.addr().try_send(4).unwrap();
    /// m.close();
    /// let (sum, _) = block_on(m.run((0u32, |sum: &mut u32, n| *sum += n)));
    /// assert_eq!(sum, 7);
    /// ```
    pub async fn run<A: Actor<M>>(&self, mut actor: A) -> A {
        while let Ok(msg) = self.queue.recv().await {
            actor.handle(msg);
        }
        actor.stopped();
        actor
    }

    /// [`run`](Self::run) on the calling thread, blocking between messages.
    ///
    /// ```
    /// use spindle_core::actor::Mailbox;
    /// use spindle_core::raw::ParkingRawMutex;
    ///
    /// static M: Mailbox<ParkingRawMutex, u32, 2> = Mailbox::new();
    /// let actor = std::thread::spawn(|| M.run_blocking((0u32, |n: &mut u32, _| *n += 1)).0);
    /// for i in 0..5 {
    ///     M.addr().send_blocking(i).unwrap();
    /// }
    /// M.close();
    /// assert_eq!(actor.join().unwrap(), 5);
    /// ```
    pub fn run_blocking<A: Actor<M>>(&self, actor: A) -> A {
        crate::wait::block_on(self.run(actor))
    }
}

impl<R: QueueStore, M, const N: usize> fmt::Debug for Mailbox<R, M, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mailbox")
            .field("queue", &self.queue)
            .finish()
    }
}
