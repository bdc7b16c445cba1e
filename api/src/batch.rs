//! Batched loading without timers.
//!
//! async-graphql resolves all the fields of a request in one task: sibling fields and list
//! items are polled one after the other within a pass. A load joins the open batch for its
//! loader, or opens one; the batch waits one yield — long enough for every sibling polled in
//! the same pass to join — then runs one query for all the keys. So a list of N objects costs
//! one statement per relation, deterministically, and no request waits on a timer (the
//! `DataLoader` of async-graphql closes its batches after a delay, which both adds latency and,
//! under load, splits batches).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use async_graphql::dataloader::Loader;
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};
use tokio::sync::Notify;

type BatchResult<K, V, E> = Result<Arc<HashMap<K, V>>, E>;
/// The result of a batch, awaited by all its members.
type Pending<K, V, E> = Shared<BoxFuture<'static, BatchResult<K, V, E>>>;
/// The open batch of a loader, if any.
type Slot<K, V, E> = Mutex<Option<Open<K, V, E>>>;

/// Holds a batch open until its first member has let its siblings join.
#[derive(Default)]
struct Gate {
    closed: AtomicBool,
    notify: Notify,
}

impl Gate {
    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.notify.notify_waiters();
    }

    async fn wait(&self) {
        loop {
            let notified = self.notify.notified();
            if self.closed.load(Ordering::Acquire) {
                return;
            }
            notified.await;
        }
    }
}

/// Closes the gate when the first member is done waiting, or dropped.
struct Leader(Arc<Gate>);

impl Drop for Leader {
    fn drop(&mut self) {
        self.0.close();
    }
}

struct Open<K, V, E> {
    keys: Vec<K>,
    result: Pending<K, V, E>,
}

struct Inner<K, L: Loader<K>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
{
    loader: L,
    open: Slot<K, L::Value, L::Error>,
}

/// Batches the loads of one loader within a request.
pub struct Batcher<K, L: Loader<K>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
{
    inner: Arc<Inner<K, L>>,
}

impl<K, L> Batcher<K, L>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    L: Loader<K>,
    L::Error: Sync,
{
    pub fn new(loader: L) -> Self {
        Self { inner: Arc::new(Inner { loader, open: Mutex::new(None) }) }
    }

    /// Adds `keys` to the open batch, or opens one (then the caller leads it).
    fn join(&self, keys: impl IntoIterator<Item = K>) -> (Pending<K, L::Value, L::Error>, Option<Leader>) {
        let mut open = match self.inner.open.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(batch) = open.as_mut() {
            batch.keys.extend(keys);
            return (batch.result.clone(), None);
        }
        let gate = Arc::new(Gate::default());
        let (inner, waiting) = (self.inner.clone(), gate.clone());
        let result = async move {
            waiting.wait().await;
            let mut keys = {
                let mut open = match inner.open.lock() {
                    Ok(g) => g,
                    Err(poisoned) => poisoned.into_inner(),
                };
                open.take().map(|b| b.keys).unwrap_or_default()
            };
            dedup(&mut keys);
            inner.loader.load(&keys).await.map(Arc::new)
        }
        .boxed()
        .shared();
        *open = Some(Open { keys: keys.into_iter().collect(), result: result.clone() });
        (result, Some(Leader(gate)))
    }

    async fn run(&self, keys: impl IntoIterator<Item = K>) -> BatchResult<K, L::Value, L::Error> {
        let (result, leader) = self.join(keys);
        if let Some(leader) = leader {
            // Every sibling polled in this pass joins before the gate closes.
            tokio::task::yield_now().await;
            drop(leader);
        }
        result.await
    }

    /// The value of one key, if the loader found one.
    pub async fn load_one(&self, key: K) -> Result<Option<L::Value>, L::Error> {
        let found = self.run([key.clone()]).await?;
        Ok(found.get(&key).cloned())
    }

    /// The values of several keys that the loader found.
    pub async fn load_many(&self, keys: impl IntoIterator<Item = K>) -> Result<HashMap<K, L::Value>, L::Error> {
        let keys: Vec<K> = keys.into_iter().collect();
        let found = self.run(keys.iter().cloned()).await?;
        Ok(keys.into_iter().filter_map(|k| found.get(&k).cloned().map(|v| (k, v))).collect())
    }
}

fn dedup<K: Hash + Eq + Clone>(keys: &mut Vec<K>) {
    let mut seen = std::collections::HashSet::with_capacity(keys.len());
    keys.retain(|k| seen.insert(k.clone()));
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    struct Squares(Arc<AtomicUsize>);

    impl Loader<u64> for Squares {
        type Value = u64;
        type Error = String;

        async fn load(&self, keys: &[u64]) -> Result<HashMap<u64, u64>, String> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(keys.iter().map(|k| (*k, k * k)).collect())
        }
    }

    #[tokio::test]
    async fn siblings_polled_together_share_one_batch() {
        let calls = Arc::new(AtomicUsize::new(0));
        let b = Batcher::new(Squares(calls.clone()));

        let results = futures_util::future::join_all((0..100).map(|k| b.load_one(k % 40))).await;

        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(results[7], Ok(Some(49)));
        // A later load opens a new batch.
        assert_eq!(b.load_one(3).await, Ok(Some(9)));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_dropped_first_member_does_not_strand_the_others() {
        let b = Batcher::new(Squares(Arc::new(AtomicUsize::new(0))));
        let mut first = Box::pin(b.load_one(2));
        assert!(first.as_mut().now_or_never().is_none(), "the first member opens the batch and yields");
        let mut second = Box::pin(b.load_one(3));
        assert!(second.as_mut().now_or_never().is_none(), "the second joins it");

        drop(first);

        assert_eq!(second.await, Ok(Some(9)));
    }
}
