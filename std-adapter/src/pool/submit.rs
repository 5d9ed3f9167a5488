//! Submitting to a [`ThreadPool`]: waiting for room, refusing, or timing out when a
//! bounded queue is full, and refusing after shutdown, always handing the closure
//! back (recipe 12.7's `pool.submit`).

use std::sync::Arc;
use std::time::Duration;

use spindle_core::sync::{AcquireTimeoutError, TryAcquireError};

use super::task::Task;
use super::worker::Job;
use super::{FullPolicy, SubmitError, TaskHandle, ThreadPool};

/// How a submission waits for room in a bounded queue.
enum Room {
    Wait,
    Try,
    Timeout(Duration),
}

/// Why a submission got no room.
enum RoomRefused {
    Full,
    Closed,
}

impl ThreadPool {
    /// Submits `f` to run on a worker (Python's `pool.submit`) and returns its
    /// handle. If the queue is bounded and full, the pool's [`FullPolicy`] decides:
    /// wait for room, or give `f` back in [`SubmitError::Full`]. After shutdown `f`
    /// comes back in [`SubmitError::ShutDown`].
    ///
    /// Deadlock warning (as with Python's executor): a task that submits to its
    /// own pool, whose bounded queue is full under [`FullPolicy::Wait`], waits for
    /// room that only its own worker could make; and a task that then waits on the
    /// result of what it submitted holds its worker while it waits. Either can hang
    /// the pool once every worker does it. Use [`try_submit`](Self::try_submit) from
    /// inside tasks, or a second pool for dependent work.
    ///
    /// ```
    /// let pool = spindle_std::pool::ThreadPool::new(2).unwrap();
    /// let h = pool.submit(|| 6 * 7).unwrap();
    /// assert_eq!(h.result(), Ok(42));
    /// ```
    pub fn submit<F, R>(&self, f: F) -> Result<TaskHandle<R>, SubmitError<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let room = match self.shared.policy {
            FullPolicy::Wait => Room::Wait,
            FullPolicy::Reject => Room::Try,
        };
        self.submit_with(f, room)
    }

    /// Submits `f` without ever waiting: a full bounded queue gives `f` back in
    /// [`SubmitError::Full`], whatever the policy.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use spindle_std::pool::{SubmitError, ThreadPool};
    /// use spindle_std::sync::Event;
    ///
    /// let pool = ThreadPool::builder().workers(1).queue_capacity(1).build().unwrap();
    /// let (started, go) = (Arc::new(Event::new()), Arc::new(Event::new()));
    /// let (s, g) = (started.clone(), go.clone());
    /// let busy = pool.submit(move || { s.set(); g.wait_blocking() }).unwrap();
    /// started.wait_blocking(); // the worker took it off the queue and freed its room
    /// let queued = pool.try_submit(|| 1).unwrap();         // fills the queue
    /// assert!(matches!(pool.try_submit(|| 2), Err(SubmitError::Full(_))));
    /// go.set();
    /// assert_eq!(queued.result(), Ok(1));
    /// # busy.result().unwrap();
    /// ```
    pub fn try_submit<F, R>(&self, f: F) -> Result<TaskHandle<R>, SubmitError<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.submit_with(f, Room::Try)
    }

    /// Submits `f`, waiting at most `timeout` for room in a bounded queue.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = spindle_std::pool::ThreadPool::new(1).unwrap();
    /// let h = pool.submit_timeout(|| 1, Duration::from_millis(10)).unwrap();
    /// assert_eq!(h.result(), Ok(1));
    /// ```
    pub fn submit_timeout<F, R>(
        &self,
        f: F,
        timeout: Duration,
    ) -> Result<TaskHandle<R>, SubmitError<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.submit_with(f, Room::Timeout(timeout))
    }

    /// Submits `f`, awaiting room in a bounded queue (the async form of a waiting
    /// [`submit`](Self::submit)).
    ///
    /// ```
    /// use spindle_core::wait::block_on;
    /// let pool = spindle_std::pool::ThreadPool::new(1).unwrap();
    /// let v = block_on(async {
    ///     let h = pool.submit_async(|| 9).await.unwrap();
    ///     h.await
    /// });
    /// assert_eq!(v, Ok(9));
    /// ```
    pub async fn submit_async<F, R>(&self, f: F) -> Result<TaskHandle<R>, SubmitError<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        if self.is_shut_down() {
            return Err(SubmitError::ShutDown(f));
        }
        if let Some(room) = &self.shared.room {
            // The room closes at shutdown, which wakes this wait.
            match room.acquire().await {
                Ok(permit) => permit.forget(),
                Err(_) => return Err(SubmitError::ShutDown(f)),
            }
        }
        self.enqueue(f)
    }

    /// Submits `f`, waiting for room whatever the policy (for `map` and `scope`).
    pub(crate) fn submit_waiting<F, R>(&self, f: F) -> Result<TaskHandle<R>, SubmitError<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.submit_with(f, Room::Wait)
    }

    fn submit_with<F, R>(&self, f: F, wait: Room) -> Result<TaskHandle<R>, SubmitError<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        if self.is_shut_down() {
            return Err(SubmitError::ShutDown(f));
        }
        if let Some(room) = &self.shared.room {
            // Shutdown closes the room: a submitter waiting for room wakes at once
            // with `Closed` (no polling for the shutdown).
            let got = match wait {
                Room::Wait => room.acquire_blocking().map_err(|_| RoomRefused::Closed),
                Room::Try => room.try_acquire().map_err(|e| match e {
                    TryAcquireError::NoPermits => RoomRefused::Full,
                    _ => RoomRefused::Closed,
                }),
                Room::Timeout(d) => room.acquire_timeout(d).map_err(|e| match e {
                    AcquireTimeoutError::TimedOut => RoomRefused::Full,
                    _ => RoomRefused::Closed,
                }),
            };
            match got {
                Ok(permit) => permit.forget(),
                Err(RoomRefused::Closed) => return Err(SubmitError::ShutDown(f)),
                Err(RoomRefused::Full) => return Err(SubmitError::Full(f)),
            }
        }
        self.enqueue(f)
    }

    /// Queues `f`; room (if bounded) is already reserved.
    fn enqueue<F, R>(&self, f: F) -> Result<TaskHandle<R>, SubmitError<F>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let task = Arc::new(Task::new(f));
        let job: Job = task.clone();
        match self.shared.push(job) {
            Ok(()) => Ok(TaskHandle::new(task)),
            Err(job) => {
                drop(job);
                self.shared.release_room();
                match task.take_closure() {
                    Some(f) => Err(SubmitError::ShutDown(f)),
                    // Unreachable: nobody else saw the task.
                    None => Ok(TaskHandle::new(task)),
                }
            }
        }
    }
}
