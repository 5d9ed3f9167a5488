use spindle_core::sync::ordered::{acquire, LockOrderError, OrderedMutex, MAX_HELD};

use crate::support::P;

type M = OrderedMutex<P, u32>;

fn sorted<'a>(a: &'a M, b: &'a M) -> (&'a M, &'a M) {
    if a.rank() < b.rank() {
        (a, b)
    } else {
        (b, a)
    }
}

#[test]
fn guards_come_back_in_named_order() {
    let x = M::new("x", 1);
    let y = M::new("y", 2);
    let mut g = acquire([&y, &x]).unwrap();
    assert_eq!((g[0], g[1]), (2, 1));
    g[0] += 10;
    assert_eq!(g.get(2), None);
    drop(g);
    assert_eq!(acquire([&y]).unwrap()[0], 12);
}

#[test]
fn nested_violation_names_both_locks() {
    let a = M::new("first", 0);
    let b = M::new("second", 0);
    let (low, high) = sorted(&a, &b);
    let outer = acquire([high]).unwrap();
    let err = acquire([low]).unwrap_err();
    assert_eq!(
        err,
        LockOrderError::Violation {
            held: high.name(),
            wanted: low.name()
        }
    );
    let text = err.to_string();
    assert!(
        text.contains(high.name()) && text.contains(low.name()),
        "{text}"
    );
    drop(outer);
    // In order, nesting is fine; and after release the set is forgotten.
    let o = acquire([low]).unwrap();
    let i = acquire([high]).unwrap();
    drop(i);
    drop(o);
}

#[test]
fn duplicates_and_capacity_are_errors() {
    let a = M::new("a", 0);
    assert_eq!(
        acquire([&a, &a]).unwrap_err(),
        LockOrderError::Duplicate { name: "a" }
    );
    let many: Vec<M> = (0..=MAX_HELD).map(|_| M::new("m", 0)).collect();
    let mut refs: Vec<&M> = many.iter().collect();
    refs.sort_by_key(|m| m.rank());
    let arr: [&M; MAX_HELD] = refs[..MAX_HELD].try_into().unwrap();
    let g = acquire(arr).unwrap();
    assert_eq!(
        acquire([refs[MAX_HELD]]).unwrap_err(),
        LockOrderError::TooManyHeld
    );
    drop(g);
    assert!(acquire([refs[MAX_HELD]]).is_ok());
}

#[test]
fn opposite_orders_in_two_threads_do_not_deadlock() {
    let x = M::new("x", 0);
    let y = M::new("y", 0);
    std::thread::scope(|s| {
        s.spawn(|| {
            for _ in 0..20_000 {
                let mut g = acquire([&x, &y]).unwrap();
                g[0] += 1;
                g[1] += 1;
            }
        });
        s.spawn(|| {
            for _ in 0..20_000 {
                let mut g = acquire([&y, &x]).unwrap();
                g[0] += 1;
                g[1] += 1;
            }
        });
    });
    assert_eq!(acquire([&x, &y]).unwrap()[0], 40_000);
}

#[test]
fn dining_philosophers_finish() {
    let forks: Vec<M> = (0..5).map(|_| M::new("fork", 0)).collect();
    let meals = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for p in 0..5 {
            let (left, right) = (&forks[p], &forks[(p + 1) % 5]);
            let meals = &meals;
            s.spawn(move || {
                for _ in 0..500 {
                    let mut g = acquire([left, right]).unwrap();
                    g[0] += 1;
                    g[1] += 1;
                    meals.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
    });
    assert_eq!(meals.into_inner(), 2500);
    let total: u32 = forks.iter().map(|f| acquire([f]).unwrap()[0]).sum();
    assert_eq!(total, 5000);
}

#[test]
fn locks_of_different_types_are_taken_together() {
    let count = M::new("count", 1);
    let log: OrderedMutex<P, Vec<String>> = OrderedMutex::new("log", Vec::new());
    let flag: OrderedMutex<P, bool> = OrderedMutex::new("flag", false);
    {
        let (mut n, mut lines, mut f) = acquire((&count, &log, &flag)).unwrap();
        *n += 1;
        lines.push(format!("count is {}", *n));
        *f = true;
        // Every one of them is held now, whatever type it guards.
        assert_eq!(
            acquire([&count]).unwrap_err(),
            LockOrderError::AlreadyHeld { name: "count" }
        );
        assert_eq!(
            acquire((&flag,)).unwrap_err(),
            LockOrderError::AlreadyHeld { name: "flag" }
        );
    }
    // Released on drop, and named in another order they still come back as named.
    let (lines, n) = acquire((&log, &count)).unwrap();
    assert_eq!((lines.as_slice(), *n), (&["count is 2".to_string()][..], 2));
    drop((lines, n));
    let d = OrderedMutex::<P, u8>::new("d", 0);
    assert_eq!(
        acquire((&count, &d, &count)).unwrap_err(),
        LockOrderError::Duplicate { name: "count" }
    );
}

#[test]
fn reacquiring_a_held_lock_has_its_own_error() {
    let x = M::new("x_lock", 0);
    let g = acquire([&x]).unwrap();
    let err = acquire([&x]).unwrap_err();
    assert_eq!(err, LockOrderError::AlreadyHeld { name: "x_lock" });
    assert_eq!(
        err.to_string(),
        "lock `x_lock` requested again while this context holds it (ordered locks are not reentrant)"
    );
    drop(g);
    assert!(acquire([&x]).is_ok());
}
