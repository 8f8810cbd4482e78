//! One module per domain concept, each a thin layer over the core module of the same name.

pub mod account;
pub mod aid;
pub mod app;
pub mod audit;
pub mod archive;
pub mod backup;
pub mod bundle;
pub mod county;
pub mod coverage;
pub mod demo;
pub mod dropout;
pub mod household;
pub mod import;
pub mod member;
pub mod pairing;
pub mod plan;
pub mod policy_card;
pub mod reconcile;
pub mod school;
pub mod session;
pub mod signing;
pub mod sync;
pub mod settings;
pub mod teacher;
pub mod visit;
