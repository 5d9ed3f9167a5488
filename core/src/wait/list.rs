//! The intrusive FIFO waiter list.
//!
//! Implementation notes (for reviewers):
//! - The list and every linked node are only touched with the list's raw exclusion
//!   held. A node is linked only while its [`Waiter`] is pinned, and the waiter's
//!   `Drop` unlinks it (taking the lock) before its memory can be reused, so the list
//!   never holds a dangling pointer.
//! - Wakers are taken out of nodes under the lock and woken *after* it is released,
//!   in batches of [`BATCH`], so a waker that re-enters the primitive cannot deadlock
//!   and an interrupt is never masked for more than a batch.
//! - `wake_all` wakes the waiters present when it starts; waiters that arrive while
//!   it is between batches may be woken too, which is harmless: every woken waiter
//!   re-checks its condition.

use core::marker::PhantomPinned;
use core::pin::Pin;
use core::ptr::NonNull;
use core::task::{Context, Poll, Waker};

use mutex_traits::{ConstInit, ScopedRawMutex};

use crate::loom::UnsafeCell;

/// How many wakers are collected before the lock is dropped to wake them.
const BATCH: usize = 16;

type NodePtr = NonNull<UnsafeCell<Node>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A hand-off: passed on to the next waiter if its receiver never acts on it.
    One,
    /// A broadcast.
    All,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Idle,
    Queued,
    Notified(Kind),
}

#[derive(Debug)]
struct Node {
    prev: Option<NodePtr>,
    next: Option<NodePtr>,
    waker: Option<Waker>,
    state: State,
    /// The last wake-up this node consumed was a hand-off that its owner then lost
    /// to a competitor: it re-queues at the front, so it is not starved.
    requeue_front: bool,
}

impl Node {
    const fn new() -> Self {
        Self {
            prev: None,
            next: None,
            waker: None,
            state: State::Idle,
            requeue_front: false,
        }
    }
}

// Packed to 4-byte alignment on 64-bit targets so that the raw exclusion beside it
// (one byte for most of them) fills what would otherwise be padding: a `WaitList` is
// 24 bytes there, not 32. It sits in every core primitive, and in every pool task
// (see `spindle-std`'s `pool::task`, whose size decides its malloc path). The
// fields are only ever read and written by value, which `packed` allows.
#[derive(Debug)]
#[cfg_attr(target_pointer_width = "64", repr(C, packed(4)))]
struct Links {
    head: Option<NodePtr>,
    tail: Option<NodePtr>,
    /// Linked nodes. Each lives in a pinned future, so four billion of them cannot
    /// exist at once.
    len: u32,
}

/// Runs `f` on the node behind `ptr`.
///
/// # Safety
/// The caller holds the owning list's lock, `ptr` is linked in that list or is the
/// caller's own pinned node, and no other access to that node is active.
#[inline]
unsafe fn with_node<T>(ptr: NodePtr, f: impl FnOnce(&mut Node) -> T) -> T {
    // SAFETY: per this function's contract the node is alive (pinned, unlinked before
    // it is dropped) and exclusively ours while the list lock is held.
    unsafe { ptr.as_ref().with_mut(|n| f(&mut *n)) }
}

impl Links {
    fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// # Safety
    /// List lock held; `ptr` is pinned, alive and not linked.
    unsafe fn push(&mut self, ptr: NodePtr, front: bool) {
        if front {
            // SAFETY: caller holds the lock; `ptr` and the old head are alive.
            unsafe {
                with_node(ptr, |n| {
                    n.prev = None;
                    n.next = self.head;
                });
                match self.head {
                    Some(h) => with_node(h, |h| h.prev = Some(ptr)),
                    None => self.tail = Some(ptr),
                }
            }
            self.head = Some(ptr);
        } else {
            // SAFETY: as above, with the old tail.
            unsafe {
                with_node(ptr, |n| {
                    n.next = None;
                    n.prev = self.tail;
                });
                match self.tail {
                    Some(t) => with_node(t, |t| t.next = Some(ptr)),
                    None => self.head = Some(ptr),
                }
            }
            self.tail = Some(ptr);
        }
        self.len += 1;
    }

    /// # Safety
    /// List lock held; `ptr` is linked in this list.
    unsafe fn unlink(&mut self, ptr: NodePtr) {
        // SAFETY: linked nodes and their neighbours are alive while the lock is held.
        unsafe {
            let (prev, next) = with_node(ptr, |n| (n.prev.take(), n.next.take()));
            match prev {
                Some(p) => with_node(p, |p| p.next = next),
                None => self.head = next,
            }
            match next {
                Some(nx) => with_node(nx, |nx| nx.prev = prev),
                None => self.tail = prev,
            }
        }
        self.len -= 1;
    }

    /// # Safety
    /// List lock held.
    unsafe fn pop_front(&mut self) -> Option<NodePtr> {
        let head = self.head?;
        // SAFETY: `head` is linked in this list and the lock is held.
        unsafe { self.unlink(head) };
        Some(head)
    }
}

/// A FIFO list of waiting tasks, guarded by the raw exclusion `R`.
///
/// Waiters are [`Waiter`] nodes that live inside the waiting futures; the list itself
/// is two pointers and a length, and never allocates.
///
/// ```
/// use core::pin::pin;
/// use core::sync::atomic::{AtomicBool, Ordering};
/// use std::future::poll_fn;
/// use spindle_core::raw::SpinRawMutex;
/// use spindle_core::wait::{block_on, WaitList};
///
/// static READY: AtomicBool = AtomicBool::new(false);
/// static LIST: WaitList<SpinRawMutex> = WaitList::new();
///
/// let t = std::thread::spawn(|| {
///     READY.store(true, Ordering::SeqCst);
///     LIST.wake_all();
/// });
/// block_on(async {
///     let mut waiter = pin!(LIST.waiter());
///     // Check the condition with the list locked, so a wake cannot slip by.
///     while !READY.load(Ordering::SeqCst) {
///         poll_fn(|cx| waiter.as_mut().poll_wait(cx, || READY.load(Ordering::SeqCst))).await;
///     }
/// });
/// t.join().unwrap();
/// ```
pub struct WaitList<R> {
    raw: R,
    links: UnsafeCell<Links>,
}

// SAFETY: the list owns no data of its own beyond node pointers, which are only
// dereferenced with `raw` held; wakers are `Send`. Moving the list is only possible
// while no waiter borrows it, i.e. while it is empty.
unsafe impl<R: Send> Send for WaitList<R> {}
// SAFETY: all shared access to `links` and to linked nodes goes through `raw`, so the
// list is as shareable as its raw exclusion.
unsafe impl<R: Sync> Sync for WaitList<R> {}

impl<R: ScopedRawMutex + ConstInit> WaitList<R> {
    loom_const_fn! {
        /// An empty list.
        pub fn new() -> Self {
            Self {
                raw: R::INIT,
                links: UnsafeCell::new(Links {
                    head: None,
                    tail: None,
                    len: 0,
                }),
            }
        }
    }
}

impl<R: ScopedRawMutex + ConstInit> Default for WaitList<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R> core::fmt::Debug for WaitList<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WaitList").finish_non_exhaustive()
    }
}

impl<R: ScopedRawMutex> WaitList<R> {
    #[inline]
    fn with_links<T>(&self, f: impl FnOnce(&mut Links) -> T) -> T {
        self.raw.with_lock(|| {
            // SAFETY: `raw` is held, which is what guards `links`.
            self.links.with_mut(|l| f(unsafe { &mut *l }))
        })
    }

    /// A waiter node bound to this list. Pin it (e.g. with `core::pin::pin!`) and
    /// poll it with [`Waiter::poll_wait`].
    pub fn waiter(&self) -> Waiter<'_, R> {
        Waiter {
            list: self,
            node: UnsafeCell::new(Node::new()),
            registered: core::cell::Cell::new(false),
            _pin: PhantomPinned,
        }
    }

    /// Wakes the longest-waiting waiter with a hand-off; returns whether there was
    /// one. If that waiter's future is dropped before it acts on the wake-up, the
    /// next waiter is woken in its place.
    pub fn wake_one(&self) -> bool {
        self.wake_first(&mut || {})
    }

    /// Wakes every waiter present now; returns how many were woken.
    pub fn wake_all(&self) -> usize {
        self.wake(None, Kind::All, &mut || {})
    }

    /// [`wake_one`](Self::wake_one), running `if_empty` under the list lock when the
    /// list is empty afterwards (to clear a primitive's "waiters" bit).
    pub(crate) fn wake_one_or(&self, mut if_empty: impl FnMut()) -> bool {
        self.wake_first(&mut if_empty)
    }

    /// Hand-offs to up to `n` waiters, running `if_empty` as in `wake_one_or`.
    pub(crate) fn wake_n_or(&self, n: usize, mut if_empty: impl FnMut()) -> usize {
        self.wake(Some(n), Kind::One, &mut if_empty)
    }

    /// [`wake_all`](Self::wake_all), running `if_empty` once the list is empty.
    pub(crate) fn wake_all_or(&self, mut if_empty: impl FnMut()) -> usize {
        self.wake(None, Kind::All, &mut if_empty)
    }

    /// The hand-off to the first waiter, if any: `wake(Some(1), Kind::One, ..)`
    /// without the batch, which a single waker does not need. (Code size: this
    /// runs in every unlock and every dropped waiter.)
    fn wake_first(&self, if_empty: &mut dyn FnMut()) -> bool {
        let popped = self.with_links(|links| {
            // SAFETY: lock held by `with_links`.
            let popped = unsafe { links.pop_front() }.map(|ptr| {
                // SAFETY: `ptr` was linked, so it is alive; the lock is held.
                unsafe {
                    with_node(ptr, |node| {
                        node.state = State::Notified(Kind::One);
                        node.waker.take()
                    })
                }
            });
            if links.is_empty() {
                if_empty();
            }
            popped
        });
        match popped {
            Some(waker) => {
                if let Some(w) = waker {
                    w.wake();
                }
                true
            }
            None => false,
        }
    }

    // `if_empty` is a `dyn` so that the batching loop is compiled once per raw
    // exclusion, not once per primitive that wakes.
    fn wake(&self, limit: Option<usize>, kind: Kind, if_empty: &mut dyn FnMut()) -> usize {
        let mut limit = limit;
        let mut woken = 0usize;
        loop {
            let mut batch: heapless::Vec<Waker, BATCH> = heapless::Vec::new();
            let more = self.with_links(|links| {
                let n = *limit.get_or_insert(links.len as usize);
                while woken < n && !batch.is_full() {
                    // SAFETY: lock held by `with_links`.
                    let Some(ptr) = (unsafe { links.pop_front() }) else {
                        break;
                    };
                    // SAFETY: `ptr` was linked, so it is alive; the lock is held.
                    let waker = unsafe {
                        with_node(ptr, |node| {
                            node.state = State::Notified(kind);
                            node.waker.take()
                        })
                    };
                    woken += 1;
                    if let Some(w) = waker {
                        // Cannot fail: the loop stops when the batch is full.
                        let _ = batch.push(w);
                    }
                }
                if links.is_empty() {
                    if_empty();
                }
                woken < n && !links.is_empty()
            });
            for w in batch {
                w.wake();
            }
            if !more {
                return woken;
            }
        }
    }

    /// How many waiters are queued (a snapshot).
    pub fn len(&self) -> usize {
        self.with_links(|l| l.len as usize)
    }

    /// Whether no waiter is queued (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One waiting task's node in a [`WaitList`]. It lives inside the waiting future and
/// must be pinned before use; dropping it unlinks it.
///
/// A waiter goes through *idle -> queued -> notified -> idle*: [`poll_wait`] queues
/// it (unless the condition already holds), a wake notifies it, and the next
/// [`poll_wait`] consumes the notification and returns `Ready`.
///
/// [`poll_wait`]: Waiter::poll_wait
pub struct Waiter<'a, R: ScopedRawMutex> {
    list: &'a WaitList<R>,
    node: UnsafeCell<Node>,
    /// Owner-side hint: the node may be queued or hold a notification. Lets a waiter
    /// that never queued skip the lock on drop.
    registered: core::cell::Cell<bool>,
    _pin: PhantomPinned,
}

// SAFETY: the node is only touched under the list's lock (or by the owner while it is
// not linked); it holds a `Waker`, which is `Send`, and a reference to a `Sync` list.
unsafe impl<R: ScopedRawMutex + Sync> Send for Waiter<'_, R> {}

impl<R: ScopedRawMutex> core::fmt::Debug for Waiter<'_, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Waiter")
            .field("registered", &self.registered.get())
            .finish_non_exhaustive()
    }
}

impl<'a, R: ScopedRawMutex> Waiter<'a, R> {
    fn ptr(&self) -> NodePtr {
        NonNull::from(&self.node)
    }

    /// The list this waiter belongs to.
    pub fn list(&self) -> &'a WaitList<R> {
        self.list
    }

    /// Waits for a wake-up.
    ///
    /// - If a wake-up arrived since the last call, consumes it and returns `Ready`.
    /// - If the waiter is queued, refreshes its waker and returns `Pending`.
    /// - Otherwise calls `ready` *with the list locked*: `true` returns `Ready`
    ///   without queueing; `false` queues the waiter and returns `Pending`.
    ///
    /// `ready` is where a primitive re-checks its condition and announces a waiter;
    /// it must not use this list (its lock is held).
    pub fn poll_wait(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        ready: impl FnOnce() -> bool,
    ) -> Poll<()> {
        let mut ready = Some(ready);
        self.poll_wait_dyn(cx, &mut || ready.take().is_some_and(|f| f()))
    }

    // `ready` is a `dyn` so that this is compiled once per raw exclusion rather
    // than inlined into every waiting future (code size on small targets); the
    // indirect call is only made on the path that is about to wait anyway.
    fn poll_wait_dyn(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        ready: &mut dyn FnMut() -> bool,
    ) -> Poll<()> {
        let this = self.into_ref().get_ref();
        let ptr = this.ptr();
        this.list.with_links(|links| {
            // SAFETY: the lock is held and `ptr` is our own pinned node.
            let state = unsafe { with_node(ptr, |n| n.state) };
            match state {
                State::Notified(kind) => {
                    // SAFETY: as above.
                    unsafe {
                        with_node(ptr, |n| {
                            n.state = State::Idle;
                            n.requeue_front = kind == Kind::One;
                        })
                    };
                    this.registered.set(false);
                    Poll::Ready(())
                }
                State::Queued => {
                    // SAFETY: as above.
                    unsafe {
                        with_node(ptr, |n| match &n.waker {
                            Some(w) if w.will_wake(cx.waker()) => {}
                            _ => n.waker = Some(cx.waker().clone()),
                        })
                    };
                    Poll::Pending
                }
                State::Idle => {
                    if ready() {
                        return Poll::Ready(());
                    }
                    // SAFETY: as above; the node is pinned (we hold `Pin<&mut Self>`)
                    // and its `Drop` unlinks it, so linking it is sound.
                    unsafe {
                        let front = with_node(ptr, |n| {
                            n.waker = Some(cx.waker().clone());
                            n.state = State::Queued;
                            core::mem::take(&mut n.requeue_front)
                        });
                        links.push(ptr, front);
                    }
                    this.registered.set(true);
                    Poll::Pending
                }
            }
        })
    }

    /// Queues the waiter without a waker (a later [`poll_wait`](Self::poll_wait)
    /// supplies one). Used to join the list *before* releasing a lock, as a
    /// condition variable must. Does nothing if it is already queued or notified.
    pub fn register(self: Pin<&mut Self>) {
        let this = self.into_ref().get_ref();
        let ptr = this.ptr();
        this.list.with_links(|links| {
            // SAFETY: lock held, own pinned node; unlinked by `Drop`.
            unsafe {
                if with_node(ptr, |n| n.state) == State::Idle {
                    with_node(ptr, |n| n.state = State::Queued);
                    links.push(ptr, false);
                }
            }
        });
        this.registered.set(true);
    }

    /// Leaves the list. Returns `true` if the waiter held a hand-off wake-up that it
    /// had not consumed: the caller must then pass it on (e.g. with
    /// [`WaitList::wake_one`], or by restoring a permit), since nobody else will.
    /// A waiter dropped without `cancel` passes it on with `wake_one`.
    pub fn cancel(self: Pin<&mut Self>) -> bool {
        let this = self.into_ref().get_ref();
        this.cancel_inner()
    }

    fn cancel_inner(&self) -> bool {
        if !self.registered.replace(false) {
            return false;
        }
        let ptr = self.ptr();
        self.list.with_links(|links| {
            // SAFETY: lock held; `ptr` is our node, linked iff its state is `Queued`.
            unsafe {
                match with_node(ptr, |n| n.state) {
                    State::Queued => {
                        links.unlink(ptr);
                        with_node(ptr, |n| {
                            n.state = State::Idle;
                            n.waker = None;
                        });
                        false
                    }
                    State::Notified(kind) => {
                        with_node(ptr, |n| n.state = State::Idle);
                        kind == Kind::One
                    }
                    State::Idle => false,
                }
            }
        })
    }
}

impl<R: ScopedRawMutex> Drop for Waiter<'_, R> {
    fn drop(&mut self) {
        if self.cancel_inner() {
            self.list.wake_one();
        }
    }
}
