//! The `att-coord` binary: parses the command line and hands over to the `api` crate.

use std::process::ExitCode;

fn main() -> ExitCode {
    api::cli::main()
}
