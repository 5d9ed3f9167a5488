//! Recipe 12.13: `cargo run -p spindle-cookbook --example r12_13_poll_queues`.

fn main() -> std::io::Result<()> {
    spindle_cookbook::r12_13_poll_queues::run(&mut std::io::stdout().lock())
}
