//! `radlearn`: a thin command line over the RadLearn crates, for instructors and benchmarks.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use radlearn_course::compile::{compile_course, Severity};

#[derive(Parser)]
#[command(name = "radlearn", version, about = "RadLearn: radiomics and machine learning lessons, from the command line")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Work with the course's Markdown lessons.
    Lessons {
        #[command(subcommand)]
        action: LessonsAction,
    },
}

#[derive(Subcommand)]
enum LessonsAction {
    /// Check every lesson exactly as the site build does, and list each problem as file:line.
    Check {
        /// The lessons folder (`NN-name.md` files or `NN-name/lesson.md` folders).
        #[arg(default_value = "lessons")]
        dir: PathBuf,
        /// Treat warnings (formula errors, unknown widgets) as errors.
        #[arg(long)]
        deny_warnings: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Lessons { action: LessonsAction::Check { dir, deny_warnings } } => lessons_check(dir, deny_warnings),
    }
}

fn lessons_check(dir: PathBuf, deny_warnings: bool) -> ExitCode {
    // Paths in messages are relative to the folder that holds the lessons folder, like the build's.
    let dir = dir.components().as_path().to_path_buf();
    let root = dir
        .parent()
        .map(|p| if p.as_os_str().is_empty() { PathBuf::from(".") } else { p.to_path_buf() })
        .unwrap_or_else(|| PathBuf::from("."));
    let Some(name) = dir.file_name().map(|n| n.to_string_lossy().to_string()) else {
        eprintln!("error: `{}` is not a folder name; pass the lessons folder, e.g. `radlearn lessons check lessons`", dir.display());
        return ExitCode::from(2);
    };
    match compile_course(&root, &name) {
        Ok(compiled) => {
            for w in &compiled.warnings {
                eprintln!("{w}");
            }
            let quizzes: usize = compiled.course.lessons.iter().map(|l| l.quiz_count).sum();
            let failed = deny_warnings && !compiled.warnings.is_empty();
            println!(
                "{} {} lessons, {quizzes} quizzes, {} warnings",
                if failed { "FAILED:" } else { "ok:" },
                compiled.course.lessons.len(),
                compiled.warnings.len()
            );
            if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(diags) => {
            for d in &diags {
                eprintln!("{d}");
            }
            let errors = diags.iter().filter(|d| d.severity == Severity::Error).count();
            eprintln!("FAILED: {errors} errors");
            ExitCode::FAILURE
        }
    }
}
