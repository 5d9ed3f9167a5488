//! Recipe 12.7: `cargo run -p spindle-cookbook --example r12_07_thread_pool`.

fn main() -> std::io::Result<()> {
    spindle_cookbook::r12_07_thread_pool::run(&mut std::io::stdout().lock())
}
