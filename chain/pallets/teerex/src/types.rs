//! The registry's own types: records as stored, call arguments, genesis
//! collateral. Kept apart from `lib.rs` so that the pallet's sections read in
//! order there.

use crate::Config;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use integritee_primitives::{
	CollateralKind, Fmspc, RegistrationClaims, SgxEnclave, VerifiedCollateral,
};
use polkadot_sdk::{
	frame_support::{
		traits::fungible, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
	},
	frame_system::pallet_prelude::BlockNumberFor,
};
use scale_info::TypeInfo;

/// The registry's record of an enclave, with the URL bounded for storage.
pub type EnclaveOf<T> = SgxEnclave<BoundedVec<u8, <T as Config>::MaxUrlLength>>;

/// What a registering enclave claims on this chain: its shielding key and a
/// block of this chain its light client finalized.
pub type ClaimsOf<T> =
	RegistrationClaims<BlockNumberFor<T>, <T as polkadot_sdk::frame_system::Config>::Hash>;

/// The balance of [`Config::Currency`], in which the registration deposit is held.
pub type BalanceOf<T> = <<T as Config>::Currency as fungible::Inspect<
	<T as polkadot_sdk::frame_system::Config>::AccountId,
>>::Balance;

/// Verified collateral as stored, bounded for storage.
#[derive(
	Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
pub struct StoredCollateral<T: Config> {
	pub kind: CollateralKind,
	pub fmspc: Option<Fmspc>,
	pub issued_at_ms: u64,
	pub next_update_ms: u64,
	pub encoded: BoundedVec<u8, T::MaxCollateralLength>,
}

impl<T: Config> StoredCollateral<T> {
	pub(crate) fn into_verified(self) -> VerifiedCollateral {
		VerifiedCollateral {
			kind: self.kind,
			fmspc: self.fmspc,
			issued_at_ms: self.issued_at_ms,
			next_update_ms: self.next_update_ms,
			encoded: self.encoded.into_inner(),
		}
	}
}

/// Who removed an enclave from the registry.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum UnregisterReason {
	/// The enclave itself.
	ByEnclave,
	/// The root origin.
	ByRoot,
	/// Anyone, because the attestation was older than the renewal period.
	Expired,
}

/// The revocation lists `register_crl` accepts.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	TypeInfo,
	MaxEncodedLen,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum CrlKind {
	/// Revoked PCK certificates, issued by the PCK platform or processor CA.
	Pck,
	/// Revoked intermediate CAs, issued by the root CA.
	RootCa,
}

impl From<CrlKind> for CollateralKind {
	fn from(kind: CrlKind) -> Self {
		match kind {
			CrlKind::Pck => CollateralKind::PckCrl,
			CrlKind::RootCa => CollateralKind::RootCaCrl,
		}
	}
}

/// Collateral registered at genesis, as Intel's files hold it.
#[derive(Clone, PartialEq, Eq, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenesisCollateral {
	pub kind: GenesisCollateralKind,
	#[serde(with = "polkadot_sdk::sp_core::bytes")]
	pub body: Vec<u8>,
	#[serde(with = "polkadot_sdk::sp_core::bytes")]
	pub signature: Vec<u8>,
	#[serde(with = "polkadot_sdk::sp_core::bytes")]
	pub issuer_chain: Vec<u8>,
}

/// The kinds of [`GenesisCollateral`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, serde::Serialize, serde::Deserialize)]
pub enum GenesisCollateralKind {
	#[default]
	QuotingEnclaveIdentity,
	TcbInfo,
	PckCrl,
	RootCaCrl,
}

impl From<GenesisCollateralKind> for CollateralKind {
	fn from(kind: GenesisCollateralKind) -> Self {
		match kind {
			GenesisCollateralKind::QuotingEnclaveIdentity => CollateralKind::QuotingEnclaveIdentity,
			GenesisCollateralKind::TcbInfo => CollateralKind::TcbInfo,
			GenesisCollateralKind::PckCrl => CollateralKind::PckCrl,
			GenesisCollateralKind::RootCaCrl => CollateralKind::RootCaCrl,
		}
	}
}

/// Serde of an optional byte string as `0x`-hex or `null`.
pub(crate) mod optional_bytes {
	use alloc::vec::Vec;
	use serde::{Deserialize, Deserializer, Serializer};

	pub fn serialize<S: Serializer>(value: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
		match value {
			Some(bytes) => polkadot_sdk::sp_core::bytes::serialize(bytes, s),
			None => s.serialize_none(),
		}
	}

	pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
		#[derive(Deserialize)]
		struct Hex(#[serde(with = "polkadot_sdk::sp_core::bytes")] Vec<u8>);
		Ok(Option::<Hex>::deserialize(d)?.map(|Hex(bytes)| bytes))
	}
}
