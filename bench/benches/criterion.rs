//! Criterion reports over the same cases as the quick harness: one group per case,
//! with spindle and each peer as functions in it. Every side times itself
//! (`iter_custom`), so thread spawning stays outside the measurement.
//!
//! `cargo bench -p spindle-bench` runs them all; `cargo bench -p spindle-bench --
//! mutex` filters as criterion does.

use criterion::{criterion_group, criterion_main, Criterion};
use spindle_bench::cases;

fn bench_cases(c: &mut Criterion) {
    for case in cases() {
        let mut group = c.benchmark_group(case.name);
        let spindle = case.spindle;
        group.bench_function("spindle", |b| b.iter_custom(spindle));
        for peer in &case.peers {
            let side = peer.side;
            group.bench_function(peer.name, |b| b.iter_custom(side));
        }
        group.finish();
    }
}

criterion_group!(benches, bench_cases);
criterion_main!(benches);
