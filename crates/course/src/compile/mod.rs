//! The lesson compiler: Markdown with TOML front matter and interactive blocks, to [`Lesson`].
//!
//! One function ([`markdown_options`]) decides the Markdown dialect. Each lesson goes through
//! front matter -> Markdown events -> blocks; every problem becomes a [`Diagnostic`] with
//! `file:line`. Errors (bad front matter, an unknown block type, an invalid quiz, a missing
//! image) fail the build; warnings (a formula that does not parse, an unknown widget) are also
//! shown in the page, where the author will see them.
//!
//! The compiler's parts: [`front_matter`], the Markdown [`options`] and the walk over its events ([`body`]), the
//! fenced [`blocks`] (`quiz`, `exercise`), code [`highlight`]ing and [`math`].

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use crate::{Block, Course, Lesson};

mod blocks;
mod body;
mod front_matter;
mod highlight;
mod math;
mod options;

pub use body::slugify;
pub use options::markdown_options;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The build fails.
    Error,
    /// The page shows the problem; the build goes on.
    Warning,
}

/// A problem in a lesson, located by file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub line: usize,
    pub severity: Severity,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}:{}: {sev}: {}", self.file, self.line, self.message)
    }
}

/// Maps byte offsets of the source to 1-based line numbers.
struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    fn new(src: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}

struct Ctx<'a> {
    file: &'a str,
    slug: &'a str,
    /// Folder of the lesson relative to the site root, for images.
    dir: String,
    diags: Vec<Diagnostic>,
    asset_exists: &'a dyn Fn(&str) -> bool,
}

impl Ctx<'_> {
    fn error(&mut self, line: usize, message: impl Into<String>) {
        self.diags.push(Diagnostic { file: self.file.to_string(), line, severity: Severity::Error, message: message.into() });
    }
    fn warning(&mut self, line: usize, message: impl Into<String>) {
        self.diags.push(Diagnostic { file: self.file.to_string(), line, severity: Severity::Warning, message: message.into() });
    }
    fn anchor(&self, id: &str) -> String {
        format!("#/lesson/{}/{}", self.slug, id)
    }
}

/// Compiles one lesson.
///
/// `file` is the path shown in diagnostics and the base for images (`lessons/02-x/lesson.md`
/// makes `![](hist.svg)` load `lessons/02-x/hist.svg`); `asset_exists` answers whether such a
/// path exists. Returns the lesson and its warnings, or every diagnostic if there is an error.
pub fn compile_lesson(
    file: &str,
    slug: &str,
    src: &str,
    asset_exists: &dyn Fn(&str) -> bool,
) -> Result<(Lesson, Vec<Diagnostic>), Vec<Diagnostic>> {
    let dir = Path::new(file).parent().map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_default();
    let mut ctx = Ctx { file, slug, dir, diags: Vec::new(), asset_exists };
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let lines = Lines::new(src);

    let Some((fm_text, body_start)) = front_matter::split(src) else {
        ctx.error(
            1,
            "a lesson starts with TOML front matter between two `+++` lines (title, summary, minutes, objectives, prerequisites, language)",
        );
        return Err(ctx.diags);
    };
    let meta = front_matter::check(&mut ctx, fm_text, slug, file);
    let (blocks, toc) = body::body(&mut ctx, src, body_start, &lines);
    options::check_admonition_markers(&mut ctx, src);

    if ctx.diags.iter().any(|d| d.severity == Severity::Error) {
        return Err(ctx.diags);
    }
    let Some(mut meta) = meta else { return Err(ctx.diags) };
    let lesson_quizzes = blocks.iter().filter(|b| matches!(b, Block::Quiz(_))).count();
    meta.quiz_count = lesson_quizzes;
    Ok((Lesson { meta, toc, blocks }, ctx.diags))
}

/// A compiled course with the warnings found on the way.
#[derive(Debug)]
pub struct CompiledCourse {
    pub course: Course,
    pub lessons: Vec<Lesson>,
    pub warnings: Vec<Diagnostic>,
}

/// Compiles every lesson under `root/lessons_dir`: `NN-slug.md` files or `NN-slug/lesson.md`
/// folders, ordered by their numeric prefix. Paths in diagnostics are relative to `root`.
pub fn compile_course(root: &Path, lessons_dir: &str) -> Result<CompiledCourse, Vec<Diagnostic>> {
    let dir = root.join(lessons_dir);
    let mut diags = Vec::new();
    let diag = |file: String, message: String| Diagnostic { file, line: 1, severity: Severity::Error, message };
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) => return Err(vec![diag(lessons_dir.to_string(), format!("cannot read the lessons folder: {e}"))]),
    };
    let mut found: Vec<(u32, String, String)> = Vec::new(); // (order, slug, relative file)
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let path = entry.path();
        let rel = format!("{lessons_dir}/{name}");
        let (stem, file) = if path.is_dir() {
            if !path.join("lesson.md").is_file() {
                diags.push(diag(rel, "a lesson folder needs a `lesson.md` file".into()));
                continue;
            }
            (name.clone(), format!("{rel}/lesson.md"))
        } else if let Some(stem) = name.strip_suffix(".md") {
            if name.eq_ignore_ascii_case("README.md") {
                continue;
            }
            (stem.to_string(), rel)
        } else {
            continue;
        };
        let Some((num, slug)) = stem.split_once('-').and_then(|(n, s)| Some((n.parse::<u32>().ok()?, s))) else {
            diags.push(diag(file, format!("`{stem}` needs a numeric prefix that sets its place in the course, like `03-{stem}`")));
            continue;
        };
        if slug.is_empty() || slugify(slug) != slug {
            diags.push(diag(file, format!("`{slug}` is not a usable URL name; use lowercase letters, digits and dashes")));
            continue;
        }
        found.push((num, slug.to_string(), file));
    }
    found.sort();
    let mut lessons = Vec::new();
    let mut warnings = Vec::new();
    let mut slugs = HashSet::new();
    for (_, slug, file) in &found {
        if !slugs.insert(slug.clone()) {
            diags.push(diag(file.clone(), format!("two lessons are named `{slug}`; names must be unique")));
            continue;
        }
        let src = match std::fs::read_to_string(root.join(file)) {
            Ok(s) => s,
            Err(e) => {
                diags.push(diag(file.clone(), format!("cannot read the file as UTF-8 text: {e}")));
                continue;
            }
        };
        let exists = |p: &str| !p.contains("..") && root.join(p).is_file();
        match compile_lesson(file, slug, &src, &exists) {
            Ok((lesson, w)) => {
                warnings.extend(w);
                lessons.push(lesson);
            }
            Err(d) => diags.extend(d),
        }
    }
    for (i, lesson) in lessons.iter().enumerate() {
        for p in &lesson.meta.prerequisites {
            match lessons.iter().position(|l| &l.meta.slug == p) {
                None => diags.push(diag(lesson.meta.source.clone(), format!("prerequisite `{p}` is not a lesson of this course"))),
                Some(j) if j >= i => warnings.push(Diagnostic {
                    severity: Severity::Warning,
                    ..diag(lesson.meta.source.clone(), format!("prerequisite `{p}` comes later in the course"))
                }),
                Some(_) => {}
            }
        }
    }
    if found.is_empty() && diags.is_empty() {
        diags.push(diag(lessons_dir.to_string(), "no lessons found (expected `NN-name.md` files or `NN-name/lesson.md` folders)".into()));
    }
    if diags.iter().any(|d| d.severity == Severity::Error) {
        diags.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        return Err(diags);
    }
    let course = Course { lessons: lessons.iter().map(|l| l.meta.clone()).collect() };
    Ok(CompiledCourse { course, lessons, warnings })
}
