//! # Enclave bridge: shards, their enclaves and their vaults
//!
//! Owns everything the parent chain knows about *shards*: which enclave code
//! (MRENCLAVE) may serve a shard and how many instances at once
//! ([`ShardConfigRegistry`]), which enclaves currently do ([`ShardStatus`]),
//! the encrypted requests users send them ([`Pallet::invoke`]), the funds they
//! hold in custody ([`Pallet::shield_funds`], [`Pallet::unshield_funds`]) and
//! the parent-chain blocks they confirm to have processed. It does not decide
//! who is an enclave: it asks the registry ([`Config::EnclaveRegistry`], i.e.
//! `pallet-teerex`) and never writes the registry's storage.
//!
//! ## Shards and their shielding key
//! The shielding key and the state key are the shard's, common to all its
//! enclaves (the signing key is each enclave's own). The first enclave
//! creates the shard ([`Pallet::create_shard`]): the chain records the hash
//! of the shard's shielding public key ([`ShardShieldingKeys`]), which is the
//! one that enclave registered; the first creation wins. Every later member
//! must have registered the same key: it got the shard's secrets from a
//! member (provisioning, between the enclaves), so clients check any member
//! against that one hash.
//!
//! ## Membership
//! An account acts for a shard (confirmations, unshielding) if it is a
//! registered, unexpired enclave whose fingerprint is the one the shard's
//! *effective* configuration allows, that registered the shard's shielding
//! key, and the shard has room for it (see
//! [`integritee_primitives::ShardMembership`], implemented by [`Pallet`]).
//! Payouts and sidechain anchors come from the *serving* member only, the
//! first of the shard's active signers: until several members share one
//! shard's work (a quorum-signed anchor), a second instance that registered
//! must not pay out or anchor beside it. Root purges a serving member that
//! stopped ([`Pallet::purge_enclave_from_shard`]), and the next one serves.
//! By Integritee convention a shard without a stored configuration whose
//! identifier equals an enclave's fingerprint is configured implicitly with
//! `{ enclave_fingerprint: shard, max_instances: MaxInstancesLimit }`; any other
//! shard without configuration has no members.
//!
//! ## Vaults
//! Each shard has a keyless vault account, [`Pallet::vault_account`], derived
//! from [`Config::PalletId`] and `blake2_128(shard)`. Shielding moves funds
//! from the caller into the vault; unshielding, requested by an enclave of the
//! shard, pays them out once per call hash.
//!
//! ## Unshield: paid or expired, never both
//! Every unshield request carries an expiry block, fixed by the enclave when
//! it reserved the funds. The vault pays a call hash at most once, and only
//! up to its expiry block (inclusive); from the block after it on, the
//! request can never be paid, so the shard's enclaves refund (unreserve) it
//! once they see a finalized block past the expiry without a payout. The
//! record of a paid hash is kept until its expiry has passed (when no
//! extrinsic for it can succeed anyway) and then pruned, so the records stay
//! bounded. An expiry more than [`Config::MaxUnshieldLifetime`] blocks ahead
//! is refused.
//!
//! ## Calls
//! - [`Pallet::invoke`]: anyone; an encrypted call for the shard's enclaves.
//! - [`Pallet::confirm_processed_parentchain_block`]: an enclave of the shard.
//! - [`Pallet::shield_funds`]: anyone; funds into the shard's vault.
//! - [`Pallet::unshield_funds`]: the enclave that serves the shard; funds out
//!   of the vault.
//! - [`Pallet::update_shard_config`]: root only (configures a shard, schedules
//!   an upgrade, with a grace period during which the replaced code stays a
//!   member).
//! - [`Pallet::create_shard`]: a registered enclave, for a shard nobody
//!   created or uses yet; records the shard's shielding key.
//! - [`Pallet::leave_shard`]: a member leaves on its own.
//! - [`Pallet::purge_enclave_from_shard`]: root only.
//! - [`Pallet::remove_shard_config`]: root, or the enclave that created the
//!   shard, once nobody uses it; returns that enclave's deposit.
//!
//! ## Bounds
//! Every map a signed origin can grow is bounded or paid for:
//! - a shard has at most [`Config::MaxInstancesLimit`] members, and an
//!   enclave is a member of at most [`Config::MaxShardsPerEnclave`] shards
//!   ([`EnclaveShards`]); an enclave leaving the registry leaves all its
//!   shards ([`integritee_primitives::OnEnclaveUnregistered`], called by the
//!   registry), and a member leaving a shard takes its confirmation along;
//! - an enclave that creates a shard holds [`Config::ShardConfigDeposit`]
//!   for its configuration and shielding key until they are removed
//!   ([`Pallet::remove_shard_config`]); only root writes a configuration
//!   otherwise;
//! - paid unshield records are pruned after their expiry, at most
//!   [`Config::MaxUnshieldLifetime`] blocks after payment.
//!
//! ## Storage versions
//! [`STORAGE_VERSION`] 1 added the members' shard index and dropped
//! confirmations of enclaves that are no longer members
//! ([`migrations::v1`]); 2 added the shards' shielding keys, taken from the
//! serving member's registration for shards in use ([`migrations::v2`]); 3
//! added upgrades' grace periods and the retiring code to the stored
//! configurations ([`migrations::v3`]).
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use weights::WeightInfo;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use integritee_primitives::{
	EnclaveFingerprint, EnclaveRegistry, RegisteredEnclave, ShardConfig, ShardIdentifier,
	ShardMembership, ShardMembershipError, ShardSignerStatus, UpgradableShardConfig,
};
use polkadot_sdk::{
	frame_support::{
		pallet_prelude::*,
		traits::{fungible, tokens::Precision},
	},
	frame_system::{self, pallet_prelude::BlockNumberFor},
	sp_runtime::traits::AccountIdConversion,
};

#[polkadot_sdk::frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use polkadot_sdk::{
		frame_support::{
			traits::{
				fungible::MutateHold,
				tokens::{Fortitude, Preservation},
			},
			DefaultNoBound, PalletId,
		},
		frame_system::pallet_prelude::*,
		sp_core::H256,
		sp_io::hashing::blake2_256,
		sp_runtime::traits::{One, Saturating, Zero},
	};

	/// The balance type of the vault currency.
	pub type BalanceOf<T> = <<T as Config>::Currency as fungible::Inspect<
		<T as frame_system::Config>::AccountId,
	>>::Balance;

	/// A shard's stored configuration.
	pub type ShardConfigOf<T> = UpgradableShardConfig<BlockNumberFor<T>>;

	/// One entry of a shard's list of active signers.
	pub type SignerStatusOf<T> =
		ShardSignerStatus<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

	/// A shard's active signers, at most [`Config::MaxInstancesLimit`].
	pub type ShardSignersOf<T> = BoundedVec<SignerStatusOf<T>, <T as Config>::MaxInstancesLimit>;

	/// The shards an enclave is a member of, at most [`Config::MaxShardsPerEnclave`].
	pub type MemberShardsOf<T> = BoundedVec<ShardIdentifier, <T as Config>::MaxShardsPerEnclave>;

	/// The shielding-key hash with which benchmarks register a shard's members.
	#[cfg(feature = "runtime-benchmarks")]
	pub const BENCHMARK_SHIELDING_KEY_HASH: [u8; 32] = [0x5f; 32];

	/// The in-code storage version.
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(3);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency that shards hold in their vaults, and in which
		/// deposits are held.
		type Currency: fungible::Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The runtime's hold reasons, of which [`HoldReason`] is one.
		type RuntimeHoldReason: From<HoldReason>;
		/// Who is a registered enclave, and with which fingerprint (`pallet-teerex`).
		type EnclaveRegistry: EnclaveRegistry<Self::AccountId>;
		/// Upper bound of an `invoke` ciphertext.
		#[pallet::constant]
		type MaxCiphertextLength: Get<u32>;
		/// Upper bound of a `shield_funds` encrypted beneficiary.
		#[pallet::constant]
		type MaxBeneficiaryLength: Get<u32>;
		/// Hard cap of active signers per shard; a shard's `max_instances` may
		/// not exceed it.
		#[pallet::constant]
		type MaxInstancesLimit: Get<u32>;
		/// How many shards one enclave may be a member of at once.
		#[pallet::constant]
		type MaxShardsPerEnclave: Get<u32>;
		/// What an enclave that creates a shard holds until the shard's
		/// configuration and shielding key are removed.
		#[pallet::constant]
		type ShardConfigDeposit: Get<BalanceOf<Self>>;
		/// Seed of the shard vault accounts.
		#[pallet::constant]
		type PalletId: Get<PalletId>;
		/// How far ahead (in blocks) an unshield's expiry may lie.
		#[pallet::constant]
		type MaxUnshieldLifetime: Get<BlockNumberFor<Self>>;
		type WeightInfo: WeightInfo;
	}

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// An enclave created a shard (its configuration and shielding key).
		ShardConfig,
	}

	/// Which enclave code may serve a shard, with an optional scheduled upgrade.
	/// A reached upgrade is promoted to `active` lazily, on the next access.
	#[pallet::storage]
	pub type ShardConfigRegistry<T: Config> =
		StorageMap<_, Blake2_128Concat, ShardIdentifier, ShardConfigOf<T>, OptionQuery>;

	/// Who holds a deposit for a shard's configuration and shielding key
	/// (the enclave that created it), and how much.
	#[pallet::storage]
	pub type ShardConfigDeposits<T: Config> =
		StorageMap<_, Blake2_128Concat, ShardIdentifier, (T::AccountId, BalanceOf<T>), OptionQuery>;

	/// SHA-256 of the shard's shielding public key, recorded when the shard
	/// was created ([`Pallet::create_shard`]): every member registered this
	/// key, and clients check a worker's key against it.
	#[pallet::storage]
	pub type ShardShieldingKeys<T: Config> =
		StorageMap<_, Blake2_128Concat, ShardIdentifier, [u8; 32], OptionQuery>;

	/// The enclaves currently serving a shard, with their last activity.
	#[pallet::storage]
	pub type ShardStatus<T: Config> =
		StorageMap<_, Blake2_128Concat, ShardIdentifier, ShardSignersOf<T>, ValueQuery>;

	/// The shards each enclave is an active signer of: the index that lets
	/// an enclave leaving the registry leave all its shards.
	#[pallet::storage]
	pub type EnclaveShards<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, MemberShardsOf<T>, ValueQuery>;

	/// The block in which an unshield request of a shard (by its call hash)
	/// was paid. Keyed by shard too, so that the enclaves of one shard cannot
	/// block another shard's request by paying the same call hash first.
	/// Pruned once the request's expiry has passed ([`UnshieldExpiries`]).
	#[pallet::storage]
	pub type ExecutedUnshieldCalls<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		ShardIdentifier,
		Blake2_128Concat,
		H256,
		BlockNumberFor<T>,
		OptionQuery,
	>;

	/// Paid unshields by expiry block: what [`ExecutedUnshieldCalls`] may
	/// forget once that block has passed.
	#[pallet::storage]
	pub type UnshieldExpiries<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		Blake2_128Concat,
		(ShardIdentifier, H256),
		(),
		OptionQuery,
	>;

	/// The next expiry block whose records [`Hooks::on_idle`] prunes.
	#[pallet::storage]
	pub type NextExpiryToPrune<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// The last parent-chain block (number, hash) each active signer of a
	/// shard confirmed to have processed; forgotten when it leaves the shard.
	#[pallet::storage]
	pub type LastProcessedParentchainBlock<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		ShardIdentifier,
		Blake2_128Concat,
		T::AccountId,
		(BlockNumberFor<T>, H256),
		OptionQuery,
	>;

	#[pallet::genesis_config]
	#[derive(DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Initial shard configurations: (shard, enclave fingerprint, max instances).
		pub shard_configs: Vec<(ShardIdentifier, EnclaveFingerprint, u32)>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (shard, enclave_fingerprint, max_instances) in &self.shard_configs {
				assert!(
					Pallet::<T>::max_instances_valid(*max_instances),
					"genesis shard config: max_instances must be in 1..=MaxInstancesLimit"
				);
				let active = ShardConfig {
					enclave_fingerprint: *enclave_fingerprint,
					max_instances: *max_instances,
				};
				ShardConfigRegistry::<T>::insert(shard, UpgradableShardConfig::new(active));
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An encrypted call for the shard was submitted. The ciphertext itself
		/// is in the block body; `ciphertext_hash` is its blake2_256.
		IndirectInvocationRegistered {
			shard: ShardIdentifier,
			sender: T::AccountId,
			ciphertext_hash: H256,
		},
		/// An enclave of the shard processed the parent chain up to this block.
		ProcessedParentchainBlock {
			shard: ShardIdentifier,
			signer: T::AccountId,
			block_hash: H256,
			block_number: BlockNumberFor<T>,
			calls_root: H256,
		},
		/// Funds moved into the shard's vault, for the encrypted beneficiary
		/// (which the shard's enclaves decrypt).
		ShieldFunds {
			shard: ShardIdentifier,
			from: T::AccountId,
			encrypted_beneficiary: Vec<u8>,
			amount: BalanceOf<T>,
		},
		/// The shard's vault paid an unshield request.
		UnshieldedFunds {
			shard: ShardIdentifier,
			beneficiary: T::AccountId,
			amount: BalanceOf<T>,
			call_hash: H256,
		},
		/// The shard's configuration changes to `config` from `enactment_block`
		/// on; the code it replaces stays a member for `grace_period` blocks.
		ShardConfigUpdated {
			shard: ShardIdentifier,
			config: ShardConfig,
			enactment_block: BlockNumberFor<T>,
			grace_period: BlockNumberFor<T>,
		},
		/// Root removed an enclave from the shard's active signers.
		EnclavePurgedFromShard { shard: ShardIdentifier, signer: T::AccountId },
		/// The shard's configuration and shielding key were removed;
		/// `deposit_returned` went back to the enclave that had created it.
		ShardConfigRemoved {
			shard: ShardIdentifier,
			deposit_returned: Option<(T::AccountId, BalanceOf<T>)>,
		},
		/// An enclave created the shard: its shielding key is the shard's.
		ShardCreated { shard: ShardIdentifier, creator: T::AccountId, shielding_key_hash: [u8; 32] },
		/// A member left the shard on its own.
		EnclaveLeftShard { shard: ShardIdentifier, signer: T::AccountId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The ciphertext is longer than `MaxCiphertextLength`.
		CiphertextTooLong,
		/// The ciphertext is empty.
		EmptyCiphertext,
		/// The encrypted beneficiary is longer than `MaxBeneficiaryLength`.
		BeneficiaryTooLong,
		/// The encrypted beneficiary is empty.
		EmptyBeneficiary,
		/// The amount is zero.
		ZeroAmount,
		/// This unshield request (call hash) of the shard was already paid.
		UnshieldAlreadyExecuted,
		/// The unshield request's expiry block has passed: it can never be
		/// paid (the shard's enclaves refund it).
		UnshieldExpired,
		/// The unshield request's expiry lies more than `MaxUnshieldLifetime`
		/// blocks ahead.
		UnshieldExpiryTooFar,
		/// The shard's vault cannot pay the amount.
		InsufficientVaultBalance,
		/// The payment would leave the vault with less than the existential
		/// deposit (which would be burnt); the vault must keep at least that
		/// much or be emptied entirely.
		VaultWouldBeDusted,
		/// The confirmed block is older than the one this enclave last confirmed.
		ConfirmationNotNewer,
		/// This enclave already confirmed another block with the same number.
		ConflictingConfirmation,
		/// `max_instances` is zero or above `MaxInstancesLimit`.
		InvalidMaxInstances,
		/// The account is not a registered enclave (or its registration expired).
		EnclaveNotRegistered,
		/// The shard has no configuration.
		ShardNotInitialized,
		/// The enclave's fingerprint is not the one the shard allows.
		WrongFingerprint,
		/// The shard already has its maximum number of active enclaves.
		TooManyInstances,
		/// An enclave may only create a shard nobody uses yet (no active
		/// signers, empty vault); otherwise root must configure it. A
		/// configuration is removed only from a shard nobody uses.
		ShardInUse,
		/// The account is not an active signer of the shard.
		NotAShardSigner,
		/// Another enclave serves the shard (the first of its active
		/// signers); only it pays out. Root can purge a serving enclave that
		/// stopped ([`Pallet::purge_enclave_from_shard`]).
		NotServingMember,
		/// The enclave is already a member of `MaxShardsPerEnclave` shards.
		TooManyShards,
		/// The enclave cannot hold the deposit of a shard configuration.
		CannotHoldDeposit,
		/// Only root or the enclave that created the shard (and holds its
		/// deposit) removes its configuration.
		NotTheDepositor,
		/// The shard was created already: its shielding key is recorded (the
		/// first creation wins; the others get the shard's secrets from a
		/// member).
		ShardAlreadyCreated,
		/// Nobody created the shard yet: no shielding key is recorded for it.
		ShardNotCreated,
		/// The enclave registered another shielding key than the shard's.
		WrongShieldingKey,
	}

	impl<T: Config> From<ShardMembershipError> for Error<T> {
		fn from(error: ShardMembershipError) -> Self {
			match error {
				ShardMembershipError::EnclaveNotRegistered => Error::<T>::EnclaveNotRegistered,
				ShardMembershipError::ShardNotInitialized => Error::<T>::ShardNotInitialized,
				ShardMembershipError::WrongFingerprint => Error::<T>::WrongFingerprint,
				ShardMembershipError::TooManyInstances => Error::<T>::TooManyInstances,
				ShardMembershipError::NotServingMember => Error::<T>::NotServingMember,
				ShardMembershipError::TooManyShards => Error::<T>::TooManyShards,
				ShardMembershipError::ShardNotCreated => Error::<T>::ShardNotCreated,
				ShardMembershipError::WrongShieldingKey => Error::<T>::WrongShieldingKey,
			}
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Submit an encrypted call (to the shard's shielding key) for the
		/// shard's enclaves, which read it from the block body.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::invoke(ciphertext.len() as u32))]
		pub fn invoke(
			origin: OriginFor<T>,
			shard: ShardIdentifier,
			ciphertext: Vec<u8>,
		) -> DispatchResult {
			let sender = ensure_signed(origin)?;
			ensure!(!ciphertext.is_empty(), Error::<T>::EmptyCiphertext);
			ensure!(
				ciphertext.len() <= T::MaxCiphertextLength::get() as usize,
				Error::<T>::CiphertextTooLong
			);
			let ciphertext_hash = H256(blake2_256(&ciphertext));
			Self::deposit_event(Event::IndirectInvocationRegistered {
				shard,
				sender,
				ciphertext_hash,
			});
			Ok(())
		}

		/// Confirm, as an enclave of the shard, that the shard's state includes
		/// the parent chain up to `block_hash`, and which calls it executed
		/// (`calls_root`). Confirmations of one enclave never go back while it
		/// is a member; resending the last one is a no-op.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::confirm_processed_parentchain_block())]
		pub fn confirm_processed_parentchain_block(
			origin: OriginFor<T>,
			shard: ShardIdentifier,
			block_hash: H256,
			block_number: BlockNumberFor<T>,
			calls_root: H256,
		) -> DispatchResult {
			let signer = ensure_signed(origin)?;
			Self::ensure_member(&signer, &shard)?;
			if let Some((last_number, last_hash)) =
				LastProcessedParentchainBlock::<T>::get(shard, &signer)
			{
				ensure!(block_number >= last_number, Error::<T>::ConfirmationNotNewer);
				if block_number == last_number {
					ensure!(block_hash == last_hash, Error::<T>::ConflictingConfirmation);
					return Ok(());
				}
			}
			LastProcessedParentchainBlock::<T>::insert(shard, &signer, (block_number, block_hash));
			Self::deposit_event(Event::ProcessedParentchainBlock {
				shard,
				signer,
				block_hash,
				block_number,
				calls_root,
			});
			Ok(())
		}

		/// Move `amount` from the caller into the shard's vault, for the
		/// beneficiary encrypted to the shard's shielding key. The caller's
		/// account is preserved: it keeps at least the existential deposit.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::shield_funds(encrypted_beneficiary.len() as u32))]
		pub fn shield_funds(
			origin: OriginFor<T>,
			shard: ShardIdentifier,
			encrypted_beneficiary: Vec<u8>,
			amount: BalanceOf<T>,
		) -> DispatchResult {
			let from = ensure_signed(origin)?;
			ensure!(!encrypted_beneficiary.is_empty(), Error::<T>::EmptyBeneficiary);
			ensure!(
				encrypted_beneficiary.len() <= T::MaxBeneficiaryLength::get() as usize,
				Error::<T>::BeneficiaryTooLong
			);
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let vault = Self::vault_account(&shard);
			<T::Currency as fungible::Mutate<_>>::transfer(
				&from,
				&vault,
				amount,
				Preservation::Preserve,
			)?;
			Self::deposit_event(Event::ShieldFunds { shard, from, encrypted_beneficiary, amount });
			Ok(())
		}

		/// Pay `amount` from the shard's vault to `beneficiary`, as requested by
		/// an enclave of the shard. Each `call_hash` is paid at most once per
		/// shard, and only up to its `expires_at` block (inclusive; at most
		/// `MaxUnshieldLifetime` blocks ahead). The vault may be emptied
		/// entirely (and is then reaped), but never left with dust below the
		/// existential deposit.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::unshield_funds())]
		pub fn unshield_funds(
			origin: OriginFor<T>,
			shard: ShardIdentifier,
			beneficiary: T::AccountId,
			amount: BalanceOf<T>,
			call_hash: H256,
			expires_at: BlockNumberFor<T>,
		) -> DispatchResult {
			let signer = ensure_signed(origin)?;
			<Self as ShardMembership<T::AccountId>>::ensure_serving_member_and_touch(
				&signer, &shard,
			)
			.map_err(Error::<T>::from)?;
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(now <= expires_at, Error::<T>::UnshieldExpired);
			ensure!(
				expires_at <= now.saturating_add(T::MaxUnshieldLifetime::get()),
				Error::<T>::UnshieldExpiryTooFar
			);
			ensure!(
				!ExecutedUnshieldCalls::<T>::contains_key(shard, call_hash),
				Error::<T>::UnshieldAlreadyExecuted
			);
			ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
			let vault = Self::vault_account(&shard);
			let available = <T::Currency as fungible::Inspect<_>>::reducible_balance(
				&vault,
				Preservation::Expendable,
				Fortitude::Polite,
			);
			ensure!(available >= amount, Error::<T>::InsufficientVaultBalance);
			// Below the existential deposit the rest would be burnt as dust:
			// refuse rather than lose the remaining users' funds.
			let remaining =
				<T::Currency as fungible::Inspect<_>>::balance(&vault).saturating_sub(amount);
			ensure!(
				remaining.is_zero()
					|| remaining >= <T::Currency as fungible::Inspect<_>>::minimum_balance(),
				Error::<T>::VaultWouldBeDusted
			);
			<T::Currency as fungible::Mutate<_>>::transfer(
				&vault,
				&beneficiary,
				amount,
				Preservation::Expendable,
			)?;
			ExecutedUnshieldCalls::<T>::insert(shard, call_hash, now);
			UnshieldExpiries::<T>::insert(expires_at, (shard, call_hash), ());
			Self::deposit_event(Event::UnshieldedFunds { shard, beneficiary, amount, call_hash });
			Ok(())
		}

		/// Set which enclave code may serve the shard and how many instances.
		/// Root only, so that no member can cancel or bring forward an upgrade
		/// root scheduled. A shard without a stored configuration gets it at
		/// once (the delay and grace are ignored); a configured one
		/// (including the implicit configuration of a shard named after a
		/// fingerprint) changes `enactment_delay` blocks from now (at once if
		/// zero), and the change replaces any upgrade scheduled before. For
		/// `grace_period` blocks after the change the code it replaces stays a
		/// member beside the new one: the shard's shielding key stays, and
		/// the new build gets the shard's secrets and state from a member of
		/// the old one; after the grace the old code's duties are refused.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::update_shard_config())]
		pub fn update_shard_config(
			origin: OriginFor<T>,
			shard: ShardIdentifier,
			config: ShardConfig,
			enactment_delay: BlockNumberFor<T>,
			grace_period: BlockNumberFor<T>,
		) -> DispatchResult {
			ensure_root(origin)?;
			ensure!(
				Self::max_instances_valid(config.max_instances),
				Error::<T>::InvalidMaxInstances
			);
			let now = frame_system::Pallet::<T>::block_number();
			let stored = ShardConfigRegistry::<T>::get(shard).map(|c| c.promoted(now).0);
			let (updated, enactment_block) = match stored {
				None => (UpgradableShardConfig::new(config.clone()), now),
				Some(mut current) => {
					current.grace_period = grace_period;
					if enactment_delay.is_zero() {
						let replaced = core::mem::replace(&mut current.active, config.clone());
						current.pending_upgrade = None;
						if replaced.enclave_fingerprint != config.enclave_fingerprint {
							let until = now.saturating_add(grace_period);
							current.retiring = (!grace_period.is_zero())
								.then_some((replaced.enclave_fingerprint, until));
						}
						(current, now)
					} else {
						let at = now.saturating_add(enactment_delay);
						current.pending_upgrade = Some((at, config.clone()));
						(current, at)
					}
				}
			};
			ShardConfigRegistry::<T>::insert(shard, updated);
			Self::deposit_event(Event::ShardConfigUpdated {
				shard,
				config,
				enactment_block,
				grace_period,
			});
			Ok(())
		}

		/// Remove an enclave from the shard's active signers, freeing its slot,
		/// and forget its last confirmation. Root only. If the enclave is still
		/// registered with the shard's fingerprint, its next action re-adds it.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::purge_enclave_from_shard())]
		pub fn purge_enclave_from_shard(
			origin: OriginFor<T>,
			shard: ShardIdentifier,
			signer: T::AccountId,
		) -> DispatchResult {
			ensure_root(origin)?;
			ensure!(Self::remove_member(&signer, &shard), Error::<T>::NotAShardSigner);
			Self::deposit_event(Event::EnclavePurgedFromShard { shard, signer });
			Ok(())
		}

		/// Remove the shard's configuration and shielding key, and return the
		/// deposit of the enclave that created it. By root, or by that
		/// enclave; only while nobody uses the shard (no active signers,
		/// empty vault), so that a shard in use is never left without its
		/// configuration. The shard can then be created anew, with new
		/// secrets.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::remove_shard_config())]
		pub fn remove_shard_config(origin: OriginFor<T>, shard: ShardIdentifier) -> DispatchResult {
			let caller = ensure_signed_or_root(origin)?;
			ensure!(
				ShardConfigRegistry::<T>::contains_key(shard)
					|| ShardShieldingKeys::<T>::contains_key(shard),
				Error::<T>::ShardNotInitialized
			);
			let deposit = ShardConfigDeposits::<T>::get(shard);
			if let Some(who) = &caller {
				ensure!(
					deposit.as_ref().is_some_and(|(depositor, _)| depositor == who),
					Error::<T>::NotTheDepositor
				);
			}
			ensure!(Self::shard_unused(&shard), Error::<T>::ShardInUse);
			ShardConfigRegistry::<T>::remove(shard);
			ShardShieldingKeys::<T>::remove(shard);
			ShardConfigDeposits::<T>::remove(shard);
			let deposit_returned = deposit.map(|(depositor, amount)| {
				let released = T::Currency::release(
					&HoldReason::ShardConfig.into(),
					&depositor,
					amount,
					Precision::BestEffort,
				)
				.unwrap_or_default();
				(depositor, released)
			});
			Self::deposit_event(Event::ShardConfigRemoved { shard, deposit_returned });
			Ok(())
		}

		/// Create the shard, as its first member: the chain records the hash
		/// of the caller's registered shielding key as the shard's, and the
		/// caller joins. Only for a shard nobody created (the first creation
		/// wins: [`Error::ShardAlreadyCreated`] for the others) and without
		/// members. A shard without a stored configuration is configured for
		/// the caller's fingerprint with `max_instances`, unless funds wait in
		/// its vault and it is not named after that fingerprint; a stored
		/// configuration (root's) is kept, and must allow the caller. The caller holds [`Config::ShardConfigDeposit`]
		/// until [`Pallet::remove_shard_config`].
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::create_shard())]
		pub fn create_shard(
			origin: OriginFor<T>,
			shard: ShardIdentifier,
			max_instances: u32,
		) -> DispatchResult {
			let creator = ensure_signed(origin)?;
			let enclave = T::EnclaveRegistry::registered_enclave(&creator)
				.ok_or(Error::<T>::EnclaveNotRegistered)?;
			ensure!(!ShardShieldingKeys::<T>::contains_key(shard), Error::<T>::ShardAlreadyCreated);
			ensure!(!Self::has_members(&shard), Error::<T>::ShardInUse);
			if !ShardConfigRegistry::<T>::contains_key(shard) {
				// Funds wait in the vault of a shard whose code nobody
				// decided: the creator would pick who pays them out. A
				// shard named after the creator's code is that code's.
				ensure!(
					shard == enclave.fingerprint || Self::vault_empty(&shard),
					Error::<T>::ShardInUse
				);
				ensure!(Self::max_instances_valid(max_instances), Error::<T>::InvalidMaxInstances);
				let active =
					ShardConfig { enclave_fingerprint: enclave.fingerprint, max_instances };
				ShardConfigRegistry::<T>::insert(shard, UpgradableShardConfig::new(active));
			}
			let deposit = T::ShardConfigDeposit::get();
			T::Currency::hold(&HoldReason::ShardConfig.into(), &creator, deposit)
				.map_err(|_| Error::<T>::CannotHoldDeposit)?;
			ShardConfigDeposits::<T>::insert(shard, (creator.clone(), deposit));
			ShardShieldingKeys::<T>::insert(shard, enclave.shielding_key_hash);
			// Fails (and undoes the above) if the configuration does not
			// allow the creator.
			Self::ensure_member(&creator, &shard)?;
			Self::deposit_event(Event::ShardCreated {
				shard,
				creator,
				shielding_key_hash: enclave.shielding_key_hash,
			});
			Ok(())
		}

		/// Leave the shard, as one of its members (an enclave that stops
		/// serving it, `integritee-worker leave`): its slot and its
		/// confirmation go.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::leave_shard())]
		pub fn leave_shard(origin: OriginFor<T>, shard: ShardIdentifier) -> DispatchResult {
			let signer = ensure_signed(origin)?;
			ensure!(Self::remove_member(&signer, &shard), Error::<T>::NotAShardSigner);
			Self::deposit_event(Event::EnclaveLeftShard { shard, signer });
			Ok(())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Forgets paid unshields whose expiry has passed, as far as the
		/// block's spare weight allows; the rest waits for the next block.
		fn on_idle(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::prune_expired_unshields(now, remaining)
		}

		fn integrity_test() {
			assert!(T::MaxInstancesLimit::get() >= 1, "a shard must admit one member");
			assert!(T::MaxShardsPerEnclave::get() >= 1, "an enclave must serve one shard");
			assert!(
				!T::MaxUnshieldLifetime::get().is_zero(),
				"an unshield must stay payable for a block"
			);
			assert!(T::MaxCiphertextLength::get() > 0, "invoke must carry a ciphertext");
			assert!(T::MaxBeneficiaryLength::get() > 0, "shielding must name a beneficiary");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(
			_: BlockNumberFor<T>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	impl<T: Config> Pallet<T> {
		/// The keyless account that holds the shard's shielded funds:
		/// `PalletId.into_sub_account_truncating(blake2_128(shard))`. The shard
		/// is hashed because a 32-byte account only has room for 20 bytes of a
		/// raw shard id, and shard ids are freely chosen: two shards sharing a
		/// 20-byte prefix would otherwise share a vault.
		pub fn vault_account(shard: &ShardIdentifier) -> T::AccountId {
			let seed = polkadot_sdk::sp_io::hashing::blake2_128(shard.as_bytes());
			T::PalletId::get().into_sub_account_truncating(seed)
		}

		/// The configuration in force for `shard` now, if one is stored. (The
		/// implicit configuration of a shard named after a fingerprint is not
		/// included; see the crate documentation.)
		pub fn effective_shard_config(shard: &ShardIdentifier) -> Option<ShardConfig> {
			let now = frame_system::Pallet::<T>::block_number();
			ShardConfigRegistry::<T>::get(shard).map(|c| c.effective_at(now).clone())
		}

		/// The configuration a shard named after a fingerprint has while nothing
		/// is stored for it.
		pub fn implicit_config(shard: &ShardIdentifier) -> ShardConfig {
			ShardConfig { enclave_fingerprint: *shard, max_instances: T::MaxInstancesLimit::get() }
		}

		pub(crate) fn max_instances_valid(max_instances: u32) -> bool {
			(1..=T::MaxInstancesLimit::get()).contains(&max_instances)
		}

		/// Removes the records of paid unshields whose expiry lies before
		/// `now`, oldest expiry first, within `limit`; returns the weight used.
		pub(crate) fn prune_expired_unshields(now: BlockNumberFor<T>, limit: Weight) -> Weight {
			let base = T::WeightInfo::prune_expired_unshields(0);
			let per_entry = T::WeightInfo::prune_expired_unshields(1).saturating_sub(base);
			let per_expiry = T::DbWeight::get().reads(1);
			let mut used = base;
			if limit.any_lt(used.saturating_add(per_entry)) {
				return Weight::zero();
			}
			let mut cursor = NextExpiryToPrune::<T>::get();
			while cursor < now {
				let mut exhausted = true;
				for ((shard, call_hash), ()) in UnshieldExpiries::<T>::drain_prefix(cursor) {
					ExecutedUnshieldCalls::<T>::remove(shard, call_hash);
					used = used.saturating_add(per_entry);
					if limit.any_lt(used.saturating_add(per_entry)) {
						exhausted = false;
						break;
					}
				}
				if !exhausted {
					break;
				}
				cursor = cursor.saturating_add(One::one());
				used = used.saturating_add(per_expiry);
				if limit.any_lt(used.saturating_add(per_entry)) {
					break;
				}
			}
			NextExpiryToPrune::<T>::put(cursor);
			used
		}

		/// Nobody uses the shard yet: no active signers and an empty vault.
		fn shard_unused(shard: &ShardIdentifier) -> bool {
			!Self::has_members(shard) && Self::vault_empty(shard)
		}

		fn has_members(shard: &ShardIdentifier) -> bool {
			ShardStatus::<T>::decode_len(shard).unwrap_or(0) > 0
		}

		fn vault_empty(shard: &ShardIdentifier) -> bool {
			<T::Currency as fungible::Inspect<_>>::total_balance(&Self::vault_account(shard))
				.is_zero()
		}

		fn ensure_member(who: &T::AccountId, shard: &ShardIdentifier) -> Result<(), Error<T>> {
			<Self as ShardMembership<T::AccountId>>::ensure_member_and_touch(who, shard)
				.map(|_| ())
				.map_err(Error::<T>::from)
		}

		/// Removes `who` from the shard's active signers, its index entry and
		/// its confirmation; whether it was a signer or had a confirmation.
		pub(crate) fn remove_member(who: &T::AccountId, shard: &ShardIdentifier) -> bool {
			let mut signers = ShardStatus::<T>::get(shard);
			let before = signers.len();
			signers.retain(|status| &status.signer != who);
			let was_active = signers.len() != before;
			if signers.is_empty() {
				ShardStatus::<T>::remove(shard);
			} else if was_active {
				ShardStatus::<T>::insert(shard, signers);
			}
			Self::forget_membership(who, shard);
			let had_confirmation = LastProcessedParentchainBlock::<T>::take(shard, who).is_some();
			was_active || had_confirmation
		}

		/// Drops `shard` from `who`'s index of shards.
		pub(crate) fn forget_membership(who: &T::AccountId, shard: &ShardIdentifier) {
			EnclaveShards::<T>::mutate_exists(who, |shards| {
				if let Some(list) = shards {
					list.retain(|s| s != shard);
					if list.is_empty() {
						*shards = None;
					}
				}
			});
		}

		/// The invariants a user relies on:
		/// - every active signer of a shard is in the registry, and the index
		///   of its shards names the shard (and names no other);
		/// - every confirmation belongs to an active signer of its shard;
		/// - a shard with signers has a configuration, stored or implicit
		///   (named after its members' fingerprint), and a shielding key that
		///   every member with a current registration registered; stored
		///   configurations, and their
		///   pending upgrades, admit 1..=MaxInstancesLimit members; a deposit
		///   belongs to a stored configuration;
		/// - every paid unshield is recorded under exactly one expiry, at most
		///   `MaxUnshieldLifetime` blocks after its payment, that the pruning
		///   has not passed yet (so that it is pruned later, and not before).
		#[cfg(any(test, feature = "try-runtime"))]
		pub fn do_try_state() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			Self::try_state_members()?;
			Self::try_state_shielding_keys()?;
			Self::try_state_configs()?;
			Self::try_state_unshields()
		}

		/// Members, their index and their confirmations (storage version 1 on).
		#[cfg(any(test, feature = "try-runtime"))]
		pub(crate) fn try_state_members() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			for (shard, signers) in ShardStatus::<T>::iter() {
				ensure!(!signers.is_empty(), "an empty signer list is stored");
				for status in &signers {
					ensure!(
						T::EnclaveRegistry::is_registered(&status.signer),
						"a shard member is not in the registry"
					);
					ensure!(
						EnclaveShards::<T>::get(&status.signer).contains(&shard),
						"the member's shard index misses the shard"
					);
				}
				let configured = ShardConfigRegistry::<T>::contains_key(shard)
					|| signers.iter().all(|status| status.fingerprint == shard);
				ensure!(configured, "a shard with members has no configuration");
			}
			for (who, shards) in EnclaveShards::<T>::iter() {
				ensure!(!shards.is_empty(), "an empty shard index is stored");
				for shard in &shards {
					ensure!(
						ShardStatus::<T>::get(shard).iter().any(|status| status.signer == who),
						"the shard index names a shard the enclave is not a member of"
					);
				}
			}
			for (shard, who, _) in LastProcessedParentchainBlock::<T>::iter() {
				ensure!(
					ShardStatus::<T>::get(shard).iter().any(|status| status.signer == who),
					"a confirmation of an enclave that is not a member"
				);
			}
			Ok(())
		}

		/// A shard in use has a shielding key, and its members registered
		/// it (storage version 2 on).
		#[cfg(any(test, feature = "try-runtime"))]
		pub(crate) fn try_state_shielding_keys(
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			for (shard, signers) in ShardStatus::<T>::iter() {
				let key = ShardShieldingKeys::<T>::get(shard)
					.ok_or("a shard with members has no shielding key")?;
				for status in &signers {
					// An expired registration lingers until the next check.
					if let Some(registered) = T::EnclaveRegistry::registered_enclave(&status.signer)
					{
						ensure!(
							registered.shielding_key_hash == key,
							"a member registered another shielding key than the shard's"
						);
					}
				}
			}
			Ok(())
		}

		/// Stored configurations and deposits.
		#[cfg(any(test, feature = "try-runtime"))]
		pub(crate) fn try_state_configs() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			for (_, config) in ShardConfigRegistry::<T>::iter() {
				ensure!(
					Self::max_instances_valid(config.active.max_instances),
					"a stored configuration admits no or too many members"
				);
				if let Some((_, upgrade)) = &config.pending_upgrade {
					ensure!(
						Self::max_instances_valid(upgrade.max_instances),
						"a pending upgrade admits no or too many members"
					);
				}
				if let Some((retiring, _)) = &config.retiring {
					ensure!(
						*retiring != config.active.enclave_fingerprint,
						"the retiring code is the active one"
					);
				}
			}
			for (shard, _) in ShardConfigDeposits::<T>::iter() {
				ensure!(
					ShardConfigRegistry::<T>::contains_key(shard),
					"a deposit outlived its configuration"
				);
			}
			Ok(())
		}

		/// Paid unshields and their expiries.
		#[cfg(any(test, feature = "try-runtime"))]
		pub(crate) fn try_state_unshields() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError>
		{
			let next_to_prune = NextExpiryToPrune::<T>::get();
			let mut indexed = 0usize;
			for (expiry, (shard, call_hash), ()) in UnshieldExpiries::<T>::iter() {
				indexed += 1;
				let paid_at = ExecutedUnshieldCalls::<T>::get(shard, call_hash)
					.ok_or("an expiry entry without its paid record")?;
				ensure!(paid_at <= expiry, "an unshield paid after its expiry");
				ensure!(
					expiry <= paid_at.saturating_add(T::MaxUnshieldLifetime::get()),
					"an unshield expiry beyond the lifetime"
				);
				ensure!(expiry >= next_to_prune, "a paid record the pruning passed over");
			}
			ensure!(
				ExecutedUnshieldCalls::<T>::iter().count() == indexed,
				"a paid record without exactly one expiry entry"
			);
			Ok(())
		}
	}
}

impl<T: Config> ShardMembership<T::AccountId> for Pallet<T> {
	/// Checks that `who` is a registered enclave with the fingerprint the
	/// shard's effective configuration allows (stored, or implicit when the
	/// shard is named after `who`'s fingerprint) and the shard's shielding
	/// key, then records its activity: signers that are no longer
	/// registered with that fingerprint and key leave the shard (with their
	/// confirmations), `who` is updated or joins if the shard has room and
	/// it is not a member of too many shards. Promotes a reached upgrade.
	/// Writes nothing when it fails.
	fn ensure_member_and_touch(
		who: &T::AccountId,
		shard: &ShardIdentifier,
	) -> Result<EnclaveFingerprint, ShardMembershipError> {
		let registered = T::EnclaveRegistry::registered_enclave(who)
			.ok_or(ShardMembershipError::EnclaveNotRegistered)?;
		let fingerprint = registered.fingerprint;
		let now = polkadot_sdk::frame_system::Pallet::<T>::block_number();
		let (stored, changed) = match ShardConfigRegistry::<T>::get(shard) {
			Some(stored) => stored.promoted(now),
			None if *shard == fingerprint => {
				(UpgradableShardConfig::new(Self::implicit_config(shard)), false)
			}
			None => return Err(ShardMembershipError::ShardNotInitialized),
		};
		// The active code, and during a grace period the one it replaced.
		let admits = |code: &EnclaveFingerprint| stored.admits(code, now);
		if !admits(&fingerprint) {
			return Err(ShardMembershipError::WrongFingerprint);
		}
		let config = &stored.active;
		let shielding_key_hash =
			ShardShieldingKeys::<T>::get(shard).ok_or(ShardMembershipError::ShardNotCreated)?;
		if registered.shielding_key_hash != shielding_key_hash {
			return Err(ShardMembershipError::WrongShieldingKey);
		}

		let mut signers = ShardStatus::<T>::get(shard);
		let mut departed = alloc::vec::Vec::new();
		signers.retain(|status| {
			let registered_as =
				RegisteredEnclave { fingerprint: status.fingerprint, shielding_key_hash };
			let stays = admits(&status.fingerprint)
				&& T::EnclaveRegistry::registered_enclave(&status.signer) == Some(registered_as);
			if !stays {
				departed.push(status.signer.clone());
			}
			stays
		});
		// `who` itself may have left (it ran other code) and joins again.
		let rejoins = departed.contains(who);
		departed.retain(|signer| signer != who);
		let mut joined_shards = None;
		if let Some(status) = signers.iter_mut().find(|status| &status.signer == who) {
			status.last_activity = now;
		} else {
			if signers.len() >= config.max_instances as usize {
				return Err(ShardMembershipError::TooManyInstances);
			}
			let mut shards = EnclaveShards::<T>::get(who);
			if !shards.contains(shard) {
				shards.try_push(*shard).map_err(|_| ShardMembershipError::TooManyShards)?;
			}
			signers
				.try_push(ShardSignerStatus {
					signer: who.clone(),
					fingerprint,
					last_activity: now,
				})
				.map_err(|_| ShardMembershipError::TooManyInstances)?;
			joined_shards = Some(shards);
		}

		for signer in &departed {
			Self::forget_membership(signer, shard);
			LastProcessedParentchainBlock::<T>::remove(shard, signer);
		}
		if let Some(shards) = joined_shards {
			EnclaveShards::<T>::insert(who, shards);
			if rejoins {
				LastProcessedParentchainBlock::<T>::remove(shard, who);
			}
		}
		ShardStatus::<T>::insert(shard, signers);
		if changed {
			ShardConfigRegistry::<T>::insert(shard, stored);
		}
		Ok(fingerprint)
	}

	/// Dispatches are transactional: what the touch wrote is undone when
	/// `who` turns out not to serve.
	fn ensure_serving_member_and_touch(
		who: &T::AccountId,
		shard: &ShardIdentifier,
	) -> Result<EnclaveFingerprint, ShardMembershipError> {
		let fingerprint = Self::ensure_member_and_touch(who, shard)?;
		match ShardStatus::<T>::get(shard).first() {
			Some(first) if &first.signer == who => Ok(fingerprint),
			_ => Err(ShardMembershipError::NotServingMember),
		}
	}

	/// A stored configuration for `MaxInstancesLimit` members, served by a
	/// registered enclave; every other slot taken by a member the check
	/// finds running other code, so that it looks each one up and removes
	/// it, its index entry and its confirmation.
	#[cfg(feature = "runtime-benchmarks")]
	fn worst_case_serving_member(shard: &ShardIdentifier) -> T::AccountId {
		use polkadot_sdk::{frame_benchmarking::account, sp_core::H256};
		let fingerprint = H256::repeat_byte(0xf1);
		let other_code = H256::repeat_byte(0xf2);
		let limit = T::MaxInstancesLimit::get();
		let key = BENCHMARK_SHIELDING_KEY_HASH;
		let config = ShardConfig { enclave_fingerprint: fingerprint, max_instances: limit };
		ShardConfigRegistry::<T>::insert(shard, UpgradableShardConfig::new(config));
		ShardShieldingKeys::<T>::insert(shard, key);
		let now = polkadot_sdk::frame_system::Pallet::<T>::block_number();
		let serving: T::AccountId = account("serving", 0, 0);
		T::EnclaveRegistry::register_for_benchmark(&serving, fingerprint, key);
		let mut signers = ShardSignersOf::<T>::default();
		for i in 0..limit {
			let signer = if i == 0 { serving.clone() } else { account("member", i, 0) };
			if i > 0 {
				T::EnclaveRegistry::register_for_benchmark(&signer, other_code, key);
				LastProcessedParentchainBlock::<T>::insert(shard, &signer, (now, H256::zero()));
			}
			let _ = signers.try_push(ShardSignerStatus {
				signer: signer.clone(),
				fingerprint,
				last_activity: now,
			});
			let mut shards = MemberShardsOf::<T>::default();
			let _ = shards.try_push(*shard);
			EnclaveShards::<T>::insert(&signer, shards);
		}
		ShardStatus::<T>::insert(shard, signers);
		serving
	}
}

impl<T: Config> integritee_primitives::OnEnclaveUnregistered<T::AccountId> for Pallet<T> {
	/// The enclave leaves every shard it was a member of, with its
	/// confirmations.
	fn on_enclave_unregistered(who: &T::AccountId) {
		for shard in EnclaveShards::<T>::take(who) {
			Self::remove_member(who, &shard);
		}
	}

	fn max_weight() -> Weight {
		T::WeightInfo::on_enclave_unregistered()
	}
}
