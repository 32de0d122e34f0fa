//! The lesson compiler against small lessons written for each rule.

use radlearn_course::compile::{compile_course, compile_lesson, Diagnostic, Severity};
use radlearn_course::widgets::WidgetParams;
use radlearn_course::{Block, Lesson, QuizKind, Response};

const FM: &str = "+++\ntitle = \"T\"\nsummary = \"S.\"\nminutes = 10\nobjectives = [\"O\"]\nprerequisites = []\nlanguage = \"en\"\n+++\n";

fn compile(body: &str) -> Result<(Lesson, Vec<Diagnostic>), Vec<Diagnostic>> {
    compile_lesson("lessons/01-t/lesson.md", "t", &format!("{FM}{body}"), &|p| p == "lessons/01-t/fig.svg")
}

fn ok(body: &str) -> Lesson {
    match compile(body) {
        Ok((l, _)) => l,
        Err(d) => panic!("expected a valid lesson, got {d:?}"),
    }
}

fn errors(body: &str) -> Vec<String> {
    match compile(body) {
        Ok(_) => panic!("expected errors"),
        Err(d) => d.iter().filter(|d| d.severity == Severity::Error).map(|d| d.to_string()).collect(),
    }
}

fn html(lesson: &Lesson) -> String {
    lesson
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Html { html } => Some(html.as_str()),
            _ => None,
        })
        .collect()
}

/// Front matter takes 8 lines, so the body starts at line 9.
const BODY_LINE: usize = 9;

#[test]
fn math_becomes_mathml_and_bad_math_shows_its_source() {
    let l = ok("Inline $\\frac{a}{b}$ and display\n\n$$\\sum_{i=1}^{n} x_i$$\n");
    let h = html(&l);
    assert!(h.contains("<math") && h.contains("<mfrac>"), "{h}");
    assert!(h.contains("display=\"block\""), "{h}");
    let (l, warnings) = compile("Broken $a^b^c$ here\n").expect("a formula error is not fatal");
    let h = html(&l);
    assert!(h.contains("class=\"math-error\"") && h.contains("a^b^c"), "{h}");
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].line, BODY_LINE);
}

#[test]
fn spaces_in_formulas_are_spaces_not_entity_text() {
    // Issue 13: `\ ` and `~` came out as `<mtext>&amp;nbsp;</mtext>`, a literal "&nbsp;" on the page.
    let l = ok("Window $[L - W/2,\\ L + W/2]$ and $D = [r~c~n]$ and\n\n$$x \\ \\text{(mm)}$$\n");
    let h = html(&l);
    assert!(!h.contains("&amp;nbsp;"), "{h}");
    assert_eq!(h.matches("<mspace").count(), 4, "each space is an <mspace>: {h}");
    let (_, warnings) = compile("Fine $a\\ b$\n").expect("valid");
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn entity_text_that_survives_into_mathml_is_flagged_with_its_line() {
    let (l, warnings) = compile("Intro.\n\nBad $a\\text{&ndash;}b$ and $c\\text{&#160;}d$.\n").expect("a warning is not fatal");
    assert!(html(&l).contains("&amp;ndash;"), "the text is still shown as written: {}", html(&l));
    let messages: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(warnings.len(), 2, "{messages:?}");
    assert!(messages[0].starts_with(&format!("lessons/01-t/lesson.md:{}: warning:", BODY_LINE + 2)), "{messages:?}");
    assert!(messages[0].contains("`&ndash;`") && messages[1].contains("`&#160;`"), "{messages:?}");
    // An ampersand that is not an entity is ordinary text.
    let (_, warnings) = compile("Fine $\\text{R&D, A & B}$.\n").expect("valid");
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn markdown_extensions_render() {
    let l = ok("## Table\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nText[^n].\n\n[^n]: A note.\n\n- [x] done\n- [ ] todo\n\n> [!WARNING]\n> Careful.\n\n![A figure](fig.svg)\n\n```python\nimport numpy as np\n```\n");
    let h = html(&l);
    assert!(h.contains("<table>"), "table: {h}");
    assert!(h.contains("class=\"footnote-ref\"") && h.contains("id=\"fn-n\""), "footnote: {h}");
    assert!(h.contains("href=\"#/lesson/t/fn-n\""), "footnote links stay inside the lesson route: {h}");
    assert!(h.contains("type=\"checkbox\""), "task list: {h}");
    assert!(h.contains("class=\"admonition warning\""), "admonition: {h}");
    assert!(h.contains("src=\"lessons/01-t/fig.svg\""), "image from the lesson folder: {h}");
    assert!(h.contains("hl-keyword") || h.contains("hl-import"), "highlighted python: {h}");
}

#[test]
fn headings_get_unique_ids_and_a_toc() {
    let l = ok("## Voxels and spacing\n\n### Détails\n\n## Voxels and spacing\n\n## Custom {#my-id}\n");
    let ids: Vec<_> = l.toc.iter().map(|t| (t.level, t.id.as_str())).collect();
    assert_eq!(ids, vec![(2, "voxels-and-spacing"), (3, "details"), (2, "voxels-and-spacing-2"), (2, "my-id")]);
    assert!(html(&l).contains("href=\"#/lesson/t/details\""));
}

#[test]
fn quizzes_compile_and_grade() {
    let l = ok(r#"
```quiz
id = "water"
kind = "single"
question = "Water is $x$ HU?"
explanation = "By **definition**."
[[choices]]
text = "0"
correct = true
feedback = "Yes."
[[choices]]
text = "-1000"
feedback = "That is air."
```

```quiz
id = "bits"
kind = "numeric"
question = "How many grey levels in 8 bits?"
answer = 256
tolerance = 0
```
"#);
    let quizzes: Vec<_> = l.quizzes().collect();
    assert_eq!(quizzes.len(), 2);
    assert_eq!(l.meta.quiz_count, 2);
    assert!(quizzes[0].question.contains("<math"));
    assert!(quizzes[0].explanation.contains("<strong>definition</strong>"));
    let QuizKind::Single { choices } = &quizzes[0].kind else { panic!("single") };
    assert_eq!(choices[1].feedback, "That is air.");
    assert!(quizzes[1].grade(&Response::Numeric(256.0)).unwrap().correct);
    assert!(!quizzes[1].grade(&Response::Numeric(255.0)).unwrap().correct);
}

#[test]
fn invalid_quizzes_fail_with_file_and_line() {
    let e = errors(
        "Intro\n\n```quiz\nid = \"a\"\nkind = \"single\"\nquestion = \"Q\"\n[[choices]]\ntext = \"x\"\n[[choices]]\ntext = \"y\"\n```\n",
    );
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].starts_with(&format!("lessons/01-t/lesson.md:{}: error:", BODY_LINE + 2)), "{e:?}");
    assert!(e[0].contains("exactly one choice with `correct = true`, found 0"), "{e:?}");

    let e = errors("```quiz\nid = \"a\"\nkind = \"numeric\"\nquestion = \"Q\"\nanswer = 1.0\n```\n");
    assert!(e[0].contains("needs `tolerance`"), "{e:?}");

    let e = errors("```quiz\nid = \"a\"\nkind = \"essay\"\nquestion = \"Q\"\n```\n");
    assert!(e[0].contains("unknown `kind = \"essay\"`"), "{e:?}");

    // A TOML syntax error points at the line inside the block.
    let e = errors("```quiz\nid = \"a\"\nkind = single\n```\n");
    assert!(e[0].starts_with(&format!("lessons/01-t/lesson.md:{}:", BODY_LINE + 2)), "{e:?}");

    let e = errors("```quiz\nid = \"a\"\nkind = \"multiple\"\nquestion = \"Q\"\ncolour = 1\n[[choices]]\ntext = \"x\"\ncorrect = true\n[[choices]]\ntext = \"y\"\n```\n");
    assert!(e[0].contains("unknown field `colour`"), "{e:?}");

    let q = "```quiz\nid = \"same\"\nkind = \"numeric\"\nquestion = \"Q\"\nanswer = 1\ntolerance = 0\n```\n";
    let e = errors(&format!("{q}\n{q}"));
    assert!(e[0].contains("same `id`"), "{e:?}");
}

#[test]
fn unknown_block_types_and_bad_front_matter_fail() {
    let e = errors("```quizz\nid = \"a\"\n```\n");
    assert!(e[0].contains("unknown block type `quizz`") && e[0].contains("did you mean `quiz`"), "{e:?}");

    let e = errors("> [!DANGER]\n> boom\n");
    assert!(e[0].contains(&format!(":{BODY_LINE}:")) && e[0].contains("unknown admonition"), "{e:?}");

    let e = errors("![x](missing.png)\n");
    assert!(e[0].contains("image `missing.png` not found"), "{e:?}");
    let e = errors("![x](https://example.org/x.png)\n");
    assert!(e[0].contains("outside its own site"), "{e:?}");

    let bad = "+++\ntitle = \"T\"\nsummary = \"S\"\nminutes = \"ten\"\nobjectives = [\"O\"]\nprerequisites = []\nlanguage = \"en\"\n+++\nx";
    let d = compile_lesson("l.md", "l", bad, &|_| true).unwrap_err();
    assert_eq!(d[0].line, 4, "{d:?}");
    assert!(d[0].message.contains("front matter"), "{d:?}");

    let d = compile_lesson("l.md", "l", "# No front matter\n", &|_| true).unwrap_err();
    assert!(d[0].to_string().starts_with("l.md:1: error: a lesson starts with TOML front matter"), "{d:?}");

    let d = compile_lesson("l.md", "l", &FM.replace("\"en\"", "\"de\""), &|_| true).unwrap_err();
    assert!(d[0].message.contains("`language` is \"de\""), "{d:?}");
    let d = compile_lesson("l.md", "l", &FM.replace("prerequisites = []\n", ""), &|_| true).unwrap_err();
    assert!(d[0].message.contains("prerequisites"), "{d:?}");
}

#[test]
fn exercises_check_their_widget() {
    let l = ok("```exercise\nwidget = \"window-level\"\npreset = \"lung\"\ncaption = \"Try *this*.\"\n```\n");
    let Block::Exercise(x) = &l.blocks[0] else { panic!("exercise") };
    assert!(matches!(&x.params, Ok(WidgetParams::WindowLevel(p)) if p.preset == "lung"));
    assert_eq!(x.caption, "Try <em>this</em>.");

    // An unknown widget is an authoring error shown in the page, not a build failure.
    let (l, warnings) = compile("```exercise\nwidget = \"hologram\"\n```\n").expect("not fatal");
    let Block::Exercise(x) = &l.blocks[0] else { panic!("exercise") };
    assert!(x.params.as_ref().unwrap_err().contains("unknown widget `hologram`"));
    assert_eq!(x.location, format!("lessons/01-t/lesson.md:{BODY_LINE}"));
    assert_eq!(warnings.len(), 1);

    let e = errors("```exercise\npreset = \"lung\"\n```\n");
    assert!(e[0].contains("widget = "), "{e:?}");
    let e = errors("- item\n\n  ```quiz\n  id = \"a\"\n  ```\n");
    assert!(e[0].contains("top level"), "{e:?}");
}

#[test]
fn a_graded_feature_table_shares_the_quiz_ids() {
    let quiz = "```quiz\nid = \"vol\"\nkind = \"numeric\"\nquestion = \"Q?\"\nanswer = 1\ntolerance = 0\n```\n";
    let table = "```exercise\nwidget = \"feature-table\"\ndataset = \"ibsi-digital-phantom\"\nid = \"vol\"\nfeature = \"RNU0\"\nexpected = 556\n```\n";
    let l = ok(table);
    let Block::Exercise(x) = &l.blocks[0] else { panic!("exercise") };
    assert!(matches!(&x.params, Ok(WidgetParams::FeatureTable(p)) if p.check.as_ref().is_some_and(|c| c.id == "vol")));
    // The same id as a quiz: an authoring error in the page, whichever comes first.
    let (l, warnings) = compile(&format!("{quiz}\n{table}")).expect("not fatal");
    let Some(Block::Exercise(x)) = l.blocks.iter().find(|b| matches!(b, Block::Exercise(_))) else { panic!("exercise") };
    assert!(x.params.as_ref().unwrap_err().contains("already uses the id \"vol\""), "{:?}", x.params);
    assert_eq!(warnings.len(), 1);
    let e = errors(&format!("{table}\n{quiz}"));
    assert!(e[0].contains("same `id`"), "{e:?}");
}

#[test]
fn a_graded_segmentation_shares_the_quiz_ids() {
    let quiz = "```quiz\nid = \"gtv\"\nkind = \"numeric\"\nquestion = \"Q?\"\nanswer = 1\ntolerance = 0\n```\n";
    let seg = "```exercise\nwidget = \"segmentation\"\ndataset = \"ibsi-ct-phantom\"\nid = \"gtv\"\ntarget_dice = 0.7\n```\n";
    let l = ok(seg);
    let Block::Exercise(x) = &l.blocks[0] else { panic!("exercise") };
    assert!(matches!(&x.params, Ok(WidgetParams::Segmentation(p)) if p.check.as_ref().is_some_and(|c| c.id == "gtv")));
    let (l, warnings) = compile(&format!("{quiz}\n{seg}")).expect("not fatal");
    let Some(Block::Exercise(x)) = l.blocks.iter().find(|b| matches!(b, Block::Exercise(_))) else { panic!("exercise") };
    assert!(x.params.as_ref().unwrap_err().contains("already uses the id \"gtv\""), "{:?}", x.params);
    assert_eq!(warnings.len(), 1);
    // Two graded exercises with one id: the second is the authoring error.
    let (l, warnings) = compile(&format!("{seg}\n{seg}")).expect("not fatal");
    let errs: Vec<_> = l
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Exercise(x) => Some(x.params.is_err()),
            _ => None,
        })
        .collect();
    assert_eq!(errs, [false, true]);
    assert_eq!(warnings.len(), 1);
}

#[test]
fn hostile_input_does_not_panic() {
    for src in ["", "+++", "+++\n+++\n", "\u{feff}+++\n+++\n", &format!("{FM}{}", "> ".repeat(5000)), &format!("{FM}{}", "- ".repeat(5000))]
    {
        let _ = compile_lesson("x.md", "x", src, &|_| true);
    }
    let deep = format!("{FM}{}", (0..200).map(|i| format!("{}- x\n", "  ".repeat(i))).collect::<String>());
    let e = compile_lesson("x.md", "x", &deep, &|_| true).unwrap_err();
    assert!(e.iter().any(|d| d.message.contains("nested more than")), "{e:?}");
}

fn temp_course(files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("radlearn-course-{}-{}", std::process::id(), files.len() * 7 + files[0].0.len()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

#[test]
fn a_course_is_ordered_by_prefix_and_checks_prerequisites() {
    let second = FM.replace("prerequisites = []", "prerequisites = [\"first\"]");
    let dir = temp_course(&[("lessons/10-second.md", &second), ("lessons/02-first/lesson.md", FM), ("lessons/README.md", "notes")]);
    let c = compile_course(&dir, "lessons").expect("valid course");
    let slugs: Vec<_> = c.course.lessons.iter().map(|l| l.slug.as_str()).collect();
    assert_eq!(slugs, ["first", "second"]);
    assert_eq!(c.course.lessons[1].source, "lessons/10-second.md");

    let bad = FM.replace("prerequisites = []", "prerequisites = [\"nowhere\"]");
    let dir = temp_course(&[("lessons/01-a.md", &bad), ("lessons/no-prefix.md", FM)]);
    let e: Vec<String> = compile_course(&dir, "lessons").unwrap_err().iter().map(|d| d.to_string()).collect();
    assert!(e.iter().any(|m| m.contains("prerequisite `nowhere`")), "{e:?}");
    assert!(e.iter().any(|m| m.starts_with("lessons/no-prefix.md:1: error:") && m.contains("numeric prefix")), "{e:?}");
}

#[test]
fn the_shipped_lessons_compile_without_warnings() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let c =
        compile_course(&root, "lessons").unwrap_or_else(|d| panic!("{}", d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert!(c.course.lessons.len() >= 2);
    for l in &c.course.lessons {
        assert!(l.quiz_count >= 3, "{} has {} quizzes", l.slug, l.quiz_count);
    }
}
