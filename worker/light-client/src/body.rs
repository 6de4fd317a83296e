//! Block bodies against their header's extrinsics root.

use polkadot_sdk::{
	sp_core::Blake2Hasher,
	sp_trie::{LayoutV0, TrieConfiguration},
};

use crate::{Error, Header, H256};

/// The extrinsics root of a body: the ordered trie root (keys: compact-encoded
/// index) of the SCALE-encoded extrinsics, each as the chain stores it (with
/// its compact length prefix, i.e. the bytes `chain_getBlock` returns).
///
/// The trie layout is state version 0: frame-system computes the root with
/// `RuntimeVersion::extrinsics_root_state_version()`, which is V0 for
/// `system_version` 0 and 1 (the Integritee runtime has 1) and V1 only from 2.
pub fn extrinsics_root(extrinsics: &[Vec<u8>]) -> H256 {
	LayoutV0::<Blake2Hasher>::ordered_trie_root(extrinsics)
}

/// Whether `extrinsics` are exactly the body of `header`.
pub fn verify_extrinsics_root(header: &Header, extrinsics: &[Vec<u8>]) -> Result<(), Error> {
	let computed = extrinsics_root(extrinsics);
	if computed == header.extrinsics_root {
		Ok(())
	} else {
		Err(Error::ExtrinsicsRootMismatch { computed, expected: header.extrinsics_root })
	}
}
