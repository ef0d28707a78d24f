//! One column's fields decoded: text, or a dictionary of distinct values.

use rustc_hash::FxHashMap;

use crate::data::table::Values;

/// Decodes one column's fields: text kept as it is (ids), or a dictionary
/// of the batch's distinct values (Fx hashing: cells are short and this is
/// the hot loop).
pub(crate) enum Decoder<'a> {
    Text(Vec<Option<String>>),
    Dictionary {
        small: Vec<(&'a [u8], Option<u32>)>,
        index: FxHashMap<&'a [u8], Option<u32>>,
        values: Vec<String>,
        codes: Vec<Option<u32>>,
    },
}

/// Distinct values of a column looked up by scanning before hashing.
pub(crate) const SMALL_DICTIONARY: usize = 8;

/// Byte equality, without a call to `memcmp` for the short fields most
/// cells are.
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        false
    } else if a.len() <= 16 {
        a.iter().zip(b).all(|(x, y)| x == y)
    } else {
        a == b
    }
}

/// Adds a distinct value to a dictionary: its code, or `None` when it is
/// not valid UTF-8.
fn new_value(values: &mut Vec<String>, f: &[u8]) -> Option<u32> {
    let s = std::str::from_utf8(f).ok()?;
    values.push(s.to_string());
    Some((values.len() - 1) as u32)
}

impl<'a> Decoder<'a> {
    /// Adds a field (empty is missing); false when it is not valid UTF-8
    /// (then it is stored as missing).
    pub(crate) fn push(&mut self, f: &'a [u8]) -> bool {
        if f.is_empty() {
            match self {
                Decoder::Text(v) => v.push(None),
                Decoder::Dictionary { codes, .. } => codes.push(None),
            }
            return true;
        }
        match self {
            Decoder::Text(v) => match std::str::from_utf8(f) {
                Ok(s) => {
                    v.push(Some(s.to_string()));
                    true
                }
                Err(_) => {
                    v.push(None);
                    false
                }
            },
            Decoder::Dictionary {
                small,
                index,
                values,
                codes,
            } => {
                // Most columns hold a handful of values per batch: a short
                // list scanned in order beats hashing them.
                let found = small.iter().find(|(v, _)| same(v, f)).map(|(_, c)| *c);
                let code = match found {
                    Some(c) => c,
                    None if small.len() < SMALL_DICTIONARY => {
                        let c = new_value(values, f);
                        small.push((f, c));
                        c
                    }
                    None => *index.entry(f).or_insert_with(|| new_value(values, f)),
                };
                codes.push(code);
                code.is_some()
            }
        }
    }

    pub(crate) fn finish(self) -> Values {
        match self {
            Decoder::Text(v) => Values::Text(v),
            Decoder::Dictionary { values, codes, .. } => Values::Dictionary { values, codes },
        }
    }
}
