//! [`Selector`]: one thread waits on any mix of pollable queues and events, sockets
//! (anything [`AsFd`]), Unix signals, timers and an overall timeout, and learns which
//! are ready by the keys it chose (recipe 12.13; Python's `select` / `selectors`).
//!
//! Built on the [`OsPoller`] (epoll on Linux, the `polling` crate elsewhere): a
//! wait is one `epoll_wait`, so a thread blocked in the selector is handed an item
//! as quickly as one blocked in a channel's `select`. Sources are registered
//! one-shot and re-armed at the start of the next [`wait`](Selector::wait), which
//! gives level semantics (a source still ready is reported again) and a moment to
//! notice a descriptor that was closed behind the selector's back.

use std::collections::HashMap;
use std::hash::Hash;
use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use signal_hook::SigId;

use super::error::{is_closed_descriptor, CreateError, DeregisterError, RegisterError, WaitError};
use super::os_poller::{Events, Fired, Mode, OsPoller};
use super::timer::{Armed, Timer};

/// What a descriptor source is watched for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interest {
    /// Readable (data, a connection to accept, end of stream).
    Readable,
    /// Writable (room in the send buffer, a finished connect).
    Writable,
    /// Either.
    Both,
}

impl Interest {
    fn at(self, id: usize) -> super::os_poller::Interest {
        super::os_poller::Interest {
            key: id,
            readable: matches!(self, Interest::Readable | Interest::Both),
            writable: matches!(self, Interest::Writable | Interest::Both),
        }
    }
}

/// Readable interest under key `id` (queues, events, signal pipes).
fn readable(id: usize) -> super::os_poller::Interest {
    Interest::Readable.at(id)
}

/// One ready source, reported by [`Selector::wait`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ready<K> {
    /// The key the source was registered under.
    pub key: K,
    /// Readable; always `true` for queues, events, signals and timers that fired.
    pub readable: bool,
    /// Writable (only for sources registered for [`Interest::Writable`] or `Both`).
    pub writable: bool,
    /// The descriptor was closed while still registered (behind the selector's
    /// back): the selector has dropped it, and its key is free again.
    pub closed: bool,
}

impl<K> Ready<K> {
    fn readable(key: K) -> Self {
        Self {
            key,
            readable: true,
            writable: false,
            closed: false,
        }
    }
}

enum Source {
    Fd {
        fd: RawFd,
        interest: Interest,
    },
    Signal {
        read: UnixStream,
        signal: i32,
        id: SigId,
    },
    Timer(Armed),
}

struct Entry<K> {
    key: K,
    source: Source,
}

/// The registered sources. Every source gets a fresh id, never reused, so an event
/// that arrives for a source deregistered meanwhile finds nothing instead of its
/// successor.
struct Table<K> {
    next_id: usize,
    entries: HashMap<usize, Entry<K>>,
    by_key: HashMap<K, usize>,
    by_fd: HashMap<RawFd, usize>,
    signals: HashMap<i32, usize>,
    /// Fired one-shot registrations to re-arm at the next wait.
    rearm: Vec<usize>,
    /// Keys of descriptors found closed behind our back, to report.
    lost: Vec<K>,
}

/// Waits on queues, events, sockets, signals and timers at once (see the
/// [module docs](crate::poll)).
///
/// Every method takes `&self`: share the selector (`Arc`, or scoped threads) and
/// register or deregister from any thread at any time; a thread blocked in
/// [`wait`](Self::wait) sees the change (it is woken to recompute its timers).
/// Waiting blocks in the OS poll: no CPU is used while idle.
///
/// ```
/// use std::time::Duration;
/// use spindle_std::poll::{PollableQueue, Selector, Timer};
///
/// let jobs: PollableQueue<&str, 4> = PollableQueue::new()?;
/// let selector = Selector::new()?;
/// selector.register("jobs", &jobs)?;
/// selector.register_timer("give-up", Timer::once(Duration::from_secs(5)))?;
///
/// jobs.try_send("build").unwrap();
/// let mut ready = Vec::new();
/// selector.wait(&mut ready, Some(Duration::from_secs(5)))?;
/// assert_eq!(ready[0].key, "jobs");
/// assert_eq!(jobs.try_recv(), Ok("build"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Selector<K> {
    poller: OsPoller,
    table: Mutex<Table<K>>,
    /// The OS poll's buffer; holding it also makes concurrent waits take turns.
    events: Mutex<Events>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing below panics while holding a lock; a poisoned one is still sound.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Borrows a registered descriptor number for an `epoll_ctl`/`kevent` call.
///
/// # Safety
/// The caller only passes the result to the poller's `modify`/`delete`, which look
/// the number up in the poller's own interest list and never read, write or close
/// the file. If the user closed it behind our back the kernel answers `EBADF` or
/// `ENOENT` (a reused number is not in our list: duplicates are refused at
/// registration), which we report as "closed".
unsafe fn borrow(fd: RawFd) -> BorrowedFd<'static> {
    // SAFETY: see the function's contract above; `fd` is never -1 (it came from
    // an `AsFd`).
    unsafe { BorrowedFd::borrow_raw(fd) }
}

impl<K: Clone + Eq + Hash> Selector<K> {
    /// A new selector with nothing registered.
    pub fn new() -> Result<Self, CreateError> {
        Ok(Self {
            poller: OsPoller::new()?,
            table: Mutex::new(Table {
                next_id: 0,
                entries: HashMap::new(),
                by_key: HashMap::new(),
                by_fd: HashMap::new(),
                signals: HashMap::new(),
                rearm: Vec::new(),
                lost: Vec::new(),
            }),
            events: Mutex::new(Events::new()),
        })
    }

    /// Registers a readable source: a pollable queue or event, a socket, a pipe.
    ///
    /// The descriptor must stay open until it is deregistered; one closed behind
    /// the selector's back is reported as [`Ready::closed`] (or
    /// [`DeregisterError::Closed`]) instead of being watched.
    pub fn register(&self, key: K, source: &impl AsFd) -> Result<(), RegisterError> {
        self.register_with(key, source, Interest::Readable)
    }

    /// Registers a descriptor for the given [`Interest`].
    pub fn register_with(
        &self,
        key: K,
        source: &impl AsFd,
        interest: Interest,
    ) -> Result<(), RegisterError> {
        let fd = source.as_fd().as_raw_fd();
        let mut table = lock(&self.table);
        if table.by_key.contains_key(&key) {
            return Err(RegisterError::KeyInUse);
        }
        if let Some(&old) = table.by_fd.get(&fd) {
            if !self.stale(&mut table, old) {
                return Err(RegisterError::AlreadyRegistered);
            }
        }
        let id = table.next_id;
        // SAFETY: the descriptor is open now (we hold a borrow of it), and it is
        // deleted from the poller in `deregister` or dropped with the poller; the
        // user keeps it open meanwhile, as `register` documents (and a breach is
        // detected, see `borrow`).
        unsafe { self.poller.add(fd, interest.at(id), Mode::Oneshot) }?;
        table.next_id += 1;
        table.by_fd.insert(fd, id);
        table.insert(
            id,
            Entry {
                key,
                source: Source::Fd { fd, interest },
            },
        );
        Ok(())
    }

    /// Whether the registration `id` (a descriptor with a number now being
    /// registered again) is stale: its descriptor was closed behind our back, so
    /// the kernel no longer knows it. A stale entry is dropped and reported.
    fn stale(&self, table: &mut Table<K>, id: usize) -> bool {
        let Some(Entry {
            source: Source::Fd { fd, interest },
            ..
        }) = table.entries.get(&id)
        else {
            return false;
        };
        // SAFETY: only passed to `modify` (see `borrow`).
        let probe = self
            .poller
            .modify(unsafe { borrow(*fd) }, interest.at(id), Mode::Oneshot);
        match probe {
            Err(e) if is_closed_descriptor(&e) => {
                table.lose(id);
                true
            }
            _ => false,
        }
    }

    /// Registers a Unix signal (e.g. `signal_hook::consts::SIGUSR1`): ready after
    /// it was delivered, once per wait however many arrived. Uses signal-hook's
    /// self-pipe, so other handlers of the signal keep working.
    pub fn register_signal(&self, key: K, signal: i32) -> Result<(), RegisterError> {
        if signal_hook::consts::FORBIDDEN.contains(&signal) {
            return Err(RegisterError::InvalidSignal(signal));
        }
        let mut table = lock(&self.table);
        if table.by_key.contains_key(&key) {
            return Err(RegisterError::KeyInUse);
        }
        if table.signals.contains_key(&signal) {
            return Err(RegisterError::AlreadyRegistered);
        }
        let (read, write) = UnixStream::pair()?;
        read.set_nonblocking(true)?;
        let id = table.next_id;
        // SAFETY: `read` is owned by the entry below and deleted from the poller
        // before it is dropped (`deregister`, `Drop`).
        unsafe {
            self.poller
                .add(read.as_raw_fd(), readable(id), Mode::Oneshot)
        }?;
        let sig_id = match signal_hook::low_level::pipe::register(signal, write) {
            Ok(sig_id) => sig_id,
            Err(e) => {
                let _ = self.poller.delete(read.as_fd());
                return Err(match e.raw_os_error() {
                    Some(code) if code == nix::errno::Errno::EINVAL as i32 => {
                        RegisterError::InvalidSignal(signal)
                    }
                    _ => RegisterError::from(e),
                });
            }
        };
        table.next_id += 1;
        table.signals.insert(signal, id);
        table.insert(
            id,
            Entry {
                key,
                source: Source::Signal {
                    read,
                    signal,
                    id: sig_id,
                },
            },
        );
        Ok(())
    }

    /// Registers a one-shot or periodic [`Timer`], counted from now.
    pub fn register_timer(&self, key: K, timer: Timer) -> Result<(), RegisterError> {
        let mut table = lock(&self.table);
        if table.by_key.contains_key(&key) {
            return Err(RegisterError::KeyInUse);
        }
        let id = table.next_id;
        table.next_id += 1;
        table.insert(
            id,
            Entry {
                key,
                source: Source::Timer(Armed::start(timer, Instant::now())),
            },
        );
        drop(table);
        // A waiter sleeping until a later deadline must recompute its timeout.
        self.poller.notify()?;
        Ok(())
    }

    /// Removes the source registered under `key`; the key is free afterwards even
    /// on error.
    pub fn deregister(&self, key: &K) -> Result<(), DeregisterError> {
        let mut table = lock(&self.table);
        let id = table
            .by_key
            .remove(key)
            .ok_or(DeregisterError::UnknownKey)?;
        let Some(entry) = table.entries.remove(&id) else {
            return Err(DeregisterError::UnknownKey);
        };
        let outcome = match entry.source {
            Source::Fd { fd, .. } => {
                table.by_fd.remove(&fd);
                // SAFETY: only passed to `delete` (see `borrow`).
                self.poller.delete(unsafe { borrow(fd) })
            }
            Source::Signal { read, signal, id } => {
                table.signals.remove(&signal);
                signal_hook::low_level::unregister(id);
                self.poller.delete(read.as_fd())
            }
            Source::Timer(_) => Ok(()),
        };
        drop(table);
        self.poller.notify()?;
        outcome.map_err(DeregisterError::from)
    }

    /// How many sources are registered.
    pub fn len(&self) -> usize {
        lock(&self.table).entries.len()
    }

    /// Whether nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits until at least one source is ready or `timeout` (`None`: no limit)
    /// has passed, and puts the ready sources into `ready` (cleared first).
    /// Returns how many there are; `0` means the timeout passed.
    ///
    /// A source that is still ready at the next call is reported again (level
    /// semantics): a queue shows up until it is drained.
    pub fn wait(
        &self,
        ready: &mut Vec<Ready<K>>,
        timeout: Option<Duration>,
    ) -> Result<usize, WaitError> {
        ready.clear();
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut events = lock(&self.events);
        loop {
            let next_timer = {
                let mut table = lock(&self.table);
                self.rearm(&mut table);
                table.collect(ready, Instant::now())
            };
            if !ready.is_empty() {
                return Ok(ready.len());
            }
            let now = Instant::now();
            let until = match (deadline, next_timer) {
                (Some(d), Some(t)) => Some(d.min(t)),
                (d, t) => d.or(t),
            };
            if deadline.is_some_and(|d| d <= now) {
                return Ok(0);
            }
            events.clear();
            self.poller
                .wait(&mut events, until.map(|u| u.saturating_duration_since(now)))?;
            let mut table = lock(&self.table);
            for event in events.iter() {
                table.fired(event, ready);
            }
            // Return before the next round re-arms what just fired: the caller
            // drains first, and a descriptor closed meanwhile is noticed then.
            table.collect(ready, Instant::now());
            if !ready.is_empty() {
                return Ok(ready.len());
            }
        }
    }

    /// Re-arms the one-shot registrations that fired last time.
    fn rearm(&self, table: &mut Table<K>) {
        let fired = std::mem::take(&mut table.rearm);
        for id in fired {
            let outcome = match table.entries.get(&id).map(|e| &e.source) {
                Some(Source::Fd { fd, interest }) => {
                    // SAFETY: only passed to `modify` (see `borrow`).
                    self.poller
                        .modify(unsafe { borrow(*fd) }, interest.at(id), Mode::Oneshot)
                }
                Some(Source::Signal { read, .. }) => {
                    self.poller
                        .modify(read.as_fd(), readable(id), Mode::Oneshot)
                }
                _ => Ok(()),
            };
            match outcome {
                Err(e) if is_closed_descriptor(&e) => table.lose(id),
                // Any other failure leaves the entry un-armed; it is retried at
                // the next wait.
                Err(_) => table.rearm.push(id),
                Ok(()) => {}
            }
        }
    }
}

impl<K: Clone + Eq + Hash> Table<K> {
    fn insert(&mut self, id: usize, entry: Entry<K>) {
        self.by_key.insert(entry.key.clone(), id);
        self.entries.insert(id, entry);
    }

    /// Drops registration `id`, whose descriptor was closed behind our back, and
    /// remembers its key for the next report.
    fn lose(&mut self, id: usize) {
        if let Some(entry) = self.entries.remove(&id) {
            self.by_key.remove(&entry.key);
            if let Source::Fd { fd, .. } = entry.source {
                self.by_fd.remove(&fd);
            }
            self.lost.push(entry.key);
        }
    }

    /// Reports lost descriptors and due timers into `ready`; returns the earliest
    /// deadline still armed.
    fn collect(&mut self, ready: &mut Vec<Ready<K>>, now: Instant) -> Option<Instant> {
        ready.extend(self.lost.drain(..).map(|key| Ready {
            key,
            readable: false,
            writable: false,
            closed: true,
        }));
        let mut spent = Vec::new();
        let mut next: Option<Instant> = None;
        for (&id, entry) in &mut self.entries {
            if let Source::Timer(armed) = &mut entry.source {
                if let Some(again) = armed.fire(now) {
                    ready.push(Ready::readable(entry.key.clone()));
                    if !again {
                        spent.push(id);
                        continue;
                    }
                }
                next = Some(next.map_or(armed.deadline, |n| n.min(armed.deadline)));
            }
        }
        for id in spent {
            if let Some(entry) = self.entries.remove(&id) {
                self.by_key.remove(&entry.key);
            }
        }
        next
    }

    /// Turns one OS event into a report (and schedules its re-arming).
    fn fired(&mut self, event: Fired, ready: &mut Vec<Ready<K>>) {
        let Some(entry) = self.entries.get(&event.key) else {
            return; // deregistered meanwhile
        };
        match &entry.source {
            Source::Fd { .. } => ready.push(Ready {
                key: entry.key.clone(),
                readable: event.readable,
                writable: event.writable,
                closed: false,
            }),
            Source::Signal { read, .. } => {
                // Take every byte the handler wrote: one report per wait.
                let mut buf = [0u8; 64];
                loop {
                    match (&*read).read(&mut buf) {
                        Ok(n) if n > 0 => continue,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        _ => break, // empty (`WouldBlock`)
                    }
                }
                ready.push(Ready::readable(entry.key.clone()));
            }
            Source::Timer(_) => return,
        }
        self.rearm.push(event.key);
    }
}

impl<K> Drop for Selector<K> {
    fn drop(&mut self) {
        let table = self.table.get_mut().unwrap_or_else(PoisonError::into_inner);
        for entry in table.entries.values() {
            if let Source::Signal { id, .. } = &entry.source {
                // Closes the write end of the self-pipe with the handler.
                signal_hook::low_level::unregister(*id);
            }
        }
    }
}

impl<K> std::fmt::Debug for Selector<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Selector")
            .field("sources", &lock(&self.table).entries.len())
            .finish_non_exhaustive()
    }
}
