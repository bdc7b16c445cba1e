//! The sea-orm models of att-coord, one module per table.
//!
//! Nothing here knows about GraphQL or HTTP: the `api` crate wraps these models in its own
//! types, so that the API can differ from the tables and access classes sit on API fields.

pub mod enums;

pub mod activity_report;
pub mod activity_report_state;
pub mod advisory_consultation;
pub mod assessment;
pub mod audit_event;
pub mod champion;
pub mod champion_assignment;
pub mod conference;
pub mod contact_point;
pub mod engagement;
pub mod idempotency_record;
pub mod meeting;
pub mod office_term;
pub mod organization;
pub mod plan;
pub mod plan_target;
pub mod sponsorship_award;
pub mod state;
pub mod support_need;
pub mod vtf_cycle;
pub mod vtf_project;
