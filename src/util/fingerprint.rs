//! Fingerprints: a short stable hash (64-bit FNV-1a, 16 hex digits) of a
//! value's JSON form, for the model and the policy.

/// The fingerprint of `value` serialized as compact JSON.
pub(crate) fn fingerprint<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // Serializing plain data (strings, numbers, vectors, maps with string
    // keys) cannot fail; an empty body would still give a stable hash.
    let body = serde_json::to_string(value).unwrap_or_default();
    let mut h = Fnv::new();
    h.write(body.as_bytes());
    h.finish_hex()
}

/// A 64-bit FNV-1a hash fed bytes as they come.
pub(crate) struct Fnv(u64);

impl Fnv {
    /// The hash of nothing yet.
    pub(crate) fn new() -> Fnv {
        Fnv(0xcbf29ce484222325)
    }

    /// Feeds `bytes`.
    pub(crate) fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x100000001b3);
        }
    }

    /// The hash.
    pub(crate) fn value(&self) -> u64 {
        self.0
    }

    /// The hash as 16 hex digits.
    pub(crate) fn finish_hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fnv_of_the_json_text() {
        // FNV-1a of the two bytes `""` (an empty JSON string).
        assert_eq!(super::fingerprint(""), "07cc7607b4949e25");
    }
}
