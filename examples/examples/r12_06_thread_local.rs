//! Recipe 12.6: `cargo run -p spindle-cookbook --example r12_06_thread_local`.

fn main() -> std::io::Result<()> {
    spindle_cookbook::r12_06_thread_local::run(&mut std::io::stdout().lock())
}
