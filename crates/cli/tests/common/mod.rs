//! What the command line's test suites share: running the built `radlearn` binary and reading what it printed.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the built binary with `args`.
pub fn radlearn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_radlearn")).args(args).output().expect("the radlearn binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("UTF-8 output")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A path named `name` in this process's scratch folder for `suite`.
pub fn scratch(suite: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("radlearn-cli-{suite}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    dir.join(name)
}
