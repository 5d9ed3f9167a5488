//! Recipe 12.3: `cargo run -p spindle-cookbook --example r12_03_queues`.

fn main() -> std::io::Result<()> {
    spindle_cookbook::r12_03_queues::run(&mut std::io::stdout().lock())
}
