//! The confidential runtime: frame-system and pallet-balances, executed
//! natively (no WASM, no `Executive`, no fees) inside externalities the
//! caller provides.
//!
//! The block number of frame-system stays 0, so no events are stored in the
//! state: the outcomes are returned to the caller instead.

use codec::{Decode, Encode, MaxEncodedLen};
use polkadot_sdk::{
	frame_support::{
		self, derive_impl,
		dispatch::{DispatchErrorWithPostInfo, RawOrigin},
		storage::{with_transaction, TransactionOutcome},
		traits::{fungible::Mutate, ConstU128, ConstU32, ReservableCurrency},
		Blake2_128Concat,
	},
	frame_system, pallet_balances,
	sp_core::H256,
	sp_runtime::{
		traits::{Dispatchable, IdentityLookup},
		ArithmeticError, DispatchError, TokenError,
	},
};
use scale_info::TypeInfo;

use integritee_stf_primitives::{outcome::FailReason, AccountId, AccountInfoView, Balance, Nonce};

/// The runtime never builds blocks; frame-system only needs a block type
/// (u32 block numbers).
type Block = frame_system::mocking::MockBlockU32<Runtime>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = IdentityLookup<AccountId>;
	type Nonce = Nonce;
	type Hash = H256;
	type AccountData = pallet_balances::AccountData<Balance>;
	type MaxConsumers = ConstU32<16>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Runtime {
	type Balance = Balance;
	type ExistentialDeposit = ConstU128<1>;
	type AccountStore = System;
	type ReserveIdentifier = [u8; 8];
}

/// An unshield waiting for the vault's payout on the parent chain: `amount`
/// is reserved on `from` until a finalized block shows the payout (burn), or
/// a finalized block past `expires_at` shows none (unreserve: the parent
/// chain never pays after the expiry).
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct PendingUnshield {
	/// Hash of the trusted call that asked for it; the vault pays with it as
	/// the unique id.
	pub call_hash: H256,
	pub from: AccountId,
	pub beneficiary: AccountId,
	pub amount: Balance,
	/// The last parent-chain block in which the vault may pay it.
	pub expires_at: u32,
	/// The sidechain block that reserved it: the core asks the vault to pay
	/// only once the parent chain anchors this block (or a descendant) on
	/// the core's own chain, so that a fork never pays.
	pub reserved_in: u64,
}

/// Pending unshields, in the state under the prefix `twox128("IntegriteeStf") ++
/// twox128("PendingUnshields")`.
#[frame_support::storage_alias]
pub type PendingUnshields = StorageMap<IntegriteeStf, Blake2_128Concat, H256, PendingUnshield>;

/// Executed trusted calls not yet covered by a confirmation on the parent
/// chain: (parent block, call hash), in execution order.
pub type UnconfirmedCalls = Vec<(u32, H256)>;

#[frame_support::storage_alias]
pub type Unconfirmed =
	StorageValue<IntegriteeStf, UnconfirmedCalls, frame_support::pallet_prelude::ValueQuery>;

/// Why a dispatch failed, typed (the reason goes into the sidechain block
/// body with a stable index); never carries state values.
pub(crate) fn fail_reason(e: DispatchError) -> FailReason {
	let balances = |error: pallet_balances::Error<Runtime>| e == DispatchError::from(error);
	match e {
		_ if balances(pallet_balances::Error::InsufficientBalance) => {
			FailReason::InsufficientBalance
		}
		_ if balances(pallet_balances::Error::ExistentialDeposit) => {
			FailReason::BelowExistentialDeposit
		}
		_ if balances(pallet_balances::Error::Expendability) => FailReason::WouldKillAccount,
		DispatchError::Module(m) => FailReason::Module { pallet: m.index, error: m.error[0] },
		DispatchError::Token(TokenError::FundsUnavailable) => FailReason::InsufficientBalance,
		DispatchError::Token(TokenError::BelowMinimum) => FailReason::BelowExistentialDeposit,
		DispatchError::Token(TokenError::NotExpendable) => FailReason::WouldKillAccount,
		// pallet-balances reports a withdrawal above the free balance as an
		// underflow of that balance.
		DispatchError::Arithmetic(ArithmeticError::Underflow) => FailReason::InsufficientBalance,
		DispatchError::Arithmetic(_) => FailReason::Arithmetic,
		_ => FailReason::Other,
	}
}

/// Reads an account (no state change).
pub(crate) fn account_info(who: &AccountId) -> AccountInfoView {
	let info = frame_system::Account::<Runtime>::get(who);
	AccountInfoView { free: info.data.free, reserved: info.data.reserved, nonce: info.nonce }
}

/// Whether the account exists (has a provider or is sufficient).
pub(crate) fn account_exists(who: &AccountId) -> bool {
	frame_system::Pallet::<Runtime>::account_exists(who)
}

pub(crate) fn inc_nonce(who: &AccountId) {
	frame_system::Pallet::<Runtime>::inc_account_nonce(who);
}

pub(crate) fn total_issuance() -> Balance {
	pallet_balances::TotalIssuance::<Runtime>::get()
}

/// A failure inside a storage transaction: FRAME's transactions need an
/// error type that a [`DispatchError`] converts into (their nesting limit).
struct Failed(FailReason);

impl From<DispatchError> for Failed {
	fn from(e: DispatchError) -> Self {
		Self(fail_reason(e))
	}
}

fn run_transactional<R>(f: impl FnOnce() -> Result<R, FailReason>) -> Result<R, FailReason> {
	with_transaction(|| match f() {
		Ok(r) => TransactionOutcome::Commit(Ok(r)),
		Err(e) => TransactionOutcome::Rollback(Err(Failed(e))),
	})
	.map_err(|Failed(reason)| reason)
}

/// `pallet_balances::transfer_allow_death`, dispatched as a call of `from`.
pub(crate) fn transfer(
	from: &AccountId,
	to: &AccountId,
	amount: Balance,
) -> Result<(), FailReason> {
	let call = RuntimeCall::Balances(pallet_balances::Call::transfer_allow_death {
		dest: to.clone(),
		value: amount,
	});
	call.dispatch(RuntimeOrigin::from(RawOrigin::Signed(from.clone())))
		.map(|_| ())
		.map_err(|e: DispatchErrorWithPostInfo| fail_reason(e.error))
}

/// Reserves `amount` on `from` and records the pending unshield, both or neither.
pub(crate) fn unshield(pending: PendingUnshield) -> Result<(), FailReason> {
	run_transactional(|| {
		if PendingUnshields::contains_key(pending.call_hash) {
			return Err(FailReason::DuplicateUnshield);
		}
		<pallet_balances::Pallet<Runtime> as ReservableCurrency<AccountId>>::reserve(
			&pending.from,
			pending.amount,
		)
		.map_err(fail_reason)?;
		PendingUnshields::insert(pending.call_hash, pending);
		Ok(())
	})
}

/// Mints `amount` to `beneficiary`.
pub(crate) fn shield(beneficiary: &AccountId, amount: Balance) -> Result<(), FailReason> {
	run_transactional(|| {
		<pallet_balances::Pallet<Runtime> as Mutate<AccountId>>::mint_into(beneficiary, amount)
			.map(|_| ())
			.map_err(fail_reason)
	})
}

/// Outcome of settling a pending unshield.
pub(crate) enum Settle {
	Done,
	Unknown,
	Failed(FailReason),
}

/// The vault paid: burns the reserved amount and drops the entry.
pub(crate) fn unshield_paid(call_hash: H256) -> Settle {
	settle_unshield(call_hash, |p| {
		<pallet_balances::Pallet<Runtime> as ReservableCurrency<AccountId>>::slash_reserved(
			&p.from, p.amount,
		)
		.1
	})
}

/// The payout can no longer happen (expired): unreserves and drops the entry.
pub(crate) fn unshield_expired(call_hash: H256) -> Settle {
	settle_unshield(call_hash, |p| {
		<pallet_balances::Pallet<Runtime> as ReservableCurrency<AccountId>>::unreserve(
			&p.from, p.amount,
		)
	})
}

/// Applies `release` (burn or unreserve; returns what it could not release)
/// to the pending unshield `call_hash` and drops the entry, all or nothing.
fn settle_unshield(call_hash: H256, release: impl Fn(&PendingUnshield) -> Balance) -> Settle {
	let Some(p) = PendingUnshields::get(call_hash) else { return Settle::Unknown };
	let r = run_transactional(|| {
		if release(&p) != 0 {
			return Err(FailReason::ReservedBelowPending);
		}
		PendingUnshields::remove(call_hash);
		Ok(())
	});
	match r {
		Ok(()) => Settle::Done,
		Err(reason) => Settle::Failed(reason),
	}
}

pub(crate) fn pending_unshields() -> Vec<PendingUnshield> {
	PendingUnshields::iter_values().collect()
}

pub(crate) fn pending_unshield(call_hash: H256) -> Option<PendingUnshield> {
	PendingUnshields::get(call_hash)
}

pub(crate) fn unconfirmed_calls() -> UnconfirmedCalls {
	Unconfirmed::get()
}

/// Records the calls `block` executed as unconfirmed.
pub(crate) fn add_unconfirmed(block: u32, calls: &[H256]) {
	if !calls.is_empty() {
		Unconfirmed::mutate(|list| list.extend(calls.iter().map(|hash| (block, *hash))));
	}
}

/// Drops the unconfirmed calls of blocks up to `up_to`.
pub(crate) fn confirmed(up_to: u32) {
	let mut list = Unconfirmed::get();
	list.retain(|(block, _)| *block > up_to);
	if list.is_empty() {
		Unconfirmed::kill();
	} else {
		Unconfirmed::put(list);
	}
}
