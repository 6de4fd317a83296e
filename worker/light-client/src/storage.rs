//! Storage values proven against a header's state root.

use polkadot_sdk::{
	sp_core::Blake2Hasher,
	sp_trie::{read_trie_value, LayoutV1, StorageProof},
};

use crate::{Error, Header};

/// Values of `keys` (in order) proven by `proof` (the trie nodes, as
/// `state_getReadProof` returns them) against `header.state_root`.
///
/// `Ok(None)` only when the proof proves the key absent; a proof that lacks a
/// node on a key's path is an error, never "absent". Reading does not depend
/// on the state version (V1 only changes how values are hashed when written).
pub fn read_proof(
	header: &Header,
	proof: Vec<Vec<u8>>,
	keys: &[Vec<u8>],
) -> Result<Vec<Option<Vec<u8>>>, Error> {
	let db = StorageProof::new(proof).into_memory_db::<Blake2Hasher>();
	keys.iter()
		.map(|key| {
			read_trie_value::<LayoutV1<Blake2Hasher>, _>(&db, &header.state_root, key, None, None)
				.map_err(|e| Error::StorageProof { key: hex(key), reason: e.to_string() })
		})
		.collect()
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}
