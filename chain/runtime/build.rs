fn main() {
	// The native build also compiles the runtime to WASM (wasm32v1-none): the
	// node executes that blob, and the chain spec embeds it as genesis code.
	#[cfg(feature = "std")]
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}
