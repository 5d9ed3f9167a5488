//! [`Reactor`]: the one place where a scheduler thread blocks. It owns an OS poller
//! (epoll on Linux, the `polling` crate's kqueue or event ports elsewhere: see
//! `poll::os_poller`) and the timers; the scheduler's idle hook calls
//! [`Reactor::turn`], which sleeps in the OS poll until a socket is ready or the
//! next timer is due, then wakes the tasks concerned.
//!
//! Readiness is tracked per source and direction (read, write). A source starts
//! out "ready" in both directions, so every operation first tries its system call;
//! only a `WouldBlock` clears the flag and parks the task's waker, which the next
//! event for that source and direction wakes. Sources are registered edge-triggered
//! where the platform supports it (one registration for the socket's life) and
//! one-shot, re-armed on each wait, elsewhere. Where the poller reports a peer's
//! close (epoll's `EPOLLRDHUP`), a read that returned less than its buffer also
//! clears the read flag, as tokio does: the socket was drained, and the `read`
//! that would only say `WouldBlock` is skipped.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use spindle_core::sched::Scheduler;

use crate::poll::os_poller::{Events, Interest, Mode, OsPoller};

/// Which way a task waits on a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

/// One direction of one source.
#[derive(Default)]
struct Half {
    ready: bool,
    waker: Option<Waker>,
}

impl Half {
    fn fire(&mut self) {
        self.ready = true;
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }
}

#[derive(Default)]
struct Slot {
    read: Half,
    write: Half,
    /// The poller reported the peer's close (or a failure): reads never block
    /// again, so a short read does not mean "drained".
    read_closed: bool,
}

impl Slot {
    fn half(&mut self, dir: Direction) -> &mut Half {
        match dir {
            Direction::Read => &mut self.read,
            Direction::Write => &mut self.write,
        }
    }
}

/// The reactor's state, shared by every handle and source on its thread.
pub(crate) struct Inner {
    poller: Arc<OsPoller>,
    mode: Mode,
    /// Whether a short read may clear the read flag (the poller reports closes).
    short_reads_drain: bool,
    /// Sources by key; `None` marks a free key (kept in `free`).
    slots: RefCell<Vec<Option<Slot>>>,
    free: RefCell<Vec<usize>>,
    /// Pending timers, earliest first: (deadline, sequence) -> waker. The sequence
    /// number keeps equal deadlines apart and in the order they were set.
    timers: RefCell<BTreeMap<(Instant, u64), Waker>>,
    next_timer: Cell<u64>,
    events: RefCell<Events>,
}

/// A single-threaded I/O reactor for [`spindle_core::sched`]'s cooperative
/// scheduler: tasks await socket readiness ([`TcpListener`](super::TcpListener),
/// [`TcpStream`](super::TcpStream)) and time ([`sleep`](Self::sleep),
/// [`timeout`](Self::timeout)), and [`run`](Self::run) drives a scheduler with the
/// reactor as its idle hook, so that an idle scheduler thread sleeps in the OS poll
/// (epoll, kqueue) instead of spinning. This is recipe 12.12's `Scheduler` with its
/// `_read_wait`/`_write_wait` and `select()` loop.
///
/// A `Reactor` is a cheap handle (clone it freely) and stays on the thread that
/// made it (it is neither `Send` nor `Sync`).
///
/// Make the scheduler with [`scheduler`](Self::scheduler): then a task woken from
/// another thread (a spindle queue or oneshot fed by another thread, say) ends the
/// reactor's wait in the OS poll at once, through the scheduler's
/// [`Unpark`](spindle_core::sched::Unpark) hook. A scheduler made otherwise still
/// queues such a task at once, but the reactor only sees it at its next I/O event
/// or timer (or a [`RemoteWake::wake`]).
///
/// ```
/// use std::time::Duration;
/// use spindle_core::sched::Scheduler;
/// use spindle_std::io::Reactor;
///
/// let reactor = Reactor::new().unwrap();
/// let sched: Scheduler<2> = reactor.scheduler();
/// let r = reactor.clone();
/// sched.spawn_boxed(async move {
///     r.sleep(Duration::from_millis(1)).await;
/// }).unwrap();
/// reactor.run(&sched); // blocks in the OS poll for the millisecond
/// assert!(sched.is_empty());
/// ```
#[derive(Clone)]
pub struct Reactor {
    pub(crate) inner: Rc<Inner>,
}

impl Reactor {
    /// A reactor with its own OS poller.
    ///
    /// ```
    /// let reactor = spindle_std::io::Reactor::new().unwrap();
    /// # drop(reactor);
    /// ```
    pub fn new() -> io::Result<Self> {
        let poller = OsPoller::new()?;
        let mode = if poller.supports_edge() {
            Mode::Edge
        } else {
            Mode::Oneshot
        };
        Ok(Self {
            inner: Rc::new(Inner {
                short_reads_drain: mode == Mode::Edge && poller.reports_read_closed(),
                poller: Arc::new(poller),
                mode,
                slots: RefCell::new(Vec::new()),
                free: RefCell::new(Vec::new()),
                timers: RefCell::new(BTreeMap::new()),
                next_timer: Cell::new(0),
                events: RefCell::new(Events::new()),
            }),
        })
    }

    /// A scheduler for this reactor's thread whose tasks, when woken from another
    /// thread, end the reactor's wait in the OS poll at once (its
    /// [`Unpark`](spindle_core::sched::Unpark) notifies the poller). Wakes made by
    /// the reactor itself, on its own thread, cost no notification.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use spindle_core::raw::ParkingRawMutex;
    /// use spindle_core::sched::Scheduler;
    /// use spindle_core::sync::Oneshot;
    ///
    /// let reactor = spindle_std::io::Reactor::new().unwrap();
    /// let sched: Scheduler<1> = reactor.scheduler();
    /// let answer = Arc::new(Oneshot::<ParkingRawMutex, u32>::new());
    /// let a = answer.clone();
    /// sched.spawn_boxed(async move { assert_eq!(a.recv().await, Ok(7)) }).unwrap();
    /// let t = std::thread::spawn(move || answer.send(7).unwrap());
    /// reactor.run(&sched); // no sources, no timers: only the other thread ends the wait
    /// t.join().unwrap();
    /// ```
    pub fn scheduler<const N: usize>(&self) -> Scheduler<N> {
        let poller = self.inner.poller.clone();
        let home = this_thread();
        Scheduler::with_unpark(move || {
            // On the reactor's own thread a wake comes from `turn` itself (firing
            // the wakers of ready sources and timers), which returns by itself.
            if home.is_none() || this_thread() != home {
                // Fails only if the poller's notification descriptor is broken.
                let _ = poller.notify();
            }
        })
    }

    /// Runs `sched` until all its tasks are over, with this reactor as its idle
    /// hook: whenever no task is ready, the thread blocks in [`turn`](Self::turn).
    ///
    /// ```
    /// use spindle_core::sched::Scheduler;
    /// let reactor = spindle_std::io::Reactor::new().unwrap();
    /// let sched: Scheduler<1> = Scheduler::new();
    /// sched.spawn_boxed(async {}).unwrap();
    /// reactor.run(&sched);
    /// ```
    pub fn run<const N: usize>(&self, sched: &Scheduler<N>) {
        sched.run_with(|| self.turn());
    }

    /// Waits in the OS poll until a registered source is ready, the earliest timer
    /// is due, or [`RemoteWake::wake`] is called, then wakes the tasks waiting for
    /// what happened. With neither sources nor timers it waits for a remote wake.
    /// Errors of the poll itself (rare: e.g. out of memory) end this turn early; the
    /// scheduler simply calls again.
    ///
    /// ```
    /// let reactor = spindle_std::io::Reactor::new().unwrap();
    /// reactor.remote().wake();
    /// reactor.turn(); // returns at once: a wake was pending
    /// ```
    pub fn turn(&self) {
        let inner = &*self.inner;
        let deadline = inner.timers.borrow().keys().next().map(|&(at, _)| at);
        let timeout = deadline.map(|at| at.saturating_duration_since(Instant::now()));
        let mut events = inner.events.borrow_mut();
        events.clear();
        if inner.poller.wait(&mut events, timeout).is_err() {
            // Nothing was reported; the next turn tries again.
            events.clear();
        }
        {
            let mut slots = inner.slots.borrow_mut();
            for ev in events.iter() {
                let Some(Some(slot)) = slots.get_mut(ev.key) else {
                    continue;
                };
                slot.read_closed |= ev.read_closed;
                if ev.readable {
                    slot.read.fire();
                }
                if ev.writable {
                    slot.write.fire();
                }
                if inner.mode == Mode::Oneshot {
                    // The event disarmed the whole registration: a task still
                    // waiting the other way must re-arm it, so wake it to look again
                    // (it finds itself not ready and re-arms in `poll_ready`).
                    for half in [&mut slot.read, &mut slot.write] {
                        if let Some(w) = half.waker.take() {
                            w.wake();
                        }
                    }
                }
            }
        }
        drop(events);
        self.fire_timers();
    }

    /// Wakes every timer that is due.
    fn fire_timers(&self) {
        let now = Instant::now();
        loop {
            // Take one at a time: a woken waker may not touch the map, but keep the
            // borrow short anyway.
            let mut timers = self.inner.timers.borrow_mut();
            let Some(entry) = timers.first_entry() else {
                return;
            };
            if entry.key().0 > now {
                return;
            }
            let waker = entry.remove();
            drop(timers);
            waker.wake();
        }
    }

    /// A handle that ends this reactor's wait from any thread.
    ///
    /// ```
    /// let reactor = spindle_std::io::Reactor::new().unwrap();
    /// let remote = reactor.remote();
    /// std::thread::spawn(move || remote.wake()).join().unwrap();
    /// reactor.turn();
    /// ```
    pub fn remote(&self) -> RemoteWake {
        RemoteWake(self.inner.poller.clone())
    }

    /// Registers `source`, interested in both directions; it starts out ready both
    /// ways, so the first operation simply tries.
    pub(crate) fn register(&self, source: BorrowedFd<'_>) -> io::Result<usize> {
        let inner = &*self.inner;
        let key = match inner.free.borrow_mut().pop() {
            Some(key) => key,
            None => {
                let mut slots = inner.slots.borrow_mut();
                slots.push(None);
                slots.len() - 1
            }
        };
        // SAFETY: `polling` requires the source to be deleted from the poller before
        // it is closed. Every caller is a type that owns the descriptor and calls
        // `deregister` in its `Drop` (before its fields, and so the descriptor, are
        // dropped), and nothing hands the descriptor out without deregistering first.
        let added = unsafe {
            inner.poller.add(
                source.as_raw_fd(),
                Interest {
                    key,
                    readable: true,
                    writable: true,
                },
                inner.mode,
            )
        };
        if let Err(e) = added {
            inner.free.borrow_mut().push(key);
            return Err(e);
        }
        let mut slot = Slot::default();
        slot.read.ready = true;
        slot.write.ready = true;
        inner.slots.borrow_mut()[key] = Some(slot);
        Ok(key)
    }

    /// Takes `source` out of the poller and frees its key. Call before the
    /// descriptor is closed.
    pub(crate) fn deregister(&self, key: usize, source: BorrowedFd<'_>) {
        let inner = &*self.inner;
        // Failing here means the descriptor is no longer in the poller: nothing to undo.
        let _ = inner.poller.delete(source);
        if let Some(entry) = inner.slots.borrow_mut().get_mut(key) {
            *entry = None;
            inner.free.borrow_mut().push(key);
        }
    }

    /// `Ready` if `key` is ready in `dir`; otherwise parks `cx`'s waker for it.
    fn poll_ready(
        &self,
        key: usize,
        source: BorrowedFd<'_>,
        dir: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        let inner = &*self.inner;
        let mut slots = inner.slots.borrow_mut();
        let Some(Some(slot)) = slots.get_mut(key) else {
            // Not registered (cannot happen for a live source): let the operation
            // run and report what the OS says.
            return Poll::Ready(());
        };
        let half = slot.half(dir);
        if half.ready {
            return Poll::Ready(());
        }
        match &mut half.waker {
            Some(w) => w.clone_from(cx.waker()),
            None => half.waker = Some(cx.waker().clone()),
        }
        if inner.mode == Mode::Oneshot {
            // A one-shot registration is disarmed after each event: arm it for
            // whatever is being waited for now.
            let interest = Interest {
                key,
                readable: slot.read.waker.is_some(),
                writable: slot.write.waker.is_some(),
            };
            drop(slots);
            if inner.poller.modify(source, interest, inner.mode).is_err() {
                // Let the operation run and report the error itself.
                return Poll::Ready(());
            }
        }
        Poll::Pending
    }

    fn clear_ready(&self, key: usize, dir: Direction) {
        if let Some(Some(slot)) = self.inner.slots.borrow_mut().get_mut(key) {
            slot.half(dir).ready = false;
        }
    }

    /// Runs `op` on `source` whenever it is ready in `dir`, until it does not fail
    /// with `WouldBlock` (an `Interrupted` call is retried at once).
    pub(crate) async fn io<S: AsFd, R>(
        &self,
        key: usize,
        source: &S,
        dir: Direction,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> io::Result<R> {
        loop {
            poll_fn(|cx| self.poll_ready(key, source.as_fd(), dir, cx)).await;
            match op(source) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_ready(key, dir),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => return other,
            }
        }
    }

    /// A read of `key` returned `n` bytes into a buffer of `len`: if that was
    /// short (and not end-of-file), the socket is drained, so the next read waits
    /// for an event instead of trying and failing with `WouldBlock`. Only where
    /// the poller reports closes: a FIN that came with the last data raises no
    /// further edge, but its `EPOLLRDHUP` was seen (`read_closed`), and then the
    /// flag stays.
    pub(crate) fn read_done(&self, key: usize, n: usize, len: usize) {
        if !self.inner.short_reads_drain || n == 0 || n >= len {
            return;
        }
        if let Some(Some(slot)) = self.inner.slots.borrow_mut().get_mut(key) {
            if !slot.read_closed {
                slot.read.ready = false;
            }
        }
    }

    /// Waits until `source` is ready in `dir` (or might be).
    pub(crate) async fn ready<S: AsFd>(&self, key: usize, source: &S, dir: Direction) {
        poll_fn(|cx| self.poll_ready(key, source.as_fd(), dir, cx)).await;
    }

    /// Marks `key` not ready in `dir`, so that the next [`ready`](Self::ready) waits.
    pub(crate) fn not_ready(&self, key: usize, dir: Direction) {
        self.clear_ready(key, dir);
    }

    /// Registers a timer for `deadline`; returns its map key.
    pub(crate) fn add_timer(&self, deadline: Instant, waker: Waker) -> (Instant, u64) {
        let seq = self.inner.next_timer.get();
        self.inner.next_timer.set(seq.wrapping_add(1));
        let key = (deadline, seq);
        self.inner.timers.borrow_mut().insert(key, waker);
        key
    }

    /// Replaces a pending timer's waker; `false` if the timer is gone (it fired).
    pub(crate) fn update_timer(&self, key: (Instant, u64), waker: &Waker) -> bool {
        match self.inner.timers.borrow_mut().get_mut(&key) {
            Some(w) => {
                w.clone_from(waker);
                true
            }
            None => false,
        }
    }

    /// Cancels a timer (a no-op if it fired).
    pub(crate) fn remove_timer(&self, key: (Instant, u64)) {
        self.inner.timers.borrow_mut().remove(&key);
    }

    /// How many sources and timers are registered (for tests and debugging).
    ///
    /// ```
    /// let reactor = spindle_std::io::Reactor::new().unwrap();
    /// assert_eq!(reactor.pending(), (0, 0));
    /// ```
    pub fn pending(&self) -> (usize, usize) {
        let sources = self.inner.slots.borrow().iter().flatten().count();
        (sources, self.inner.timers.borrow().len())
    }
}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (sources, timers) = self.pending();
        f.debug_struct("Reactor")
            .field("mode", &self.inner.mode)
            .field("sources", &sources)
            .field("timers", &timers)
            .finish()
    }
}

/// A token for the calling thread, unique among live threads (the address of a
/// thread-local), without `std::thread::current`'s allocation; `None` while the
/// thread's locals are being destroyed.
fn this_thread() -> Option<usize> {
    std::thread_local! {
        static MARK: u8 = const { 0 };
    }
    MARK.try_with(|m| std::ptr::from_ref(m) as usize).ok()
}

/// Ends a [`Reactor`]'s wait in the OS poll from any thread: see
/// [`Reactor::remote`]. Not needed for tasks of a [`Reactor::scheduler`], whose
/// wakes from other threads end the wait by themselves.
///
/// ```
/// let reactor = spindle_std::io::Reactor::new().unwrap();
/// let remote = reactor.remote();
/// remote.wake();
/// reactor.turn();
/// ```
#[derive(Clone)]
pub struct RemoteWake(Arc<OsPoller>);

impl RemoteWake {
    /// Makes the reactor's current or next wait return at once.
    pub fn wake(&self) {
        // Fails only if the poller's own notification descriptor is broken: the
        // reactor then wakes at its next event instead.
        let _ = self.0.notify();
    }
}

impl fmt::Debug for RemoteWake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RemoteWake")
    }
}
