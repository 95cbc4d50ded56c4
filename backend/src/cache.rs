//! A small time-bounded cache for the lookups every trigger call makes (its API key, its
//! campaign), so the hot path does not ask SQLite each time.
//!
//! Invariant: an entry is served for at most its time-to-live after it was read from the store;
//! writes on this node evict the entry at once. So a revoked key or a stopped campaign takes
//! effect at once on the node that changed it and within the TTL on every other node.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::time::{Duration, Instant};

pub struct TtlCache<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: RwLock<HashMap<K, (V, Instant)>>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            entries: RwLock::new(HashMap::new()),
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.read().expect("cache lock");
        entries
            .get(key)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(v, _)| v.clone())
    }

    pub fn insert(&self, key: K, value: V) {
        let mut entries = self.entries.write().expect("cache lock");
        if entries.len() >= self.capacity {
            // Rare (more live keys than the capacity): start over rather than track recency.
            entries.clear();
        }
        entries.insert(key, (value, Instant::now()));
    }

    pub fn clear(&self) {
        self.entries.write().expect("cache lock").clear();
    }

    pub fn remove(&self, key: &K) {
        self.entries.write().expect("cache lock").remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_after_their_ttl() {
        let cache = TtlCache::new(Duration::from_millis(20), 10);
        cache.insert("k", 1);
        assert_eq!(cache.get(&"k"), Some(1));
        std::thread::sleep(Duration::from_millis(25));
        assert_eq!(cache.get(&"k"), None);
    }

    #[test]
    fn removal_and_capacity_bound_the_cache() {
        let cache = TtlCache::new(Duration::from_secs(60), 2);
        cache.insert(1, "a");
        cache.remove(&1);
        assert_eq!(cache.get(&1), None);
        cache.insert(2, "b");
        cache.insert(3, "c");
        cache.insert(4, "d");
        assert_eq!(cache.get(&4), Some("d"));
        assert_eq!(cache.get(&2), None, "a full cache starts over");
    }
}
