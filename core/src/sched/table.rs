//! The task table: which task sits in which slot. Touched only on the scheduler's
//! thread (see `RunQueue`'s `Sync` impl).
//!
//! Tasks are linked both ways, like the nodes of an intrusive list: the table points
//! at each task, and each task (through a [`Link`]) at its table slot. A task that is
//! dropped unlinks itself, and a scheduler that is dropped unlinks every task, so
//! neither ever follows a pointer to something gone. That is why the scheduler needs
//! no lifetime tying it to its tasks' storage: tasks may borrow the scheduler, and
//! the scheduler may be dropped before or after them.

use core::cell::Cell;
use core::ptr::NonNull;

use super::task::DynTask;

/// A task in a slot.
#[derive(Clone, Copy)]
pub(crate) struct TaskEntry {
    /// The task. Its real lifetime is erased: the link protocol keeps it valid.
    pub(crate) task: NonNull<dyn DynTask>,
    /// Whether the scheduler owns it (a `Box` to free when it is over).
    #[cfg_attr(not(feature = "alloc"), allow(dead_code))]
    pub(crate) boxed: bool,
}

/// The slots.
pub(crate) struct TaskTable<const N: usize> {
    pub(crate) slots: [Cell<Option<TaskEntry>>; N],
    pub(crate) live: Cell<usize>,
}

impl<const N: usize> TaskTable<N> {
    pub(crate) const fn new() -> Self {
        Self {
            slots: [const { Cell::new(None) }; N],
            live: Cell::new(0),
        }
    }

    /// The link a task in slot `i` keeps.
    pub(crate) fn link(&self, i: usize) -> Link {
        Link {
            slot: NonNull::from(&self.slots[i]),
            live: NonNull::from(&self.live),
        }
    }

    /// Puts `entry` in slot `i`.
    pub(crate) fn occupy(&self, i: usize, entry: TaskEntry) {
        debug_assert!(self.slots[i].get().is_none());
        self.slots[i].set(Some(entry));
        self.live.set(self.live.get() + 1);
    }

    /// Empties slot `i`, returning what was there.
    pub(crate) fn vacate(&self, i: usize) -> Option<TaskEntry> {
        let entry = self.slots[i].take();
        if entry.is_some() {
            self.live.set(self.live.get() - 1);
        }
        entry
    }
}

/// A task's way back to its slot, to unlink itself when dropped.
#[derive(Clone, Copy)]
pub(crate) struct Link {
    slot: NonNull<Cell<Option<TaskEntry>>>,
    live: NonNull<Cell<usize>>,
}

impl Link {
    /// Empties the slot.
    ///
    /// # Safety
    /// The table is alive: the link was not cleared by the scheduler (which clears
    /// every link before it lets go of its table), and this is the table's thread.
    pub(crate) unsafe fn unlink(self) {
        // SAFETY: passed on from the caller.
        let (slot, live) = unsafe { (self.slot.as_ref(), self.live.as_ref()) };
        if slot.take().is_some() {
            live.set(live.get() - 1);
        }
    }
}
