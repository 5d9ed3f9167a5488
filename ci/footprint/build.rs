//! Links the program the way firmware is linked: no C runtime start files, no libc,
//! nothing dynamic. `_start` is ours (src/main.rs). `-no-pie` overrides rustc's
//! default position-independent executable: a static PIE needs a C runtime to apply
//! its own relocations, and there is none here.
fn main() {
    for arg in ["-nostartfiles", "-nostdlib", "-static", "-no-pie"] {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
