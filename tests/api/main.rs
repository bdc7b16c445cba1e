//! The integration tests: one binary, a module per area, all talking HTTP to a real server.

mod helpers;

mod advice;
mod champions;
mod health;
mod internal_mutations;
mod plans;
mod reference_data;
mod reports;
mod schema_file;
mod sponsorship;
mod states;
mod vtf;
