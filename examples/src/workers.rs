//! The tasks the `spindle` binary's worker processes run (recipe 12.8's process
//! pool): one registry, given to `spindle_std::process::init` first thing in `main`
//! by the binary and the examples, so the parent and its workers agree on every
//! task's name and types. A recipe with process tasks adds one line here.

use spindle_std::process::Registry;

/// Every process task of the cookbook.
///
/// ```
/// let r = spindle_cookbook::workers::registry();
/// assert!(r.contains(spindle_cookbook::r12_08_process_pool::COUNT_PRIMES.name()));
/// ```
pub fn registry() -> Registry {
    let r = Registry::new();
    let r = crate::robots::register(r);
    crate::r12_08_process_pool::register(r)
}
