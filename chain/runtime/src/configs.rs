//! Configuration of each pallet of the runtime.

use crate::*;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::{
	frame_support::{
		derive_impl,
		dispatch::DispatchClass,
		parameter_types,
		traits::{
			ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, Contains, InstanceFilter,
			VariantCountOf,
		},
		weights::{
			constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
			IdentityFee, Weight,
		},
		PalletId,
	},
	frame_system::limits::{BlockLength, BlockWeights},
	pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier},
	sp_consensus_aura::sr25519::AuthorityId as AuraId,
	sp_runtime::{
		traits::{BlakeTwo256, One},
		Perbill,
	},
};
use scale_info::TypeInfo;

const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);
const MAX_BLOCK_LENGTH: u32 = 5 * 1024 * 1024;

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;
	/// A third of the 2 s block time for execution, the rest for import and gossip.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND * 2 / 3, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	pub RuntimeBlockLength: BlockLength =
		BlockLength::builder()
			.max_length(MAX_BLOCK_LENGTH)
			.modify_max_length_for_class(DispatchClass::Normal, |max| {
				*max = NORMAL_DISPATCH_RATIO * *max
			})
			.build();
	pub const SS58Prefix: u8 = 42;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	type DbWeight = ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
	type BaseCallFilter = NoWrappedInvoke;
}

/// Refuses a wrapper call (proxy, sudo) that carries `EnclaveBridge::invoke`.
/// Workers read an invoke's ciphertext from the block body, where only
/// top-level calls are visible: a wrapped invoke would succeed on chain (and
/// cost its sender) while no worker ever executes it. So it is refused.
pub struct NoWrappedInvoke;

impl Contains<RuntimeCall> for NoWrappedInvoke {
	fn contains(call: &RuntimeCall) -> bool {
		!wraps_invoke(call)
	}
}

/// Whether `call` is a proxy or sudo wrapper around an `invoke`, at any depth.
pub fn wraps_invoke(call: &RuntimeCall) -> bool {
	let inner: &RuntimeCall = match call {
		RuntimeCall::Proxy(pallet_proxy::Call::proxy { call, .. })
		| RuntimeCall::Proxy(pallet_proxy::Call::proxy_announced { call, .. })
		| RuntimeCall::Sudo(pallet_sudo::Call::sudo { call })
		| RuntimeCall::Sudo(pallet_sudo::Call::sudo_unchecked_weight { call, .. })
		| RuntimeCall::Sudo(pallet_sudo::Call::sudo_as { call, .. }) => call,
		_ => return false,
	};
	matches!(inner, RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::invoke { .. }))
		|| wraps_invoke(inner)
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<32>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<32>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = polkadot_sdk::sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_balances::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type Balance = Balance;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type ReserveIdentifier = [u8; 8];
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ConstU32<50>;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type DoneSlashHandler = ();
}

parameter_types! {
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = IdentityFee<Balance>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

/// What a proxy may do on behalf of its delegator.
#[derive(
	Copy,
	Clone,
	Eq,
	PartialEq,
	Ord,
	PartialOrd,
	Encode,
	Decode,
	DecodeWithMemTracking,
	Debug,
	MaxEncodedLen,
	TypeInfo,
	Default,
)]
pub enum ProxyType {
	/// Any call.
	#[default]
	Any,
	/// Anything but moving funds.
	NonTransfer,
	/// Only enclave-registry calls: lets an operator act for an enclave account.
	EnclaveRegistry,
}

impl InstanceFilter<RuntimeCall> for ProxyType {
	fn filter(&self, call: &RuntimeCall) -> bool {
		match self {
			ProxyType::Any => true,
			ProxyType::NonTransfer => !matches!(
				call,
				RuntimeCall::Balances(..)
					| RuntimeCall::Sudo(..)
					| RuntimeCall::EnclaveBridge(
						pallet_enclave_bridge::Call::shield_funds { .. }
							| pallet_enclave_bridge::Call::unshield_funds { .. }
					)
			),
			// An operator's chores for an enclave account: registration and
			// confirmations. Never the vault (unshield) nor the shard's
			// configuration: those the enclave itself must decide.
			ProxyType::EnclaveRegistry => matches!(
				call,
				RuntimeCall::Teerex(..)
					| RuntimeCall::Sidechain(..)
					| RuntimeCall::EnclaveBridge(
						pallet_enclave_bridge::Call::confirm_processed_parentchain_block { .. }
					)
			),
		}
	}

	fn is_superset(&self, other: &Self) -> bool {
		match (self, other) {
			(ProxyType::Any, _) => true,
			(_, ProxyType::Any) => false,
			(a, b) => a == b,
		}
	}
}

impl pallet_proxy::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type Currency = Balances;
	type ProxyType = ProxyType;
	type ProxyDepositBase = ConstU128<{ UNIT / 10 }>;
	type ProxyDepositFactor = ConstU128<{ UNIT / 100 }>;
	type MaxProxies = ConstU32<32>;
	type WeightInfo = pallet_proxy::weights::SubstrateWeight<Runtime>;
	type MaxPending = ConstU32<32>;
	type CallHasher = BlakeTwo256;
	type AnnouncementDepositBase = ConstU128<{ UNIT / 10 }>;
	type AnnouncementDepositFactor = ConstU128<{ UNIT / 100 }>;
	type BlockNumberProvider = System;
}

parameter_types! {
	pub const ShardVaultPalletId: PalletId = PalletId(*b"ie/vault");
}

/// An unshield request's expiry may lie at most this many blocks (40 min at
/// 2 s blocks) ahead; workers use half of it.
pub const MAX_UNSHIELD_LIFETIME: BlockNumber = 1200;

/// A registration stays valid for a day after its attestation; workers renew
/// well before (IAS reports older than 24 h are refused anyway).
pub const ATTESTATION_RENEWAL_PERIOD_MS: u64 = 24 * 60 * 60 * 1000;

impl pallet_teerex::Config for Runtime {
	type UnixTime = Timestamp;
	// DCAP under the chain's root CA (Intel's unless genesis or root pins
	// another), IAS under Intel's root.
	type AttestationVerifier = integritee_attestation::IntelAttestationVerifier;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	// An enclave record is about 400 bytes; the deposit makes a registry
	// of thousands cost something, and is returned on unregistration.
	type RegistrationDeposit = ConstU128<UNIT>;
	type OnEnclaveUnregistered = EnclaveBridge;
	type MaxAttestationRenewalPeriod = ConstU64<ATTESTATION_RENEWAL_PERIOD_MS>;
	type MaxProofLength = ConstU32<{ 16 * 1024 }>;
	type MaxUrlLength = ConstU32<256>;
	type MaxCollateralLength = ConstU32<{ 16 * 1024 }>;
	// Intel publishes TCB info for a few hundred platform families.
	type MaxTcbInfos = ConstU32<1024>;
	type WeightInfo = pallet_teerex::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = pallet_teerex::SimulatedSgxHelper;
}

impl pallet_enclave_bridge::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type EnclaveRegistry = Teerex;
	type MaxCiphertextLength = ConstU32<{ 8 * 1024 }>;
	type MaxBeneficiaryLength = ConstU32<512>;
	type MaxInstancesLimit = ConstU32<32>;
	type MaxShardsPerEnclave = ConstU32<8>;
	// A shard's configuration is small; the deposit is there to make
	// storing thousands of them cost something.
	type ShardConfigDeposit = ConstU128<{ UNIT / 10 }>;
	type PalletId = ShardVaultPalletId;
	type MaxUnshieldLifetime = ConstU32<MAX_UNSHIELD_LIFETIME>;
	type WeightInfo = pallet_enclave_bridge::weights::SubstrateWeight<Runtime>;
}

impl pallet_sidechain::Config for Runtime {
	type ShardMembership = EnclaveBridge;
	type WeightInfo = pallet_sidechain::weights::SubstrateWeight<Runtime>;
}

#[cfg(test)]
mod tests {
	use super::*;
	use polkadot_sdk::sp_core::H256;

	fn invoke() -> RuntimeCall {
		RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::invoke {
			shard: H256::zero(),
			ciphertext: vec![1],
		})
	}

	fn proxied(call: RuntimeCall) -> RuntimeCall {
		RuntimeCall::Proxy(pallet_proxy::Call::proxy {
			real: AccountId::new([1; 32]).into(),
			force_proxy_type: None,
			call: Box::new(call),
		})
	}

	fn unshield() -> RuntimeCall {
		RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::unshield_funds {
			shard: H256::zero(),
			beneficiary: AccountId::new([2; 32]),
			amount: 1,
			call_hash: H256::zero(),
			expires_at: 1,
		})
	}

	#[test]
	fn wrapped_invokes_are_refused_at_any_depth() {
		assert!(NoWrappedInvoke::contains(&invoke()));
		assert!(!NoWrappedInvoke::contains(&proxied(invoke())));
		assert!(!NoWrappedInvoke::contains(&proxied(proxied(invoke()))));
		let sudo_as = RuntimeCall::Sudo(pallet_sudo::Call::sudo_as {
			who: AccountId::new([1; 32]).into(),
			call: Box::new(invoke()),
		});
		assert!(!NoWrappedInvoke::contains(&sudo_as));
		assert!(!NoWrappedInvoke::contains(&RuntimeCall::Sudo(pallet_sudo::Call::sudo {
			call: Box::new(proxied(invoke()))
		})));
		// Other wrapped calls pass.
		let remark = RuntimeCall::System(frame_system::Call::remark { remark: vec![] });
		assert!(NoWrappedInvoke::contains(&proxied(remark)));
	}

	#[test]
	fn proxies_never_touch_the_vault_or_the_shard_config_but_any() {
		let config = RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::update_shard_config {
			shard: H256::zero(),
			config: integritee_primitives::ShardConfig {
				enclave_fingerprint: H256::zero(),
				max_instances: 1,
			},
			enactment_delay: 0,
			grace_period: 0,
		});
		let confirm = RuntimeCall::EnclaveBridge(
			pallet_enclave_bridge::Call::confirm_processed_parentchain_block {
				shard: H256::zero(),
				block_hash: H256::zero(),
				block_number: 1,
				calls_root: H256::zero(),
			},
		);
		let sudo = RuntimeCall::Sudo(pallet_sudo::Call::sudo {
			call: Box::new(RuntimeCall::System(frame_system::Call::remark { remark: vec![] })),
		});
		assert!(!ProxyType::EnclaveRegistry.filter(&unshield()));
		assert!(!ProxyType::EnclaveRegistry.filter(&config));
		let create = RuntimeCall::EnclaveBridge(pallet_enclave_bridge::Call::create_shard {
			shard: H256::zero(),
			max_instances: 1,
		});
		assert!(!ProxyType::EnclaveRegistry.filter(&create));
		assert!(ProxyType::EnclaveRegistry.filter(&confirm));
		assert!(!ProxyType::NonTransfer.filter(&unshield()));
		assert!(!ProxyType::NonTransfer.filter(&sudo));
		assert!(ProxyType::NonTransfer.filter(&confirm));
		assert!(ProxyType::Any.filter(&unshield()));
	}
}
