//! The trusted RPC's request decoders: a hex parameter holding a direct
//! call or a private getter request, and the plaintexts the core decodes
//! after decryption (a signed trusted call, a signed private getter), whose
//! signatures are then checked.
#![no_main]

use integritee_stf_primitives::{
	direct::DirectCall,
	getter::PrivateGetterRequest,
	request::{decode_exact, decode_hex_param},
	TrustedCallSigned, TrustedGetterSigned,
};
use libfuzzer_sys::fuzz_target;
use polkadot_sdk::sp_core::H256;

fuzz_target!(|data: &[u8]| {
	if let Ok(text) = core::str::from_utf8(data) {
		let _ = decode_hex_param::<DirectCall>(text, "DirectCall");
		let _ = decode_hex_param::<PrivateGetterRequest>(text, "PrivateGetterRequest");
	}
	let _ = decode_exact::<DirectCall>(data, "DirectCall");
	let _ = decode_exact::<PrivateGetterRequest>(data, "PrivateGetterRequest");
	if let Ok(call) = decode_exact::<TrustedCallSigned>(data, "TrustedCallSigned") {
		let _ = call.verify_signature(&[1; 32], &H256::repeat_byte(1));
		let _ = call.hash();
	}
	if let Ok(getter) = decode_exact::<TrustedGetterSigned>(data, "TrustedGetterSigned") {
		let _ = getter.verify_signature(&H256::repeat_byte(1));
	}
});
