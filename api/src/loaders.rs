//! Batched loading of relations (no N+1): every relation a resolver walks goes through a
//! `DataLoader`, created on first use in the request and scoped to the caller, so that the
//! row-level visibility rules (another organisation's drafts, needs not shared) apply on every
//! path.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::hash::Hash;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, Select};

use crate::auth::Principal;
use crate::batch::Batcher;
use crate::error::ApiError;

/// A loader's error: shared between the keys of one batch.
pub type LoadError = Arc<DbErr>;

impl From<LoadError> for ApiError {
    fn from(e: LoadError) -> Self {
        ApiError::Internal(format!("batched load failed: {e}"))
    }
}

/// A table whose rows have an `i64` id and may be hidden from some callers.
pub trait Table: EntityTrait<Model: Clone + Send + Sync> {
    /// The id column.
    fn id_column() -> Self::Column;
    /// The id of a row.
    fn id_of(model: &Self::Model) -> i64;
    /// The rows `principal` may see; all of them unless a table says otherwise.
    fn visible_to(_principal: &Principal) -> Condition {
        Condition::all()
    }
    /// All rows `principal` may see.
    fn find_visible(principal: &Principal) -> Select<Self> {
        Self::find().filter(Self::visible_to(principal))
    }
}

/// Implements [`Table`] for entities whose rows everyone who may read the field may see.
macro_rules! open_table {
    ($($m:ident),+ $(,)?) => {$(
        impl Table for entity::$m::Entity {
            fn id_column() -> Self::Column { entity::$m::Column::Id }
            fn id_of(model: &Self::Model) -> i64 { model.id }
        }
    )+};
}
pub(crate) use open_table;

/// Something built once per request from the database and the caller.
pub trait Scoped: Send + Sync + 'static {
    /// The key it loads by.
    type Key: Send + Sync + Hash + Eq + Clone + 'static;
    fn new(db: DatabaseConnection, principal: Principal) -> Self;
}

/// The request's loaders, created on first use.
pub struct Loaders {
    db: DatabaseConnection,
    principal: Principal,
    made: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Loaders {
    pub fn new(db: DatabaseConnection, principal: Principal) -> Self {
        Self { db, principal, made: Mutex::new(HashMap::new()) }
    }

    /// The request's batcher around `L`.
    pub fn get<L>(&self) -> Arc<Batcher<L::Key, L>>
    where
        L: Scoped + Loader<<L as Scoped>::Key>,
        L::Error: Sync,
    {
        let make = || Arc::new(Batcher::new(L::new(self.db.clone(), self.principal.clone())));
        let mut made = match self.made.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        let entry = made.entry(TypeId::of::<L>()).or_insert_with(|| make() as Arc<dyn Any + Send + Sync>);
        // The map is keyed by the type it holds, so the downcast always succeeds.
        entry.clone().downcast::<Batcher<L::Key, L>>().unwrap_or_else(|_| make())
    }

    /// Loads one row by id, or `None` when it does not exist or the caller may not see it.
    pub async fn one<E>(&self, id: i64) -> Result<Option<E::Model>, ApiError>
    where
        E: Table,
    {
        Ok(self.get::<ById<E>>().load_one(id).await?)
    }

    /// Loads the rows a relation `R` holds for one parent.
    pub async fn children<R: HasMany>(&self, parent: i64) -> Result<Vec<<R::Child as EntityTrait>::Model>, ApiError> {
        Ok(self.get::<ChildrenOf<R>>().load_one(parent).await?.unwrap_or_default())
    }
}

/// Rows of `E` by id, restricted to those the caller may see.
pub struct ById<E> {
    db: DatabaseConnection,
    principal: Principal,
    _e: PhantomData<fn() -> E>,
}

impl<E: Table> Scoped for ById<E> {
    type Key = i64;
    fn new(db: DatabaseConnection, principal: Principal) -> Self {
        Self { db, principal, _e: PhantomData }
    }
}

impl<E: Table> Loader<i64> for ById<E> {
    type Value = E::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, E::Model>, LoadError> {
        let rows = E::find_visible(&self.principal)
            .filter(E::id_column().is_in(keys.iter().copied()))
            .all(&self.db)
            .await
            .map_err(Arc::new)?;
        Ok(rows.into_iter().map(|m| (E::id_of(&m), m)).collect())
    }
}

/// A one-to-many relation: the rows of `Child` whose parent column holds the parent's id.
pub trait HasMany: Send + Sync + 'static {
    type Child: Table;
    /// The column of `Child` holding the parent's id.
    fn parent_column() -> <Self::Child as EntityTrait>::Column;
    /// The parent id of a child row (0 when it has none, which matches no parent).
    fn parent_of(child: &<Self::Child as EntityTrait>::Model) -> i64 {
        match sea_orm::ModelTrait::get(child, Self::parent_column()) {
            sea_orm::Value::BigInt(Some(id)) => id,
            _ => 0,
        }
    }
    /// The order of each parent's children.
    fn order(select: Select<Self::Child>) -> Select<Self::Child> {
        select.order_by_asc(<Self::Child as Table>::id_column())
    }
}

/// Loads relation `R` for many parents at once.
pub struct ChildrenOf<R> {
    db: DatabaseConnection,
    principal: Principal,
    _r: PhantomData<fn() -> R>,
}

impl<R: HasMany> Scoped for ChildrenOf<R> {
    type Key = i64;
    fn new(db: DatabaseConnection, principal: Principal) -> Self {
        Self { db, principal, _r: PhantomData }
    }
}

impl<R: HasMany> Loader<i64> for ChildrenOf<R> {
    type Value = Vec<<R::Child as EntityTrait>::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, LoadError> {
        let q =
            <R::Child as Table>::find_visible(&self.principal).filter(R::parent_column().is_in(keys.iter().copied()));
        let rows = R::order(q).all(&self.db).await.map_err(Arc::new)?;
        Ok(group(rows, R::parent_of))
    }
}

/// Groups rows by a key, keeping their order.
pub fn group<K: Hash + Eq, V>(rows: Vec<V>, key: impl Fn(&V) -> K) -> HashMap<K, Vec<V>> {
    let mut map: HashMap<K, Vec<V>> = HashMap::new();
    for row in rows {
        map.entry(key(&row)).or_default().push(row);
    }
    map
}
