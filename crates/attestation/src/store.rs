//! [`CollateralStore`]: verified collateral held the way the parent chain
//! registers it, with the lookup [`crate::Verifier::verify_dcap_quote`]
//! takes. For verifiers outside the runtime (RA-TLS peers, clients, tests);
//! the runtime keeps its own in pallet storage.

use alloc::collections::BTreeMap;

use integritee_primitives::{CollateralKind, Fmspc, VerifiedCollateral};

/// Verified collateral as the parent chain registers it: one QE identity, TCB
/// infos by FMSPC, and optionally the PCK CRL and the Root CA CRL.
#[derive(Clone, Default, Debug)]
pub struct CollateralStore {
	qe_identity: Option<VerifiedCollateral>,
	tcb_infos: BTreeMap<Fmspc, VerifiedCollateral>,
	pck_crl: Option<VerifiedCollateral>,
	root_ca_crl: Option<VerifiedCollateral>,
}

/// Collateral the store cannot file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreError {
	/// A TCB info is filed by its FMSPC, and this one names none.
	TcbInfoWithoutFmspc,
}

impl core::fmt::Display for StoreError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::TcbInfoWithoutFmspc => f.write_str("TCB info without FMSPC"),
		}
	}
}

impl CollateralStore {
	/// Stores `collateral`, replacing what was stored for its kind (and FMSPC).
	pub fn insert(&mut self, collateral: VerifiedCollateral) -> Result<(), StoreError> {
		match collateral.kind {
			CollateralKind::QuotingEnclaveIdentity => self.qe_identity = Some(collateral),
			CollateralKind::TcbInfo => {
				let fmspc = collateral.fmspc.ok_or(StoreError::TcbInfoWithoutFmspc)?;
				self.tcb_infos.insert(fmspc, collateral);
			}
			CollateralKind::PckCrl => self.pck_crl = Some(collateral),
			CollateralKind::RootCaCrl => self.root_ca_crl = Some(collateral),
		}
		Ok(())
	}

	/// Forgets everything stored of `kind` (every TCB info for
	/// [`CollateralKind::TcbInfo`]).
	pub fn remove(&mut self, kind: CollateralKind) {
		match kind {
			CollateralKind::QuotingEnclaveIdentity => self.qe_identity = None,
			CollateralKind::TcbInfo => self.tcb_infos.clear(),
			CollateralKind::PckCrl => self.pck_crl = None,
			CollateralKind::RootCaCrl => self.root_ca_crl = None,
		}
	}

	/// The lookup [`crate::Verifier::verify_dcap_quote`] takes: TCB info by
	/// FMSPC, the other kinds with `None`.
	pub fn lookup(&self, kind: CollateralKind, fmspc: Option<Fmspc>) -> Option<VerifiedCollateral> {
		match kind {
			CollateralKind::QuotingEnclaveIdentity => self.qe_identity.clone(),
			CollateralKind::TcbInfo => fmspc.and_then(|f| self.tcb_infos.get(&f).cloned()),
			CollateralKind::PckCrl => self.pck_crl.clone(),
			CollateralKind::RootCaCrl => self.root_ca_crl.clone(),
		}
	}
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
	use super::*;

	fn collateral(kind: CollateralKind, fmspc: Option<Fmspc>) -> VerifiedCollateral {
		VerifiedCollateral { kind, fmspc, issued_at_ms: 0, next_update_ms: 1, encoded: vec![] }
	}

	#[test]
	fn collateral_store_looks_up_by_kind_and_fmspc() {
		let mut store = CollateralStore::default();
		assert_eq!(
			store.insert(collateral(CollateralKind::TcbInfo, None)),
			Err(StoreError::TcbInfoWithoutFmspc)
		);
		store.insert(collateral(CollateralKind::TcbInfo, Some([1; 6]))).unwrap();
		store.insert(collateral(CollateralKind::QuotingEnclaveIdentity, None)).unwrap();
		assert!(store.lookup(CollateralKind::TcbInfo, Some([1; 6])).is_some());
		assert!(store.lookup(CollateralKind::TcbInfo, Some([2; 6])).is_none());
		assert!(store.lookup(CollateralKind::TcbInfo, None).is_none());
		assert!(store.lookup(CollateralKind::QuotingEnclaveIdentity, None).is_some());
		assert!(store.lookup(CollateralKind::PckCrl, None).is_none());
		store.remove(CollateralKind::TcbInfo);
		assert!(store.lookup(CollateralKind::TcbInfo, Some([1; 6])).is_none());
		assert!(store.lookup(CollateralKind::QuotingEnclaveIdentity, None).is_some());
	}
}
