//! Helpers shared by the integration tests.

use std::process::{Command, Output};

/// Runs the `jobspec` binary in the crate's folder.
pub(crate) fn jobspec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jobspec"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}
