//! att-coord: the coordination API for the universalization of the Arms Trade Treaty.
//!
//! One GraphQL schema over what the WGTU, the Voluntary Trust Fund, the Sponsorship Programme,
//! the ATT Secretariat and outside partners each know, with an access class on every field
//! (see `auth`). The crate is laid out by concern:
//!
//! - `areas`: the domain areas (states, assessments, plans, champions, VTF, sponsorship,
//!   advice, partners' reports, dashboards, audit), each with its types, queries and loaders;
//! - `auth`: principals, tokens, access classes and the guard that enforces them;
//! - `http`, `startup`, `cli`, `config`, `telemetry`, `metrics`: serving and running;
//! - `guardrails`, `limits`, `rate_limit`: what an operation must pass before it runs;
//! - `db`, `loaders`, `pagination`, `connection`, `node`: data access shared by the areas;
//! - `seed`: demo data.

pub mod areas;
pub mod audit;
pub mod auth;
pub mod batch;
pub mod cli;
pub mod config;
pub mod connection;
pub mod context;
pub mod db;
pub mod enums;
pub mod error;
pub mod guardrails;
pub mod http;
pub mod limits;
pub mod loaders;
pub mod metrics;
pub mod mutations;
pub mod node;
pub mod pagination;
pub mod planned;
pub mod rate_limit;
pub mod scalars;
pub mod schema;
pub mod seed;
pub mod startup;
pub mod telemetry;
pub mod validation;
pub mod write;

pub use startup::Application;
