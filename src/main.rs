//! The `semcurate` binary: parse, run, print the error chain, map to an exit code.

fn main() -> std::process::ExitCode {
    semcurate::cli::main()
}
