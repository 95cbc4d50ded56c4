//! A small time-bounded cache for the lookups every trigger call makes (its API key, its
//! campaign), so the hot path does not ask SQLite each time.
//!
//! Invariants:
//! - An entry is served for at most its time-to-live after it was read from the store.
//! - Evictions ([`TtlCache::remove`], [`TtlCache::clear`]) come from writes on this node and,
//!   on PostgreSQL, from other nodes' announced changes (see [`crate::coherence`]). A value read
//!   from the store before an eviction is not cached after it ([`TtlCache::generation`]), so a
//!   lookup racing a change cannot bring the old value back for a whole TTL.
//! - A cache that is not serving (on PostgreSQL, while this node does not hear other nodes'
//!   changes) answers nothing and keeps nothing: every lookup reads the store.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub struct TtlCache<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: RwLock<HashMap<K, (V, Instant)>>,
    /// Bumped by every eviction.
    generation: AtomicU64,
    serving: AtomicBool,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            entries: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
            serving: AtomicBool::new(true),
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        if !self.serving.load(Ordering::Acquire) {
            return None;
        }
        let entries = self.entries.read().expect("cache lock");
        entries
            .get(key)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(v, _)| v.clone())
    }

    /// Take before reading the value from the store, and give to [`TtlCache::insert`].
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Keeps a value read from the store when the cache's generation was `read_at`, unless
    /// something was evicted since (the value may be older than the eviction).
    pub fn insert(&self, key: K, value: V, read_at: u64) {
        if !self.serving.load(Ordering::Acquire) {
            return;
        }
        let mut entries = self.entries.write().expect("cache lock");
        if self.generation.load(Ordering::Acquire) != read_at {
            return;
        }
        if entries.len() >= self.capacity {
            // Rare (more live keys than the capacity): start over rather than track recency.
            entries.clear();
        }
        entries.insert(key, (value, Instant::now()));
    }

    pub fn clear(&self) {
        let mut entries = self.entries.write().expect("cache lock");
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
    }

    pub fn remove(&self, key: &K) {
        let mut entries = self.entries.write().expect("cache lock");
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.remove(key);
    }

    /// Starts or stops serving; a cache that stops serving forgets everything.
    pub fn serve(&self, on: bool) {
        self.serving.store(on, Ordering::Release);
        if !on {
            self.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_after_their_ttl() {
        let cache = TtlCache::new(Duration::from_millis(20), 10);
        cache.insert("k", 1, cache.generation());
        assert_eq!(cache.get(&"k"), Some(1));
        std::thread::sleep(Duration::from_millis(25));
        assert_eq!(cache.get(&"k"), None);
    }

    #[test]
    fn removal_and_capacity_bound_the_cache() {
        let cache = TtlCache::new(Duration::from_secs(60), 2);
        cache.insert(1, "a", cache.generation());
        cache.remove(&1);
        assert_eq!(cache.get(&1), None);
        for (k, v) in [(2, "b"), (3, "c"), (4, "d")] {
            cache.insert(k, v, cache.generation());
        }
        assert_eq!(cache.get(&4), Some("d"));
        assert_eq!(cache.get(&2), None, "a full cache starts over");
    }

    #[test]
    fn a_value_read_before_an_eviction_is_not_kept() {
        let cache = TtlCache::new(Duration::from_secs(60), 10);
        let read_at = cache.generation();
        cache.remove(&"k"); // another node stopped the campaign while we read it
        cache.insert("k", "old", read_at);
        assert_eq!(cache.get(&"k"), None);
    }

    #[test]
    fn a_cache_that_does_not_serve_answers_nothing() {
        let cache = TtlCache::new(Duration::from_secs(60), 10);
        cache.insert("k", 1, cache.generation());
        cache.serve(false);
        assert_eq!(cache.get(&"k"), None);
        cache.insert("k", 1, cache.generation());
        cache.serve(true);
        assert_eq!(cache.get(&"k"), None, "nothing kept while not serving");
    }
}
