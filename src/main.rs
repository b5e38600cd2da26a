//! The `shiwa` binary: everything lives in the library; see `shiwa::cli`.
fn main() -> std::process::ExitCode {
    shiwa::cli::main()
}
