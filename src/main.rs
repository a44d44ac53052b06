//! The `redflag` command-line tool: a thin layer over the library. Arguments are parsed in
//! `cli::args` (clap), turned into library calls in `cli::*`, and errors are printed with
//! their causes. Exit codes: 0 all records scored, 1 some records were error records,
//! 2 usage, I/O or model error.

#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
