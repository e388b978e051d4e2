//! One request's batched reads: the keys its resolvers ask for, until a turn of the worker
//! adds none, are read together, in one statement per [`Load`]er.
//!
//! The first key asked for starts a task. That task lets the worker run what is ready
//! ([`tokio::task::yield_now`]) until a turn adds no key, so every resolver of the request's
//! passes adds its keys, and then reads them all. No timer is involved. async-graphql's `DataLoader`
//! waited on a timer before each batch: at least until the next millisecond tick, and
//! on a worker with nothing else ready, that was time the core sat idle. A request with
//! nested lists waited once per level. Its slot among the queries in flight was held all the
//! while, so the bench's one-pilot query left a quarter of the machine unused.

use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::oneshot;
use tracing::Instrument;

/// Most keys one statement asks for; a larger batch is read in several statements.
const MAX_KEYS: usize = 1000;

/// Reads the values of a set of keys at once.
pub trait Load<K>: Send + Sync + 'static {
    /// What one key finds.
    type Value: Send + Sync + Clone + 'static;
    /// Why a read failed; every asker of the batch gets it.
    type Error: Send + Clone + 'static;
    /// The values of `keys`; a key that finds nothing is absent.
    fn load(
        &self,
        keys: &[K],
    ) -> impl Future<Output = Result<HashMap<K, Self::Value>, Self::Error>> + Send;
}

/// Why a batched read gave no values.
#[derive(Debug)]
pub enum Failed<E> {
    /// The read failed.
    Load(E),
    /// The batch's task ended before it answered (the runtime is shutting down).
    Interrupted,
}

impl<E: fmt::Display> fmt::Display for Failed<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failed::Load(e) => e.fmt(f),
            Failed::Interrupted => f.write_str("a batched read was interrupted"),
        }
    }
}

/// What one asker gets: its keys that were found, each with its value.
type Answer<K, L> = Result<Vec<(K, <L as Load<K>>::Value)>, <L as Load<K>>::Error>;

/// Keys asked for, and where their values go.
struct Asker<K, L: Load<K>> {
    keys: Vec<K>,
    answer: oneshot::Sender<Answer<K, L>>,
}

/// Asks for keys to be read together with the other keys the request asks for meanwhile.
pub struct Batch<K, L: Load<K>> {
    loader: Arc<L>,
    /// The askers since the last batch started reading; the first of them starts the next.
    waiting: Arc<Mutex<Vec<Asker<K, L>>>>,
}

impl<K, L> Batch<K, L>
where
    K: Clone + Eq + Hash + Send + Sync + 'static,
    L: Load<K>,
{
    /// Batches of `loader`'s reads.
    pub fn new(loader: L) -> Self {
        Batch {
            loader: Arc::new(loader),
            waiting: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// The values of `keys` that were found, read in one batch with every key the request's
    /// other resolvers ask for until a turn of the worker adds none.
    pub async fn load_many(
        &self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<HashMap<K, L::Value>, Failed<L::Error>> {
        let keys: Vec<K> = keys.into_iter().collect();
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(self.ask(keys).await?.into_iter().collect())
    }

    /// The value of `key`, if found, read as [`Batch::load_many`] reads.
    pub async fn load_one(&self, key: K) -> Result<Option<L::Value>, Failed<L::Error>> {
        Ok(self.ask(vec![key]).await?.pop().map(|(_, value)| value))
    }

    /// Joins `keys` to the next batch and waits for its answer.
    async fn ask(&self, keys: Vec<K>) -> Result<Vec<(K, L::Value)>, Failed<L::Error>> {
        let (answer, answered) = oneshot::channel();
        let first = {
            let mut waiting = lock(&self.waiting);
            waiting.push(Asker { keys, answer });
            waiting.len() == 1
        };
        if first {
            let read = read(Arc::clone(&self.loader), Arc::clone(&self.waiting));
            tokio::spawn(read.in_current_span());
        }
        match answered.await {
            Ok(values) => values.map_err(Failed::Load),
            Err(_) => Err(Failed::Interrupted),
        }
    }
}

/// One batch: once a turn of the worker adds no asker, every key asked for so far, read at
/// once and handed to its askers. The last asker of a key takes its value; the others get a clone
/// (values are `Arc`s, so a row read once is never copied).
async fn read<K, L>(loader: Arc<L>, waiting: Arc<Mutex<Vec<Asker<K, L>>>>)
where
    K: Clone + Eq + Hash + Send + Sync + 'static,
    L: Load<K>,
{
    // Until a turn of the worker adds no asker: a request with many fields to resolve is
    // polled in several passes (tokio's co-operative budget ends a pass after 128 waits),
    // each adding its keys.
    loop {
        let before = lock(&waiting).len();
        tokio::task::yield_now().await;
        if lock(&waiting).len() == before {
            break;
        }
    }
    let askers = std::mem::take(&mut *lock(&waiting));
    let mut askers_of: HashMap<K, usize> = HashMap::new();
    let mut keys = Vec::new();
    for key in askers.iter().flat_map(|a| &a.keys) {
        let n = askers_of.entry(key.clone()).or_insert(0);
        if *n == 0 {
            keys.push(key.clone());
        }
        *n += 1;
    }
    let mut found = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(MAX_KEYS) {
        match loader.load(chunk).await {
            Ok(values) => found.extend(values),
            Err(e) => {
                for asker in askers {
                    // An asker whose request has ended is not waiting for an answer.
                    let _ = asker.answer.send(Err(e.clone()));
                }
                return;
            }
        }
    }
    for asker in askers {
        let mut values = Vec::with_capacity(asker.keys.len());
        for key in asker.keys {
            let left = askers_of.get_mut(&key).map_or(0, |n| {
                *n -= 1;
                *n
            });
            let value = if left == 0 {
                found.remove(&key)
            } else {
                found.get(&key).cloned()
            };
            if let Some(value) = value {
                values.push((key, value));
            }
        }
        let _ = asker.answer.send(Ok(values));
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::future::join_all;

    /// Squares its keys, recording each batch it was asked for; odd keys find nothing, and
    /// key 13 fails the whole batch.
    #[derive(Clone, Default)]
    struct Squares(Arc<Mutex<Vec<Vec<u32>>>>);

    impl Load<u32> for Squares {
        type Value = Arc<u32>;
        type Error = String;
        async fn load(&self, keys: &[u32]) -> Result<HashMap<u32, Arc<u32>>, String> {
            lock(&self.0).push(keys.to_vec());
            if keys.contains(&13) {
                return Err("thirteen".into());
            }
            Ok(keys
                .iter()
                .filter(|k| *k % 2 == 0)
                .map(|k| (*k, Arc::new(k * k)))
                .collect())
        }
    }

    fn batches(s: &Squares) -> Vec<Vec<u32>> {
        let mut b = lock(&s.0).clone();
        b.iter_mut().for_each(|keys| keys.sort_unstable());
        b
    }

    #[tokio::test(flavor = "current_thread")]
    async fn keys_asked_for_in_one_pass_are_read_in_one_batch() {
        let squares = Squares::default();
        let batch = Batch::new(squares.clone());
        // Four askers polled together, two of them for the same key.
        let got = join_all([2, 4, 2, 5].map(|k| batch.load_one(k))).await;
        let got: Vec<Option<u32>> = got
            .into_iter()
            .map(|r| r.expect("read").map(|v| *v))
            .collect();
        assert_eq!(got, [Some(4), Some(16), Some(4), None]);
        assert_eq!(batches(&squares), [vec![2, 4, 5]]);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_list_polled_in_several_passes_is_read_in_one_batch() {
        let squares = Squares::default();
        let batch = Batch::new(squares.clone());
        // Each asker first waits on something of tokio's, as resolvers do before they ask:
        // past tokio's co-operative budget (128 a turn) the rest ask in a later pass, as the
        // pilots of a page and their nested lists do.
        let keys: Vec<u32> = (0..300).map(|k| k * 2).collect();
        let got = join_all(keys.iter().map(|k| async {
            tokio::task::consume_budget().await;
            batch.load_one(*k).await
        }))
        .await;
        assert!(got.iter().all(|r| matches!(r, Ok(Some(_)))));
        assert_eq!(batches(&squares), [keys]);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_later_pass_starts_a_new_batch() {
        let squares = Squares::default();
        let batch = Batch::new(squares.clone());
        let first = batch.load_many([2, 6]).await.expect("read");
        let second = batch.load_one(8).await.expect("read");
        assert_eq!(
            (first.len(), *first[&6], second.map(|v| *v)),
            (2, 36, Some(64))
        );
        assert_eq!(batches(&squares), [vec![2, 6], vec![8]]);
        assert!(batch.load_many([]).await.expect("read").is_empty());
        assert_eq!(batches(&squares).len(), 2, "no keys, no read");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_failed_read_fails_every_asker_of_its_batch() {
        let squares = Squares::default();
        let batch = Batch::new(squares.clone());
        let got = join_all([2, 13].map(|k| batch.load_one(k))).await;
        for r in got {
            assert!(matches!(r, Err(Failed::Load(ref e)) if e == "thirteen"));
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_large_batch_is_read_in_statements_of_at_most_max_keys() {
        let squares = Squares::default();
        let batch = Batch::new(squares.clone());
        let keys: Vec<u32> = (0..2 * MAX_KEYS as u32 + 10).map(|k| k * 2).collect();
        let got = batch.load_many(keys.clone()).await.expect("read");
        assert_eq!(got.len(), keys.len());
        let sizes: Vec<usize> = lock(&squares.0).iter().map(Vec::len).collect();
        assert_eq!(sizes, [MAX_KEYS, MAX_KEYS, 10]);
    }
}
