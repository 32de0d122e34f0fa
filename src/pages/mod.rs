//! One module per route.

pub mod about;
pub mod index;
pub mod lab;
pub mod lesson;
pub mod models;
pub mod not_found;
