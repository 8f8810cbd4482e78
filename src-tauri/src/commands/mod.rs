//! One module per domain concept, each a thin layer over the core module of the same name.

pub mod app;
pub mod backup;
pub mod demo;
pub mod household;
pub mod import;
pub mod member;
pub mod school;
pub mod settings;
pub mod teacher;
