//! Verification of SGX attestation evidence and of Intel's collateral, for the
//! parent-chain runtime (`no_std` + `alloc`, WASM) and the worker (`std`).
//!
//! - **DCAP** ([`dcap`]): SGX ECDSA quotes v3 with a PEM PCK chain, verified to
//!   a configurable root CA against QE identity, TCB info and CRLs that were
//!   verified once, at registration ([`Verifier::verify_collateral`]), and are
//!   kept in a SCALE form ([`dcap::StoredCollateral`]).
//! - **IAS / EPID** ([`ias`]): RA-TLS certificates carrying an IAS report.
//!
//! The crate has no clock, no storage and no I/O: every time is a parameter,
//! collateral is looked up through a caller's function, and which enclaves are
//! acceptable (MRENCLAVE, debug mode, TCB statuses other than revoked) is the
//! caller's policy. [`IntelAttestationVerifier`] implements the registry's
//! [`integritee_primitives::AttestationVerifier`] on Intel's embedded roots;
//! [`Verifier`] takes explicit roots and returns the detailed [`Error`].
//!
//! [`CollateralStore`] holds verified collateral the way the chain registers
//! it, for verifiers outside the runtime.
//!
//! With `std`, a [`Verifier`] can remember verified PCK chain signatures in a
//! [`LinkCache`] ([`Verifier::with_cache`]) for workers that verify many
//! quotes of the same platforms.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod asn1;
mod bytes;
#[cfg(feature = "std")]
pub mod cache;
pub mod crl;
mod crypto;
pub mod dcap;
pub mod error;
pub mod ias;
pub mod pem;
pub mod roots;
pub mod sgx_report;
pub mod store;
pub mod time;
mod verifier;
pub mod x509;

#[cfg(feature = "std")]
pub use cache::{LinkCache, LinkCacheStats};
pub use crl::RevocationPolicy;
pub use dcap::{DcapVerified, TcbStatus};
pub use error::Error;
pub use ias::IasVerified;
pub use store::CollateralStore;
pub use verifier::{check_root_ca, CollateralLookup, IntelAttestationVerifier, Verifier};
