//! The integration tests: one binary, a module per area, all talking HTTP to a real server.

mod helpers;

mod access_matrix;
mod advice;
mod audit_trail;
mod champions;
mod cli;
mod dashboards;
mod exports;
mod hardening;
mod health;
mod internal_mutations;
mod logs;
mod metrics;
mod pagination;
mod persisted;
mod planned;
mod plans;
mod readme;
mod reference_data;
mod reports;
mod schema_file;
mod side_doors;
mod sponsorship;
mod states;
mod sync_script;
mod tokens;
mod vtf;
