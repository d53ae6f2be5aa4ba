//! The sandbox's in-memory state: bounded maps that forget their oldest entries, bounded both in
//! count and in bytes, so a long-running sandbox (or a load test, or a hostile client) cannot
//! grow without bound.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

use serde_json::Value;

/// The bytes each store may hold (estimated by [`Weigh`]); the oldest entries are forgotten
/// beyond it. Nine stores (six Lyra, two ETpay, the notification log) stay under ~216 MiB, plus
/// the Lyra order index (uuids only, at most twice the transaction count plus 1,024).
pub(crate) const STORE_BYTES: usize = 24 << 20;

/// An estimate of the heap bytes a stored value holds, for [`Bounded`]'s byte budget.
pub(crate) trait Weigh {
    /// Estimated bytes (the value itself and what it owns).
    fn weight(&self) -> usize;
}

/// The estimated heap bytes of a JSON value (a `serde_json::Value` node is 32 bytes; a map
/// entry adds its key and its node's overhead).
pub(crate) fn json_weight(value: &Value) -> usize {
    32 + match value {
        Value::String(s) => s.len(),
        Value::Array(items) => items.iter().map(json_weight).sum(),
        Value::Object(map) => map.iter().map(|(k, v)| 48 + k.len() + json_weight(v)).sum(),
        _ => 0,
    }
}

/// The estimated heap bytes of an optional string.
pub(crate) fn str_weight(s: &Option<String>) -> usize {
    s.as_ref().map_or(0, |s| 24 + s.len())
}

impl Weigh for Value {
    fn weight(&self) -> usize {
        json_weight(self)
    }
}

/// The newest entries of a store, copied, and how many older ones were left out.
#[derive(Debug)]
pub(crate) struct Newest<T> {
    /// Newest first.
    pub items: Vec<T>,
    /// Entries that matched but were not copied.
    pub hidden: usize,
}

/// A map that keeps at most `capacity` entries and at most `budget` estimated bytes, evicting
/// the oldest insertion first (the newest entry always stays).
///
/// An entry changed through [`Bounded::get_mut`] is weighed again at the next mutating call, so
/// updates that grow an entry count against the budget too.
#[derive(Debug)]
pub(crate) struct Bounded<K, V> {
    capacity: usize,
    budget: usize,
    bytes: usize,
    order: VecDeque<K>,
    map: HashMap<K, (V, usize)>,
    /// The key last handed out by `get_mut`, to weigh again.
    touched: Option<K>,
}

impl<K: Eq + Hash + Clone, V: Weigh> Bounded<K, V> {
    /// At most `capacity` entries and [`STORE_BYTES`] bytes.
    pub(crate) fn new(capacity: usize) -> Self {
        Self::with_budget(capacity, STORE_BYTES)
    }

    /// At most `capacity` entries and `budget` estimated bytes.
    pub(crate) fn with_budget(capacity: usize, budget: usize) -> Self {
        Bounded {
            capacity: capacity.max(1),
            budget,
            bytes: 0,
            order: VecDeque::new(),
            map: HashMap::new(),
            touched: None,
        }
    }

    /// Inserts or replaces (a replaced entry keeps its place in the eviction order).
    pub(crate) fn insert(&mut self, key: K, value: V) {
        self.settle();
        let weight = value.weight();
        match self.map.insert(key.clone(), (value, weight)) {
            Some((_, old)) => self.bytes -= old,
            None => self.order.push_back(key),
        }
        self.bytes += weight;
        self.evict();
    }

    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key).map(|(v, _)| v)
    }

    /// The entry, to change in place; weighed again at the next mutating call.
    pub(crate) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.settle();
        self.touched = Some(key.clone());
        self.map.get_mut(key).map(|(v, _)| v)
    }

    /// Values in insertion order.
    pub(crate) fn values(&self) -> impl DoubleEndedIterator<Item = &V> {
        self.order
            .iter()
            .filter_map(|k| self.map.get(k).map(|(v, _)| v))
    }

    /// Weighs the entry last changed in place again, then evicts what is over budget.
    fn settle(&mut self) {
        if let Some(key) = self.touched.take() {
            if let Some((value, weight)) = self.map.get_mut(&key) {
                let new = value.weight();
                self.bytes = self.bytes - *weight + new;
                *weight = new;
            }
            self.evict();
        }
    }

    fn evict(&mut self) {
        while self.order.len() > self.capacity || (self.bytes > self.budget && self.order.len() > 1)
        {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some((_, weight)) = self.map.remove(&old) {
                self.bytes -= weight;
            }
        }
    }

    /// How many entries are stored.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Keys and values in insertion order.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> {
        self.order
            .iter()
            .filter_map(|k| self.map.get_key_value(k).map(|(k, (v, _))| (k, v)))
    }

    /// Copies of the newest `n` entries that `keep` selects (newest first), shaped by `view`,
    /// and how many more it selects: what a listing shows without holding the caller's lock
    /// while it renders.
    pub(crate) fn newest<T>(
        &self,
        n: usize,
        keep: impl Fn(&K, &V) -> bool,
        view: impl Fn(&K, &V) -> T,
    ) -> Newest<T> {
        let mut newest = Newest {
            items: Vec::new(),
            hidden: 0,
        };
        for (key, value) in self.iter().rev().filter(|(k, v)| keep(k, v)) {
            if newest.items.len() < n {
                newest.items.push(view(key, value));
            } else {
                newest.hidden += 1;
            }
        }
        newest
    }

    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Weigh for i32 {
        fn weight(&self) -> usize {
            4
        }
    }

    impl Weigh for String {
        fn weight(&self) -> usize {
            self.len()
        }
    }

    #[test]
    fn evicts_the_oldest_entries() {
        let mut map = Bounded::new(2);
        map.insert("a", 1);
        map.insert("b", 2);
        map.insert("c", 3);
        assert_eq!(map.len(), 2);
        assert!(map.get(&"a").is_none());
        assert_eq!(map.values().copied().collect::<Vec<_>>(), vec![2, 3]);
        map.insert("b", 20);
        assert_eq!(map.values().copied().collect::<Vec<_>>(), vec![20, 3]);
    }

    #[test]
    fn newest_copies_the_newest_matches_and_counts_the_rest() {
        let mut map = Bounded::new(10);
        for i in 0..6 {
            map.insert(i, i * 10);
        }
        let newest = map.newest(2, |_, v| v % 20 == 0, |k, v| (*k, *v));
        assert_eq!(newest.items, vec![(4, 40), (2, 20)]);
        assert_eq!(newest.hidden, 1);
        assert_eq!(
            map.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4, 5]
        );
    }

    #[test]
    fn evicts_the_oldest_entries_beyond_the_byte_budget() {
        let mut map = Bounded::with_budget(100, 1000);
        for i in 0..10 {
            map.insert(i, "x".repeat(300));
        }
        assert!(map.bytes() <= 1000, "{} bytes", map.bytes());
        assert_eq!(map.len(), 3);
        assert!(map.get(&9).is_some() && map.get(&6).is_none());
        // One entry larger than the budget is kept alone (the newest always stays).
        map.insert(10, "y".repeat(5000));
        assert_eq!(map.len(), 1);
        assert!(map.get(&10).is_some());
    }

    #[test]
    fn an_entry_grown_in_place_is_weighed_again() {
        let mut map = Bounded::with_budget(100, 1000);
        for i in 0..3 {
            map.insert(i, "x".repeat(100));
        }
        map.get_mut(&2).unwrap().push_str(&"z".repeat(800));
        // The next mutating call settles the growth: the oldest entries go.
        map.insert(3, "x".repeat(10));
        assert!(map.bytes() <= 1000, "{} bytes", map.bytes());
        assert!(map.get(&0).is_none() && map.get(&1).is_none());
        assert_eq!(map.get(&2).map(String::len), Some(900));
    }
}
