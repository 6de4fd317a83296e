//! Benchmarks of `pallet-teerex`, each at its worst case, on evidence of
//! [`Config::BenchmarkHelper`] (verified by the runtime's own verifier
//! under the helper's pinned root). Run once each in the mock runtime by
//! `cargo test -p pallet-teerex --features runtime-benchmarks`.

use super::*;
use crate::benchmark_helper::{BenchmarkCollateral, BenchmarkHelper, SignedCollateral};
use alloc::vec;
use integritee_primitives::{
	AttestationMethod, CollateralEvidence, RegistrationClaims, RevocationPolicy, SecurityFlags,
};
use polkadot_sdk::{
	frame_benchmarking::v2::*,
	frame_support::{
		ensure,
		traits::{
			fungible::{Inspect, InspectHold, Mutate},
			Get,
		},
		BoundedVec,
	},
	frame_system::{pallet_prelude::BlockNumberFor, RawOrigin},
	sp_core::H256,
	sp_runtime::traits::{Hash, Saturating, Zero},
};

const HOUR_MS: u64 = 60 * 60 * 1000;
const DAY_MS: u64 = 24 * HOUR_MS;

/// Stores one piece of the helper's collateral as registering it would.
fn store<T: Config>(
	kind: CollateralKind,
	collateral: &SignedCollateral,
	now_ms: u64,
) -> Result<(), BenchmarkError> {
	let evidence = CollateralEvidence {
		body: &collateral.body,
		signature: &collateral.signature,
		issuer_chain: &collateral.issuer_chain,
	};
	Pallet::<T>::store_collateral(kind, evidence, now_ms)
		.map_err(|_| BenchmarkError::Stop("the helper's collateral is refused"))
}

/// Removes whatever collateral the chain holds (a development chain
/// registers the simulated platform's at genesis, issued when the helper's
/// is): the benchmarks register their own.
fn clear_collateral<T: Config>() {
	QuotingEnclaveIdentity::<T>::kill();
	RevocationLists::<T>::remove(CollateralKind::PckCrl);
	RevocationLists::<T>::remove(CollateralKind::RootCaCrl);
	let _ = TcbInfo::<T>::clear(u32::MAX, None);
	StaleTcbInfo::<T>::kill();
}

/// Pins the helper's root CA and registers its collateral, issued at
/// `issued_at_ms`, with a PCK CRL revoking `revoked` certificates, in place
/// of any the chain had; chain time is an hour later.
fn setup_dcap<T: Config>(
	issued_at_ms: u64,
	revoked: u32,
) -> Result<BenchmarkCollateral, BenchmarkError> {
	clear_collateral::<T>();
	let root = T::BenchmarkHelper::dcap_root_ca()?;
	Pallet::<T>::put_root_ca(root).map_err(|_| "the helper's root CA is refused")?;
	let collateral = T::BenchmarkHelper::collateral(issued_at_ms)?;
	let now_ms = issued_at_ms + HOUR_MS;
	T::BenchmarkHelper::set_time(now_ms);
	store::<T>(CollateralKind::QuotingEnclaveIdentity, &collateral.qe_identity, now_ms)?;
	store::<T>(CollateralKind::TcbInfo, &collateral.tcb_info, now_ms)?;
	let pck_crl = SignedCollateral {
		body: T::BenchmarkHelper::pck_crl(issued_at_ms, revoked)?,
		..collateral.pck_crl.clone()
	};
	ensure!(
		pck_crl.body.len() <= T::MaxCollateralLength::get() as usize,
		"the helper's largest CRL exceeds MaxCollateralLength"
	);
	store::<T>(CollateralKind::PckCrl, &pck_crl, now_ms)?;
	store::<T>(CollateralKind::RootCaCrl, &collateral.root_ca_crl, now_ms)?;
	Ok(collateral)
}

/// Fills [`TcbInfo`] up to `MaxTcbInfos` entries with copies of `template`
/// under FMSPCs no platform has.
fn fill_tcb_info<T: Config>(template: &StoredCollateral<T>) {
	let mut n = 0u32;
	while TcbInfo::<T>::count() < T::MaxTcbInfos::get() {
		let mut fmspc = [0xf0, 0, 0, 0, 0, 0];
		fmspc[2..].copy_from_slice(&n.to_be_bytes());
		TcbInfo::<T>::insert(fmspc, StoredCollateral { fmspc: Some(fmspc), ..template.clone() });
		n += 1;
	}
}

/// The largest TCB info record the map can hold.
fn largest_tcb_info<T: Config>() -> StoredCollateral<T> {
	StoredCollateral {
		kind: CollateralKind::TcbInfo,
		fmspc: None,
		issued_at_ms: 1,
		next_update_ms: 2,
		encoded: BoundedVec::truncate_from(vec![0x7c; T::MaxCollateralLength::get() as usize]),
	}
}

/// Gives `who` enough to hold the deposit twice over.
fn fund<T: Config>(who: &T::AccountId)
where
	T::Currency: Mutate<T::AccountId>,
{
	let deposit = T::RegistrationDeposit::get();
	let amount = T::Currency::minimum_balance()
		.saturating_add(deposit)
		.saturating_add(deposit)
		.saturating_add(1u32.into());
	T::Currency::set_balance(who, amount);
}

#[benchmarks(where T::Currency: Mutate<T::AccountId>)]
mod benchmarks {
	use super::*;

	/// A first DCAP registration (the deposit is held) with the longest
	/// URL, verified against every kind of collateral, with the largest PCK
	/// CRL and the revocation policy requiring CRLs.
	#[benchmark]
	fn register_sgx_enclave() -> Result<(), BenchmarkError> {
		setup_dcap::<T>(T::BenchmarkHelper::issue_time_ms(), T::BenchmarkHelper::max_revoked())?;
		RevocationPolicyStorage::<T>::put(RevocationPolicy::Require);
		let signer: T::AccountId = account("enclave", 0, 0);
		fund::<T>(&signer);
		let number: BlockNumberFor<T> = 1u32.into();
		let hash = T::Hashing::hash(b"the enclave's finalized parent block");
		polkadot_sdk::frame_system::BlockHash::<T>::insert(number, hash);
		let claims: ClaimsOf<T> = RegistrationClaims {
			shielding_key_hash: [0x5b; 32],
			parentchain_block: (number, hash),
		};
		let quote = T::BenchmarkHelper::dcap_quote(&signer, &claims)?;
		let url = vec![b'u'; T::MaxUrlLength::get() as usize];

		#[extrinsic_call]
		_(RawOrigin::Signed(signer.clone()), quote, Some(url), AttestationMethod::Dcap, claims);

		ensure!(SovereignEnclaves::<T>::contains_key(&signer), "the enclave did not register");
		ensure!(
			!T::Currency::balance_on_hold(&HoldReason::EnclaveRegistration.into(), &signer)
				.is_zero() || T::RegistrationDeposit::get().is_zero(),
			"no deposit is held"
		);
		Ok(())
	}

	/// By a stranger after expiry, which reads chain time; the deposit is
	/// released.
	#[benchmark]
	fn unregister_sovereign_enclave() -> Result<(), BenchmarkError> {
		let enclave: T::AccountId = account("enclave", 0, 0);
		fund::<T>(&enclave);
		let attested_at_ms = T::BenchmarkHelper::issue_time_ms();
		T::BenchmarkHelper::set_time(attested_at_ms);
		<Pallet<T> as EnclaveRegistry<T::AccountId>>::register_for_benchmark(
			&enclave,
			H256::repeat_byte(0xe1),
			[0x5f; 32],
		);
		Pallet::<T>::hold_deposit(&enclave).map_err(|_| "cannot hold the deposit")?;
		T::BenchmarkHelper::set_time(attested_at_ms + T::MaxAttestationRenewalPeriod::get() + 1);
		let stranger: T::AccountId = account("stranger", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(stranger), enclave.clone());

		ensure!(!SovereignEnclaves::<T>::contains_key(&enclave), "the enclave is still registered");
		ensure!(
			T::Currency::balance_on_hold(&HoldReason::EnclaveRegistration.into(), &enclave)
				.is_zero(),
			"the deposit is still held"
		);
		Ok(())
	}

	/// Replacing the registered QE identity by a newer one.
	#[benchmark]
	fn register_quoting_enclave() -> Result<(), BenchmarkError> {
		let issued_at_ms = T::BenchmarkHelper::issue_time_ms();
		setup_dcap::<T>(issued_at_ms, 0)?;
		let newer = T::BenchmarkHelper::collateral(issued_at_ms + DAY_MS)?.qe_identity;
		T::BenchmarkHelper::set_time(issued_at_ms + DAY_MS + HOUR_MS);
		let caller: T::AccountId = account("caller", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), newer.body, newer.signature, newer.issuer_chain);

		ensure!(
			QuotingEnclaveIdentity::<T>::get().map(|qe| qe.issued_at_ms)
				== Some(issued_at_ms + DAY_MS),
			"the QE identity was not replaced"
		);
		Ok(())
	}

	/// Replacing an FMSPC's TCB info by a newer one, the map full.
	#[benchmark]
	fn register_tcb_info() -> Result<(), BenchmarkError> {
		let issued_at_ms = T::BenchmarkHelper::issue_time_ms();
		let collateral = setup_dcap::<T>(issued_at_ms, 0)?;
		fill_tcb_info::<T>(&largest_tcb_info::<T>());
		let newer = T::BenchmarkHelper::collateral(issued_at_ms + DAY_MS)?.tcb_info;
		T::BenchmarkHelper::set_time(issued_at_ms + DAY_MS + HOUR_MS);
		let caller: T::AccountId = account("caller", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), newer.body, newer.signature, newer.issuer_chain);

		ensure!(
			TcbInfo::<T>::get(collateral.fmspc).map(|tcb| tcb.issued_at_ms)
				== Some(issued_at_ms + DAY_MS),
			"the TCB info was not replaced"
		);
		Ok(())
	}

	/// Replacing the PCK CRL by a newer one that revokes `r` certificates.
	#[benchmark]
	fn register_crl(
		r: Linear<0, { <T::BenchmarkHelper as BenchmarkHelper<T>>::max_revoked() }>,
	) -> Result<(), BenchmarkError> {
		let issued_at_ms = T::BenchmarkHelper::issue_time_ms();
		let collateral = setup_dcap::<T>(issued_at_ms, 0)?;
		let newer = T::BenchmarkHelper::pck_crl(issued_at_ms + DAY_MS, r)?;
		ensure!(
			newer.len() <= T::MaxCollateralLength::get() as usize,
			"the helper's CRL exceeds MaxCollateralLength"
		);
		T::BenchmarkHelper::set_time(issued_at_ms + DAY_MS + HOUR_MS);
		let caller: T::AccountId = account("caller", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), CrlKind::Pck, newer, collateral.pck_crl.issuer_chain);

		ensure!(
			RevocationLists::<T>::get(CollateralKind::PckCrl).map(|crl| crl.issued_at_ms)
				== Some(issued_at_ms + DAY_MS),
			"the PCK CRL was not replaced"
		);
		Ok(())
	}

	#[benchmark]
	fn set_security_flags() {
		let flags = SecurityFlags { allow_debug_mode: true, allow_skipping_attestation: true };

		#[extrinsic_call]
		_(RawOrigin::Root, flags);

		assert_eq!(SecurityFlagsStorage::<T>::get(), flags);
	}

	#[benchmark]
	fn set_tcb_policy() {
		let policy = TcbPolicy::lenient();

		#[extrinsic_call]
		_(RawOrigin::Root, policy);

		assert_eq!(TcbPolicyStorage::<T>::get(), policy);
	}

	#[benchmark]
	fn set_revocation_policy() {
		#[extrinsic_call]
		_(RawOrigin::Root, RevocationPolicy::IfAvailable);

		assert_eq!(RevocationPolicyStorage::<T>::get(), RevocationPolicy::IfAvailable);
	}

	/// Pinning a root with every kind of collateral registered and the TCB
	/// info map full.
	#[benchmark]
	fn set_dcap_root_ca() -> Result<(), BenchmarkError> {
		setup_dcap::<T>(T::BenchmarkHelper::issue_time_ms(), 0)?;
		fill_tcb_info::<T>(&largest_tcb_info::<T>());
		let root = T::BenchmarkHelper::dcap_root_ca()?;

		#[extrinsic_call]
		_(RawOrigin::Root, Some(root));

		ensure!(StaleTcbInfo::<T>::get(), "the TCB info is not marked stale");
		ensure!(QuotingEnclaveIdentity::<T>::get().is_none(), "the QE identity is still there");
		Ok(())
	}

	/// One step of the clearing, removing `n` stale entries of the largest
	/// size (and looking for more).
	#[benchmark]
	fn clear_stale_tcb_info(n: Linear<0, { T::MaxTcbInfos::get() }>) -> Result<(), BenchmarkError> {
		clear_collateral::<T>();
		let template = largest_tcb_info::<T>();
		for i in 0..n {
			let mut fmspc = [0xf1, 0, 0, 0, 0, 0];
			fmspc[2..].copy_from_slice(&i.to_be_bytes());
			TcbInfo::<T>::insert(
				fmspc,
				StoredCollateral { fmspc: Some(fmspc), ..template.clone() },
			);
		}
		StaleTcbInfo::<T>::put(true);

		#[block]
		{
			Pallet::<T>::clear_stale_tcb_info(n);
		}

		ensure!(TcbInfo::<T>::count() == 0, "stale TCB info is left");
		ensure!(!StaleTcbInfo::<T>::get(), "the clearing did not end");
		Ok(())
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::ExtBuilder::benchmarks().build(),
		crate::mock::Test
	);
}
