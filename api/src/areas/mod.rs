//! The domain areas. Each holds its object types, queries, mutations and loaders.

pub mod advice;
pub mod assessments;
pub mod audit;
pub mod bodies;
pub mod champions;
pub mod organizations;
pub mod overview;
pub mod plans;
pub mod reports;
pub mod sponsorship;
pub mod states;
pub mod vtf;

/// Declares a GraphQL wrapper around a model: the struct, `From<Model>` and its
/// [`AccessSubject`](crate::auth::AccessSubject) (record id for the audit trail, and the owning
/// organisation when given).
macro_rules! wrapper {
    ($name:ident, $model:path) => {
        $crate::areas::wrapper!($name, $model, |_m| None);
    };
    ($name:ident, $model:path, |$m:ident| $owner:expr) => {
        #[derive(Clone)]
        pub struct $name(pub $model);

        impl From<$model> for $name {
            fn from(m: $model) -> Self {
                Self(m)
            }
        }

        impl $crate::auth::AccessSubject for $name {
            fn record_id(&self) -> Option<i64> {
                Some(self.0.id)
            }
            fn owner_org(&self) -> Option<i64> {
                let $m = &self.0;
                $owner
            }
        }
    };
}
pub(crate) use wrapper;
