//! The one door to Huka's logic for its two front doors (the window's commands and the `huka`
//! command line): the domain (`huka-domain`, with the ground and the store under it) and the
//! exchange of files (`huka-exchange`), under one name — `huka_core::household`,
//! `huka_core::sync` … This crate holds no logic of its own: the benchmarks (`benches/`,
//! `examples/`) and the tests that cross the layers live here.
//!
//! Never Tauri, never printing, never a log of personal data.

pub use huka_domain::*;
pub use huka_exchange::{archive, backup, bundle, county, import, signing, summary, sync};

#[cfg(test)]
mod tests;
