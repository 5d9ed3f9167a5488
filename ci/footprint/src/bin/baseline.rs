//! The shared runtime and board alone: subtracted from every other program.
#![no_std]
#![no_main]

#[allow(dead_code)] // the board is shared: each program uses part of it
#[path = "../../../freestanding/src/board.rs"]
mod board;
#[path = "../rt.rs"]
mod rt;

fn program(n: u32) -> u32 {
    n
}
