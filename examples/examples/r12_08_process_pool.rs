//! Recipe 12.8: `cargo run -p spindle-cookbook --example r12_08_process_pool`.

fn main() -> std::io::Result<()> {
    // The workers are this example re-run: this call makes them serve tasks.
    spindle_std::process::init(spindle_cookbook::workers::registry());
    spindle_cookbook::r12_08_process_pool::run(&mut std::io::stdout().lock())
}
