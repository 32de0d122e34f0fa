//! Grading quizzes. Pure functions, so the browser and the tests agree.

use serde::{Deserialize, Serialize};

use crate::{Quiz, QuizKind};

/// A student's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Response {
    Single(usize),
    Multiple(Vec<usize>),
    Numeric(f64),
}

/// The outcome of grading one response.
#[derive(Debug, Clone, PartialEq)]
pub struct Grade {
    pub correct: bool,
    /// Indices of the chosen options whose feedback should be shown (choice quizzes).
    pub chosen: Vec<usize>,
    /// Choice quizzes: correct options the student missed. Numeric: empty.
    pub missed: Vec<usize>,
}

/// A response that does not fit the quiz (e.g. saved for an older version of the lesson).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum GradeError {
    /// The response is for another kind of quiz.
    WrongKind,
    /// A choice index outside the quiz's options.
    NoSuchChoice { index: usize, count: usize },
    /// No option chosen, or a number that is not finite.
    Empty,
}

impl std::fmt::Display for GradeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GradeError::WrongKind => write!(f, "this answer was given to a different kind of question; please answer again"),
            GradeError::NoSuchChoice { index, count } => write!(
                f,
                "choice {} does not exist (the question has {count} options); the lesson may have changed, please answer again",
                index + 1
            ),
            GradeError::Empty => write!(f, "no answer given yet"),
        }
    }
}

impl std::error::Error for GradeError {}

impl Quiz {
    /// Grades a response against this quiz.
    pub fn grade(&self, response: &Response) -> Result<Grade, GradeError> {
        match (&self.kind, response) {
            (QuizKind::Single { choices }, Response::Single(i)) => {
                let choice = choices.get(*i).ok_or(GradeError::NoSuchChoice { index: *i, count: choices.len() })?;
                let missed = if choice.correct {
                    Vec::new()
                } else {
                    choices.iter().enumerate().filter(|(_, c)| c.correct).map(|(k, _)| k).collect()
                };
                Ok(Grade { correct: choice.correct, chosen: vec![*i], missed })
            }
            (QuizKind::Multiple { choices }, Response::Multiple(picked)) => {
                if picked.is_empty() {
                    return Err(GradeError::Empty);
                }
                let mut chosen = picked.clone();
                chosen.sort_unstable();
                chosen.dedup();
                if let Some(&bad) = chosen.iter().find(|&&i| i >= choices.len()) {
                    return Err(GradeError::NoSuchChoice { index: bad, count: choices.len() });
                }
                let expected: Vec<usize> = choices.iter().enumerate().filter(|(_, c)| c.correct).map(|(k, _)| k).collect();
                let missed: Vec<usize> = expected.iter().copied().filter(|k| !chosen.contains(k)).collect();
                Ok(Grade { correct: chosen == expected, chosen, missed })
            }
            (QuizKind::Numeric { answer, tolerance, .. }, Response::Numeric(x)) => {
                if !x.is_finite() {
                    return Err(GradeError::Empty);
                }
                // A hair of slack so that typing the exact printed answer never fails on rounding.
                let correct = (x - answer).abs() <= tolerance * (1.0 + 1e-9) + f64::EPSILON * answer.abs();
                Ok(Grade { correct, chosen: Vec::new(), missed: Vec::new() })
            }
            _ => Err(GradeError::WrongKind),
        }
    }
}

/// Parses a number as a student types it: `1.5`, `1,5` (French decimal comma), ` -1000 `,
/// `1e-3`, `1 225,5` (thin or normal spaces as thousands separators), with an optional unit or `%` after it
/// that the caller shows separately. Returns `None` when no number can be read.
pub fn parse_number(input: &str) -> Option<f64> {
    let trimmed = input.trim();
    // Keep the leading numeric part; ignore a trailing unit such as "mm³" or "HU".
    let end = trimmed
        .char_indices()
        .find(|&(_, c)| {
            !(c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+' | 'e' | 'E' | ' ' | '\u{2009}' | '\u{202f}' | '\u{a0}' | '\u{2212}'))
        })
        .map_or(trimmed.len(), |(i, _)| i);
    let mut s: String = trimmed[..end]
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{2009}' | '\u{202f}' | '\u{a0}'))
        .map(|c| if c == '\u{2212}' { '-' } else { c })
        .collect();
    // One comma and no dot: a decimal comma. Otherwise commas are thousands separators.
    if s.matches(',').count() == 1 && !s.contains('.') {
        s = s.replace(',', ".");
    } else {
        s = s.replace(',', "");
    }
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Choice;

    fn choice(correct: bool) -> Choice {
        Choice { text: String::new(), correct, feedback: String::new() }
    }

    fn quiz(kind: QuizKind) -> Quiz {
        Quiz { id: "q".into(), question: String::new(), explanation: String::new(), hint: String::new(), shuffle: true, kind }
    }

    #[test]
    fn single_choice_right_and_wrong() {
        let q = quiz(QuizKind::Single { choices: vec![choice(false), choice(true), choice(false)] });
        assert!(q.grade(&Response::Single(1)).unwrap().correct);
        let wrong = q.grade(&Response::Single(2)).unwrap();
        assert!(!wrong.correct);
        assert_eq!(wrong.missed, vec![1]);
        assert_eq!(q.grade(&Response::Single(7)), Err(GradeError::NoSuchChoice { index: 7, count: 3 }));
        assert_eq!(q.grade(&Response::Numeric(1.0)), Err(GradeError::WrongKind));
    }

    #[test]
    fn multiple_choice_needs_the_exact_set() {
        let q = quiz(QuizKind::Multiple { choices: vec![choice(true), choice(false), choice(true)] });
        assert!(q.grade(&Response::Multiple(vec![2, 0])).unwrap().correct);
        assert!(q.grade(&Response::Multiple(vec![0, 2, 2])).unwrap().correct, "duplicates are ignored");
        let partial = q.grade(&Response::Multiple(vec![0])).unwrap();
        assert!(!partial.correct);
        assert_eq!(partial.missed, vec![2]);
        assert!(!q.grade(&Response::Multiple(vec![0, 1, 2])).unwrap().correct, "an extra wrong option fails");
        assert_eq!(q.grade(&Response::Multiple(vec![])), Err(GradeError::Empty));
    }

    #[test]
    fn numeric_tolerance_is_inclusive() {
        let q = quiz(QuizKind::Numeric { answer: 1.225, tolerance: 0.01, unit: None });
        assert!(q.grade(&Response::Numeric(1.225)).unwrap().correct);
        assert!(q.grade(&Response::Numeric(1.235)).unwrap().correct);
        assert!(q.grade(&Response::Numeric(1.215)).unwrap().correct);
        assert!(!q.grade(&Response::Numeric(1.24)).unwrap().correct);
        assert_eq!(q.grade(&Response::Numeric(f64::NAN)), Err(GradeError::Empty));
    }

    #[test]
    fn numbers_are_read_as_students_type_them() {
        assert_eq!(parse_number("1.5"), Some(1.5));
        assert_eq!(parse_number(" 1,5 "), Some(1.5));
        assert_eq!(parse_number("-1000 HU"), Some(-1000.0));
        assert_eq!(parse_number("\u{2212}1000"), Some(-1000.0));
        assert_eq!(parse_number("1 225,5 mm³"), Some(1225.5));
        assert_eq!(parse_number("1,234.5"), Some(1234.5));
        assert_eq!(parse_number("2e-3"), Some(0.002));
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number(""), None);
    }
}
