//! The integration tests: one binary, a module per area, all talking HTTP to a real server.

mod helpers;

mod exports;
mod health;
mod schema_file;
mod states;
