//! The mutation root, merged from the areas.

/// Every mutation of att-coord.
pub type Mutation = async_graphql::EmptyMutation;
