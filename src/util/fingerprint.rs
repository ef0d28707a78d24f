//! Fingerprints: a short stable hash (64-bit FNV-1a, 16 hex digits) of a
//! value's JSON form, for the model and the policy.

/// The fingerprint of `value` serialized as compact JSON.
pub(crate) fn fingerprint<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // Serializing plain data (strings, numbers, vectors, maps with string
    // keys) cannot fail; an empty body would still give a stable hash.
    let body = serde_json::to_string(value).unwrap_or_default();
    let mut h: u64 = 0xcbf29ce484222325;
    for b in body.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn fnv_of_the_json_text() {
        // FNV-1a of the two bytes `""` (an empty JSON string).
        assert_eq!(super::fingerprint(""), "07cc7607b4949e25");
    }
}
