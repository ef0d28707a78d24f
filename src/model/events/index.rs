//! The leads of decayed counts found by id: an open-addressing hash table
//! whose slots hold the id itself (when short, as most CRM ids are), the
//! lead's position and its as-of time, so that finding a lead among a
//! million takes one memory access for most events of a log, where a map
//! of strings takes three (its control bytes, its slot, the string).

use std::hash::Hasher;

use rustc_hash::FxHasher;

/// The longest id kept in its slot; longer ones are kept aside.
const SHORT_ID: usize = 23;

/// A slot's `len` for an id kept aside (its index in the first 4 bytes).
const LONG: u8 = u8::MAX;

/// `lead` of an empty slot.
const EMPTY: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct Slot {
    bytes: [u8; SHORT_ID],
    len: u8,
    lead: u32,
    /// Bits of the hash, checked before the id.
    tag: u32,
    as_of: i64,
}

const EMPTY_SLOT: Slot = Slot {
    bytes: [0; SHORT_ID],
    len: 0,
    lead: EMPTY,
    tag: 0,
    as_of: 0,
};

/// Lead ids to (position, as-of time).
#[derive(Debug, Clone)]
pub(super) struct IdIndex {
    slots: Vec<Slot>,
    mask: usize,
    /// Ids longer than [`SHORT_ID`] bytes.
    long: Vec<Box<[u8]>>,
    /// Slots in use.
    filled: usize,
}

fn hash(id: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(id);
    // Spread every bit of the hash over the high ones the index takes.
    h.finish().wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl Default for IdIndex {
    fn default() -> IdIndex {
        IdIndex::with_capacity(0)
    }
}

impl IdIndex {
    /// An index for up to `n` ids (at most three quarters of its slots full).
    pub(super) fn with_capacity(n: usize) -> IdIndex {
        let slots = (n + n / 3 + 1).next_power_of_two().max(16);
        IdIndex {
            slots: vec![EMPTY_SLOT; slots],
            mask: slots - 1,
            long: Vec::new(),
            filled: 0,
        }
    }

    /// Twice the slots, every id moved to its place among them.
    fn grow(&mut self) {
        let n = self.slots.len() * 2;
        let old = std::mem::replace(&mut self.slots, vec![EMPTY_SLOT; n]);
        self.mask = n - 1;
        for slot in old.into_iter().filter(|s| s.lead != EMPTY) {
            let mut i = self.start(hash(self.id_of(&slot)));
            while self.slots[i].lead != EMPTY {
                i = (i + 1) & self.mask;
            }
            self.slots[i] = slot;
        }
    }

    fn start(&self, h: u64) -> usize {
        (h >> 32) as usize & self.mask
    }

    fn id_of<'a>(&'a self, slot: &'a Slot) -> &'a [u8] {
        if slot.len == LONG {
            let mut i = [0u8; 4];
            i.copy_from_slice(&slot.bytes[..4]);
            &self.long[u32::from_le_bytes(i) as usize]
        } else {
            &slot.bytes[..slot.len as usize]
        }
    }

    /// The position and as-of time of the lead with this id.
    #[inline]
    pub(super) fn get(&self, id: &[u8]) -> Option<(u32, i64)> {
        self.find(id, hash(id))
    }

    /// The position and as-of time of the lead of each id, found in two
    /// passes: the first only loads each id's first slot (independent
    /// loads, which the processor overlaps), so that the second, which
    /// compares the ids, finds them in its cache.
    pub(super) fn get_all(&self, ids: &[Option<&[u8]>]) -> Vec<Option<(u32, i64)>> {
        let hashes: Vec<u64> = ids.iter().map(|id| id.map_or(0, hash)).collect();
        let mut touched = 0u32;
        for &h in &hashes {
            touched ^= self.slots[self.start(h)].tag;
        }
        std::hint::black_box(touched);
        ids.iter()
            .zip(&hashes)
            .map(|(id, &h)| self.find(id.as_ref()?, h))
            .collect()
    }

    fn find(&self, id: &[u8], h: u64) -> Option<(u32, i64)> {
        let tag = h as u32;
        let mut i = self.start(h);
        loop {
            let slot = &self.slots[i];
            if slot.lead == EMPTY {
                return None;
            }
            if slot.tag == tag && self.id_of(slot) == id {
                return Some((slot.lead, slot.as_of));
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Adds an id; false (and nothing changed) when it is there already.
    pub(super) fn insert(&mut self, id: &[u8], lead: u32, as_of: i64) -> bool {
        if (self.filled + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let h = hash(id);
        let tag = h as u32;
        let mut i = self.start(h);
        loop {
            let slot = &self.slots[i];
            if slot.lead == EMPTY {
                break;
            }
            if slot.tag == tag && self.id_of(slot) == id {
                return false;
            }
            i = (i + 1) & self.mask;
        }
        let mut slot = Slot {
            lead,
            tag,
            as_of,
            ..EMPTY_SLOT
        };
        if id.len() <= SHORT_ID {
            slot.bytes[..id.len()].copy_from_slice(id);
            slot.len = id.len() as u8;
        } else {
            slot.bytes[..4].copy_from_slice(&(self.long.len() as u32).to_le_bytes());
            slot.len = LONG;
            self.long.push(id.into());
        }
        self.slots[i] = slot;
        self.filled += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_ids_are_found_duplicates_refused_and_growth_keeps_them() {
        let mut index = IdIndex::with_capacity(2);
        let long = "x".repeat(40);
        let ids: Vec<String> = (0..1000)
            .map(|i| format!("L{i}"))
            .chain([long.clone(), String::new(), "é".repeat(12)])
            .collect();
        for (i, id) in ids.iter().enumerate() {
            assert!(index.insert(id.as_bytes(), i as u32, 10 * i as i64), "{id}");
        }
        assert!(!index.insert(b"L7", 99, 0));
        assert!(!index.insert(long.as_bytes(), 99, 0));
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(
                index.get(id.as_bytes()),
                Some((i as u32, 10 * i as i64)),
                "{id}"
            );
        }
        assert_eq!(index.get(b"L1000"), None);
        let asked: Vec<Option<&[u8]>> =
            vec![Some(b"L3"), None, Some(b"nobody"), Some(long.as_bytes())];
        assert_eq!(
            index.get_all(&asked),
            vec![Some((3, 30)), None, None, Some((1000, 10_000))]
        );
        assert_eq!(index.get("x".repeat(39).as_bytes()), None);
    }
}
