//! The sandbox's in-memory state: bounded maps that forget their oldest entries.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// A map that keeps at most `capacity` entries, evicting the oldest insertion first, so a
/// long-running sandbox (or a load test) cannot grow without bound.
#[derive(Debug)]
pub(crate) struct Bounded<K, V> {
    capacity: usize,
    order: VecDeque<K>,
    map: HashMap<K, V>,
}

impl<K: Eq + Hash + Clone, V> Bounded<K, V> {
    pub(crate) fn new(capacity: usize) -> Self {
        Bounded {
            capacity: capacity.max(1),
            order: VecDeque::new(),
            map: HashMap::new(),
        }
    }

    pub(crate) fn insert(&mut self, key: K, value: V) {
        if self.map.insert(key.clone(), value).is_none() {
            self.order.push_back(key);
            while self.order.len() > self.capacity {
                if let Some(old) = self.order.pop_front() {
                    self.map.remove(&old);
                }
            }
        }
    }

    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key)
    }

    pub(crate) fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.map.get_mut(key)
    }

    /// Values in insertion order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &V> {
        self.order.iter().filter_map(|k| self.map.get(k))
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
