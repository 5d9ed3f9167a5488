//! # spindle-cookbook
//!
//! The recipes of the Python Cookbook's chapter 12 ("Concurrency"), each rewritten
//! with spindle and runnable as a short demo that reports what it did and what it
//! measured. Every recipe is a module named after the book's numbering
//! (`r12_04_locks` serves recipe 12.4) with a [`run`](r12_04_locks::run) function
//! that writes one readable section to any [`Write`]; the [`RECIPES`] registry
//! lists them in the book's order for the `spindle` command
//! (`spindle tour`, `spindle run 12.4`, `spindle list`) and for the
//! `cargo run --example r12_04_locks` examples.
//!
//! ```
//! let mut out = Vec::new();
//! let recipe = spindle_cookbook::find("12.4").expect("12.4 is registered");
//! (recipe.run)(&mut out).unwrap();
//! let text = String::from_utf8(out).unwrap();
//! assert!(text.starts_with("== 12.4 "));
//! ```
#![warn(missing_docs)]

use std::io::{self, Write};
use std::time::Duration;

pub mod r12_01_threads;
pub mod r12_02_events;
pub mod r12_03_queues;
pub mod r12_04_locks;
pub mod r12_05_deadlock;
pub mod r12_06_thread_local;
pub mod r12_07_thread_pool;
#[cfg(unix)]
pub mod r12_08_process_pool;
pub mod r12_09_offload;
pub mod r12_10_actors;
pub mod r12_11_pubsub;
pub mod r12_12_generators;
#[cfg(unix)]
pub mod r12_13_poll_queues;
#[cfg(unix)]
pub mod r12_14_daemon;
pub mod robots;
#[cfg(all(unix, feature = "nats"))]
pub mod worker;
#[cfg(unix)]
pub mod workers;

/// A recipe's entry in the [`RECIPES`] registry.
#[derive(Debug, Clone, Copy)]
pub struct Recipe {
    /// The book's number, e.g. `"12.4"`.
    pub id: &'static str,
    /// The module (and example) name, e.g. `"r12_04_locks"`.
    pub name: &'static str,
    /// A short title, shown in the section heading and by `spindle list`.
    pub title: &'static str,
    /// Runs the demo and writes its section (heading first) to the writer.
    pub run: fn(&mut dyn Write) -> io::Result<()>,
}

impl Recipe {
    /// The section heading the recipe's `run` writes first, e.g.
    /// `== 12.4 Locks: guarding critical sections ==`.
    ///
    /// ```
    /// let r = spindle_cookbook::find("12.5").unwrap();
    /// assert!(r.heading().starts_with("== 12.5 "));
    /// ```
    pub fn heading(&self) -> String {
        heading(self.id, self.title)
    }

    /// Whether `query` names this recipe: its id (`12.4`, also `12.04`), its
    /// module name (`r12_04_locks`) or the name's numeric prefix (`r12_04`),
    /// ignoring case and surrounding spaces.
    ///
    /// ```
    /// let r = spindle_cookbook::find("r12_04").unwrap();
    /// assert!(r.matches("12.4") && r.matches("R12_04_LOCKS") && !r.matches("12.5"));
    /// ```
    pub fn matches(&self, query: &str) -> bool {
        let q = query.trim().to_ascii_lowercase();
        if q.is_empty() {
            return false;
        }
        if q == self.id || q == self.name {
            return true;
        }
        // `12.04` for `12.4`, `r12_04` for `r12_04_locks`.
        let prefix = self
            .name
            .splitn(3, '_')
            .take(2)
            .collect::<Vec<_>>()
            .join("_");
        if q == prefix {
            return true;
        }
        match (q.split_once('.'), self.id.split_once('.')) {
            (Some((qa, qb)), Some((ia, ib))) => {
                let num = |s: &str| s.parse::<u32>().ok();
                num(qa).is_some() && num(qa) == num(ia) && num(qb).is_some() && num(qb) == num(ib)
            }
            _ => false,
        }
    }
}

/// Every recipe, in the book's order. Later recipes are added here as their
/// modules arrive.
pub const RECIPES: &[Recipe] = &[
    Recipe {
        id: r12_01_threads::ID,
        name: r12_01_threads::NAME,
        title: r12_01_threads::TITLE,
        run: r12_01_threads::run,
    },
    Recipe {
        id: r12_02_events::ID,
        name: r12_02_events::NAME,
        title: r12_02_events::TITLE,
        run: r12_02_events::run,
    },
    Recipe {
        id: r12_03_queues::ID,
        name: r12_03_queues::NAME,
        title: r12_03_queues::TITLE,
        run: r12_03_queues::run,
    },
    Recipe {
        id: r12_04_locks::ID,
        name: r12_04_locks::NAME,
        title: r12_04_locks::TITLE,
        run: r12_04_locks::run,
    },
    Recipe {
        id: r12_05_deadlock::ID,
        name: r12_05_deadlock::NAME,
        title: r12_05_deadlock::TITLE,
        run: r12_05_deadlock::run,
    },
    Recipe {
        id: r12_06_thread_local::ID,
        name: r12_06_thread_local::NAME,
        title: r12_06_thread_local::TITLE,
        run: r12_06_thread_local::run,
    },
    Recipe {
        id: r12_07_thread_pool::ID,
        name: r12_07_thread_pool::NAME,
        title: r12_07_thread_pool::TITLE,
        run: r12_07_thread_pool::run,
    },
    #[cfg(unix)]
    Recipe {
        id: r12_08_process_pool::ID,
        name: r12_08_process_pool::NAME,
        title: r12_08_process_pool::TITLE,
        run: r12_08_process_pool::run,
    },
    Recipe {
        id: r12_09_offload::ID,
        name: r12_09_offload::NAME,
        title: r12_09_offload::TITLE,
        run: r12_09_offload::run,
    },
    Recipe {
        id: r12_10_actors::ID,
        name: r12_10_actors::NAME,
        title: r12_10_actors::TITLE,
        run: r12_10_actors::run,
    },
    Recipe {
        id: r12_11_pubsub::ID,
        name: r12_11_pubsub::NAME,
        title: r12_11_pubsub::TITLE,
        run: r12_11_pubsub::run,
    },
    Recipe {
        id: r12_12_generators::ID,
        name: r12_12_generators::NAME,
        title: r12_12_generators::TITLE,
        run: r12_12_generators::run,
    },
    #[cfg(unix)]
    Recipe {
        id: r12_13_poll_queues::ID,
        name: r12_13_poll_queues::NAME,
        title: r12_13_poll_queues::TITLE,
        run: r12_13_poll_queues::run,
    },
    #[cfg(unix)]
    Recipe {
        id: r12_14_daemon::ID,
        name: r12_14_daemon::NAME,
        title: r12_14_daemon::TITLE,
        run: r12_14_daemon::run,
    },
];

/// The recipe that `query` names (see [`Recipe::matches`]), if any.
///
/// ```
/// assert_eq!(spindle_cookbook::find("12.2").unwrap().name, "r12_02_events");
/// assert!(spindle_cookbook::find("12.99").is_none());
/// ```
pub fn find(query: &str) -> Option<&'static Recipe> {
    RECIPES.iter().find(|r| r.matches(query))
}

/// The heading line of a section.
fn heading(id: &str, title: &str) -> String {
    format!("== {id} {title} ==")
}

/// Writes the heading of the recipe `id`/`title`.
fn write_heading(out: &mut dyn Write, id: &str, title: &str) -> io::Result<()> {
    writeln!(out, "{}", heading(id, title))
}

/// A duration in milliseconds with one decimal, e.g. `12.3 ms`.
fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// A demo's check failed: an error value, never a panic.
fn failed(msg: impl Into<String>) -> io::Error {
    io::Error::other(msg.into())
}

/// Joins a scoped demo thread, turning a panic into an error value.
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>, what: &str) -> io::Result<T> {
    handle
        .join()
        .map_err(|_| failed(format!("{what} thread panicked")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_in_book_order_and_unique() {
        let ids: Vec<_> = RECIPES.iter().map(|r| r.id).collect();
        assert_eq!(
            ids,
            [
                "12.1", "12.2", "12.3", "12.4", "12.5", "12.6", "12.7", "12.8", "12.9", "12.10",
                "12.11", "12.12", "12.13", "12.14"
            ]
        );
        for r in RECIPES {
            assert_eq!(find(r.id).map(|f| f.name), Some(r.name));
            assert_eq!(find(r.name).map(|f| f.id), Some(r.id));
            assert!(r.name.starts_with(&format!("r12_{:0>2}_", &r.id[3..])));
        }
    }

    #[test]
    fn lookup_forms() {
        assert_eq!(find(" 12.04 ").map(|r| r.id), Some("12.4"));
        assert_eq!(find("R12_05").map(|r| r.id), Some("12.5"));
        for bad in ["", "12", "12.", "12.x", "r12", "r12_99", "12.98", "locks"] {
            assert!(find(bad).is_none(), "{bad:?} should not match");
        }
    }

    #[test]
    fn ms_has_one_decimal() {
        assert_eq!(ms(Duration::from_micros(12_345)), "12.3 ms");
        assert_eq!(ms(Duration::ZERO), "0.0 ms");
    }
}
