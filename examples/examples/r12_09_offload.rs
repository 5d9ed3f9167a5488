//! Recipe 12.9: `cargo run -p spindle-cookbook --example r12_09_offload`.

fn main() -> std::io::Result<()> {
    spindle_cookbook::r12_09_offload::run(&mut std::io::stdout().lock())
}
