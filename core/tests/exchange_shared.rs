//! `SharedRegistry`: the growable (`alloc`) registry of named exchanges and its
//! pattern subscriptions.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use spindle_core::exchange::{
    from_fn, InvalidTopic, Overflow, SharedRegistry, Subscriber, SubscriberRef,
};
use spindle_core::queue::Queue;
use spindle_core::raw::CriticalSectionRawMutex as Cs;

/// A `'static` subscriber counting what it gets, and the counter.
fn counter() -> (SubscriberRef<'static, u32>, &'static AtomicUsize) {
    let count: &'static AtomicUsize = Box::leak(Box::new(AtomicUsize::new(0)));
    let sub: &'static (dyn Subscriber<u32> + Sync) = Box::leak(Box::new(from_fn(|_: &u32| {
        count.fetch_add(1, Ordering::Relaxed);
    })));
    (sub, count)
}

#[test]
fn grows_beyond_any_fixed_count() {
    let reg: SharedRegistry<Cs, u32, 2> = SharedRegistry::new();
    assert!(reg.is_empty());
    let made: Vec<_> = (0..100)
        .map(|n| reg.exchange(&format!("ex/{n}")).unwrap())
        .collect();
    assert_eq!(reg.len(), 100);
    for (n, ex) in made.iter().enumerate() {
        let again = reg.exchange(&format!("ex/{n}")).unwrap();
        assert!(Arc::ptr_eq(ex, &again));
        assert!(Arc::ptr_eq(ex, &reg.get(&format!("ex/{n}")).unwrap()));
    }
    assert_eq!(reg.len(), 100);
    assert!(reg.get("ex/100").is_none());
    // Clones share the exchanges.
    let other = reg.clone();
    other.exchange("ex/100").unwrap();
    assert_eq!(reg.len(), 101);
}

#[test]
fn pattern_follows_existing_and_later_exchanges() {
    static TEMPS: Queue<Cs, u32, 256> = Queue::new();
    let reg: SharedRegistry<Cs, u32, 4> = SharedRegistry::new();
    let first = reg.exchange("sensors/r0/temp").unwrap();
    let sub = reg
        .subscribe_pattern("sensors/+/temp", &TEMPS, Overflow::Wait)
        .unwrap();
    assert_eq!(sub.attached(), 1);
    let later: Vec<_> = (1..100)
        .map(|n| reg.exchange(&format!("sensors/r{n}/temp")).unwrap())
        .collect();
    let humidity = reg.exchange("sensors/r1/humidity").unwrap();
    assert_eq!(sub.attached(), 100);
    assert_eq!(sub.missed(), 0);

    first.try_send(0).unwrap();
    for (n, ex) in later.iter().enumerate() {
        ex.try_send(n as u32 + 1).unwrap();
    }
    humidity.try_send(1000).unwrap();
    for n in 0..100 {
        assert_eq!(TEMPS.try_recv(), Ok(n));
    }
    assert_eq!(TEMPS.len(), 0);
    assert_eq!(sub.stats().delivered, 100);
    assert_eq!(sub.unsubscribe().delivered, 100);
}

#[test]
fn dropping_the_guard_detaches_everywhere() {
    let (sub, count) = counter();
    let reg: SharedRegistry<Cs, u32, 4> = SharedRegistry::new();
    let before = reg.exchange("a/before").unwrap();
    let guard = reg.subscribe_pattern("a/#", sub, Overflow::Wait).unwrap();
    let after = reg.exchange("a/after").unwrap();
    let deep = reg.exchange("a/deep/er").unwrap();
    for ex in [&before, &after, &deep] {
        assert_eq!(ex.len(), 1);
        ex.try_send(1).unwrap();
    }
    assert_eq!(count.load(Ordering::Relaxed), 3);

    drop(guard);
    for ex in [&before, &after, &deep] {
        assert_eq!(ex.len(), 0);
        ex.try_send(2).unwrap();
    }
    // Exchanges created after the drop are not followed either.
    let newer = reg.exchange("a/newer").unwrap();
    assert_eq!(newer.len(), 0);
    newer.try_send(3).unwrap();
    assert_eq!(count.load(Ordering::Relaxed), 3);
}

#[test]
fn guard_may_outlive_the_registry() {
    let (sub, count) = counter();
    let reg: SharedRegistry<Cs, u32, 4> = SharedRegistry::new();
    let kept = reg.exchange("kept").unwrap();
    let guard = reg.subscribe_pattern("#", sub, Overflow::Wait).unwrap();
    reg.exchange("dropped").unwrap();
    assert_eq!(guard.attached(), 2);
    drop(reg); // "dropped" goes with it; `kept` is still ours
    kept.try_send(1).unwrap();
    assert_eq!(guard.stats().delivered, 1);
    assert_eq!(guard.unsubscribe().delivered, 1);
    kept.try_send(2).unwrap();
    assert_eq!(count.load(Ordering::Relaxed), 1);
    assert!(kept.is_empty());
}

#[test]
fn full_exchanges_are_missed_not_errors() {
    let (sub, _) = counter();
    let reg: SharedRegistry<Cs, u32, 1> = SharedRegistry::new();
    let _one = reg.subscribe_pattern("x/+", sub, Overflow::Wait).unwrap();
    let two = reg.subscribe_pattern("x/+", sub, Overflow::Wait).unwrap();
    reg.exchange("x/1").unwrap();
    reg.exchange("x/2").unwrap();
    assert_eq!((two.attached(), two.missed()), (0, 2));
}

#[test]
fn invalid_names_and_patterns_are_errors() {
    let (sub, _) = counter();
    let reg: SharedRegistry<Cs, u32, 2> = SharedRegistry::new();
    for name in ["", "a/+", "a/#", "a+b", "#"] {
        assert_eq!(reg.exchange(name).unwrap_err(), InvalidTopic);
        assert!(reg.get(name).is_none());
    }
    assert!(reg.is_empty());
    for pattern in ["", "a/#/b", "a+", "a/b#", "##"] {
        assert_eq!(
            reg.subscribe_pattern(pattern, sub, Overflow::Wait)
                .unwrap_err(),
            InvalidTopic
        );
    }
    // Nothing was registered by the failed subscriptions.
    let ex = reg.exchange("a/b").unwrap();
    assert!(ex.is_empty());
}

#[test]
fn concurrent_creation_and_unsubscribe() {
    let (sub, count) = counter();
    let reg: SharedRegistry<Cs, u32, 4> = SharedRegistry::new();
    std::thread::scope(|s| {
        for t in 0..4 {
            let reg = reg.clone();
            s.spawn(move || {
                for n in 0..50 {
                    reg.exchange(&format!("t{t}/{n}")).unwrap();
                }
            });
        }
        for _ in 0..20 {
            let guard = reg.subscribe_pattern("#", sub, Overflow::Wait).unwrap();
            drop(guard);
        }
    });
    assert_eq!(reg.len(), 200);
    for t in 0..4 {
        for n in 0..50 {
            let ex = reg.get(&format!("t{t}/{n}")).unwrap();
            assert!(ex.is_empty(), "t{t}/{n} still has a subscriber");
            ex.try_send(1).unwrap();
        }
    }
    assert_eq!(count.load(Ordering::Relaxed), 0);
}
