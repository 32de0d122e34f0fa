//! The order in which a choice quiz shows its options to one student.
//!
//! Authors tend to write the right answer first; shown as written, "always pick the first" would pass every quiz.
//! Each student sees the options in an order of their own, drawn from a generator seeded by the student's id (made
//! once per browser and saved with the progress, see [`crate::progress::Progress::student`]), the lesson and the quiz:
//! the same order on every reload, and after an export and import, but a different one from quiz to quiz and from
//! student to student. Saved answers keep the author's indices, so the order can never garble them.

use std::hash::Hasher;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::{Quiz, QuizKind};

/// A 64-bit seed from text. FNV-1a over the bytes, with a separator so that ("ab", "c") and ("a", "bc") differ:
/// unlike the standard library's hasher, it gives the same number on every platform and Rust version.
fn seed(parts: &[&str]) -> u64 {
    let mut h = fnv::FnvHasher::default();
    for p in parts {
        h.write(p.as_bytes());
        h.write(&[0xff]);
    }
    h.finish()
}

impl Quiz {
    /// The author's indices of the options in the order `student` sees them in `lesson`: a permutation of
    /// `0..choices`, the author's order when the quiz has `shuffle = false`, and empty for a numeric quiz.
    pub fn choice_order(&self, student: &str, lesson: &str) -> Vec<usize> {
        let n = match &self.kind {
            QuizKind::Single { choices } | QuizKind::Multiple { choices } => choices.len(),
            QuizKind::Numeric { .. } => 0,
        };
        let mut order: Vec<usize> = (0..n).collect();
        if self.shuffle {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed(&[student, lesson, &self.id]));
            order.shuffle(&mut rng);
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Choice;

    fn quiz(id: &str, n: usize, shuffle: bool) -> Quiz {
        let choices = (0..n).map(|i| Choice { text: format!("o{i}"), correct: i == 0, feedback: String::new() }).collect();
        Quiz {
            id: id.into(),
            question: String::new(),
            explanation: String::new(),
            hint: String::new(),
            shuffle,
            kind: QuizKind::Single { choices },
        }
    }

    fn is_permutation(order: &[usize], n: usize) -> bool {
        let mut sorted = order.to_vec();
        sorted.sort_unstable();
        sorted == (0..n).collect::<Vec<_>>()
    }

    #[test]
    fn the_same_student_sees_the_same_order_every_time() {
        let q = quiz("hu-water", 4, true);
        let first = q.choice_order("a1b2c3d4e5f60718", "intro");
        assert!(is_permutation(&first, 4), "{first:?}");
        // A reload compiles nothing new: the same quiz and id give the same order, also from a copy of the quiz.
        for _ in 0..3 {
            assert_eq!(q.clone().choice_order("a1b2c3d4e5f60718", "intro"), first);
        }
    }

    #[test]
    fn orders_differ_between_students_and_quizzes_and_the_right_answer_moves() {
        let q = quiz("hu-water", 4, true);
        let students: Vec<String> = (0..40).map(|i| format!("{:016x}", 0x9e37_79b9_7f4a_7c15u64.wrapping_mul(i + 1))).collect();
        let orders: Vec<Vec<usize>> = students.iter().map(|s| q.choice_order(s, "intro")).collect();
        assert!(orders.iter().all(|o| is_permutation(o, 4)));
        let distinct: std::collections::HashSet<&Vec<usize>> = orders.iter().collect();
        assert!(distinct.len() >= 10, "40 students share only {} of the 24 orders", distinct.len());
        // Option 0 (the correct one) is shown first to about a quarter of the students, not to all of them.
        let first = orders.iter().filter(|o| o[0] == 0).count();
        assert!((3..=20).contains(&first), "correct option first for {first} of 40 students");
        // One student, different quizzes or lessons: different orders, not one permutation reused everywhere.
        let per_quiz: std::collections::HashSet<Vec<usize>> =
            (0..20).map(|i| quiz(&format!("q{i}"), 4, true).choice_order(&students[0], "intro")).collect();
        assert!(per_quiz.len() >= 5, "{per_quiz:?}");
        assert_ne!(
            (0..8).map(|i| quiz(&format!("q{i}"), 5, true).choice_order(&students[0], "intro")).collect::<Vec<_>>(),
            (0..8).map(|i| quiz(&format!("q{i}"), 5, true).choice_order(&students[0], "other")).collect::<Vec<_>>()
        );
    }

    #[test]
    fn opting_out_keeps_the_authors_order_and_numeric_quizzes_have_none() {
        assert_eq!(quiz("none-of-the-above", 4, false).choice_order("anyone", "intro"), vec![0, 1, 2, 3]);
        let numeric = Quiz { kind: QuizKind::Numeric { answer: 1.0, tolerance: 0.1, unit: None }, ..quiz("n", 0, true) };
        assert!(numeric.choice_order("anyone", "intro").is_empty());
    }

    #[test]
    fn seeds_separate_their_parts() {
        assert_ne!(seed(&["ab", "c"]), seed(&["a", "bc"]));
        // FNV-1a is a published function: pin one value so that a change of hasher cannot pass unnoticed
        // (it would reshuffle every student's quizzes).
        let mut h = fnv::FnvHasher::default();
        h.write(b"a");
        assert_eq!(h.finish(), 0xaf63_dc4c_8601_ec8c);
    }
}
