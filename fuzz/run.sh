#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 60) and prints its executions
# per second. Seed corpora are made at run time from the test data in
# crates/testdata/sgx; the corpora are not committed. Needs cargo-fuzz (`cargo install cargo-fuzz --locked`); on a
# stable toolchain RUSTC_BOOTSTRAP=1 lets cargo-fuzz use its nightly flags.
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# Environment: FUZZ_TARGET_DIR (default $HOME/.cache/integritee-rs/fuzz-target),
# FUZZ_SANITIZER (default none: the crate forbids unsafe code, and panics,
# overflow checks and debug assertions are what the targets look for),
# FUZZ_NICE (default 19).
set -euo pipefail

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$FUZZ_DIR/.." && pwd)"
SGX="$REPO/crates/testdata/sgx"
SECONDS_PER_TARGET="${1:-60}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(dcap_quote x509_certificate ias_report collateral trusted_request sidechain_block call_status_proof)
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/integritee-rs/fuzz-target}"
export RUSTC_BOOTSTRAP=1
SANITIZER="${FUZZ_SANITIZER:-none}"
NICE="${FUZZ_NICE:-19}"

[ -d "$SGX" ] || { echo "test data not found at $SGX" >&2; exit 1; }
command -v cargo-fuzz >/dev/null || { echo "cargo-fuzz missing: cargo install cargo-fuzz --locked" >&2; exit 1; }

# Seeds, rewritten on every run from the test data (corpus/ is not committed).
python3 - "$SGX" "$FUZZ_DIR/corpus" <<'PY'
import binascii, os, struct, sys
sgx, corpus = sys.argv[1], sys.argv[2]
def read(p): return open(os.path.join(sgx, p), 'rb').read()
def put(target, name, data):
    d = os.path.join(corpus, target); os.makedirs(d, exist_ok=True)
    open(os.path.join(d, 'seed-' + name), 'wb').write(data)

quote = read('dcap/ra_dcap_dump_quote.ra')
put('dcap_quote', 'quote', quote)
put('dcap_quote', 'quote-short', quote[:1046])

def pem_blocks(text):
    out, rest = [], text
    while b'-----BEGIN CERTIFICATE-----' in rest and b'-----END CERTIFICATE-----' in rest:
        a = rest.index(b'-----BEGIN CERTIFICATE-----'); b = rest.index(b'-----END CERTIFICATE-----') + 25
        out.append(rest[a:b]); rest = rest[b:]
    return out
chain = quote[quote.index(b'-----BEGIN'):]
put('x509_certificate', 'pck-chain', chain)
for i, block in enumerate(pem_blocks(chain)):
    body = b''.join(block.split(b'\n')[1:-1])
    put('x509_certificate', 'pck-%d-der' % i, binascii.a2b_base64(body))
for name in ['dcap/tcb_info_issuer_chain.pem', 'dcap/pck_crl_issuer_chain.pem', 'ias/AttestationReportSigningCACert.pem']:
    put('x509_certificate', os.path.basename(name), read(name))
put('x509_certificate', 'pck-leaf-der', binascii.a2b_base64(b''.join(read('dcap/dcap_quote_cert.der').split())))

for n in range(4, 8):
    cert = read('ias/ra_dump_cert_TEST%d.der' % n)
    put('ias_report', 'TEST%d' % n, cert)
    put('x509_certificate', 'ra-TEST%d' % n, cert)
    # The report extension value alone: an OCTET STRING or IA5String with a
    # two-byte long-form length just before the report JSON.
    at = cert.find(b'{"id"')
    if at >= 4 and cert[at - 3] == 0x82:
        length = (cert[at - 2] << 8) | cert[at - 1]
        put('ias_report', 'TEST%d-extension' % n, cert[at:at + length])

put('collateral', 'qe-identity', b'\x00' + read('dcap/qe_identity.json'))
put('collateral', 'tcb-info', b'\x01' + read('dcap/tcb_info.json'))
put('collateral', 'pck-crl', b'\x02' + read('dcap/pck_crl.der'))
put('collateral', 'pck-crl-der', b'\x02' + binascii.unhexlify(read('dcap/pck_crl.der').strip()))
put('collateral', 'root-crl', b'\x03' + read('dcap/root_ca_crl.der'))
put('collateral', 'root-crl-der', b'\x03' + binascii.unhexlify(read('dcap/root_ca_crl.der').strip()))
put('collateral', 'issuer-chain', b'\x05' + read('dcap/qe_identity_issuer_chain.pem'))

# The stored (SCALE) form, by hand: version 1, then the enum variant.
def compact(n):
    assert n < 1 << 14
    return bytes([n << 2]) if n < 64 else struct.pack('<H', (n << 2) | 1)
def vec(b): return compact(len(b)) + b
signer = b'\x11' * 32 + vec(b'\x01\x02') + vec(b'\x30\x00') + struct.pack('<QQ', 1, 2**62)
qe = (struct.pack('<QQI', 1, 2**62, 14) + b'\0' * 4 + b'\xff' * 4 + b'\0' * 16 + b'\xff' * 16
      + b'\x8c' * 32 + struct.pack('<H', 1) + compact(2) + struct.pack('<HB', 8, 0)
      + struct.pack('<HB', 6, 4) + signer)
tcb = (bytes.fromhex('00906ea10000') + b'\0\0' + struct.pack('<QQI', 1, 2**62, 14)
       + compact(1) + b'\x11' * 16 + struct.pack('<HB', 11, 1) + signer)
crl = b'\x22' * 32 + vec(b'\x30\x00') + b'\x33' * 32 + struct.pack('<QQ', 1, 2**62) + compact(1) + vec(b'\x05')
for name, variant, body in [('stored-qe', 0, qe), ('stored-tcb', 1, tcb), ('stored-crl', 2, crl)]:
    put('collateral', name, b'\x04' + b'\x01' + bytes([variant]) + body)

# trusted_request: a direct call / private getter request (shard, ciphertext),
# its hex parameter, a signed transfer (call, nonce, sr25519 signature) and a
# private getter (signed NextNonce getter, answer key, min_block).
envelope = b'\x01' * 32 + vec(b'\x05' * 80)
put('trusted_request', 'envelope', envelope)
put('trusted_request', 'envelope-hex', b'0x' + binascii.hexlify(envelope))
transfer = b'\x00' + b'\x0a' * 32 + b'\x0b' * 32 + struct.pack('<QQ', 7, 0)
put('trusted_request', 'call', transfer + struct.pack('<I', 3) + b'\x01' + b'\x0c' * 64)
getter = b'\x01' + b'\x0a' * 32 + struct.pack('<Q', 9) + b'\x01' + b'\x0c' * 64
put('trusted_request', 'getter', getter + b'\x02' * 32 + b'\x01' + struct.pack('<Q', 4))

# sidechain_block: header (shard, number, parent, term, anchor, calls root,
# state roots, diff hash, author), body (calls with outcomes, encrypted
# diff), signature.
header = (b'\x01' * 32 + struct.pack('<Q', 2) + b'\x02' * 32 + struct.pack('<QI', 1, 7)
          + b'\x03' * 32 + b'\x04' * 32 + b'\x05' * 32 + b'\x06' * 32 + b'\x07' * 32
          + b'\x08' * 32)
calls = compact(3) + b'\x09' * 32 + b'\x00' + b'\x0a' * 32 + b'\x01' + vec(b'too poor') \
        + b'\x0b' * 32 + b'\x02' + vec(b'stale nonce')
put('sidechain_block', 'block', header + calls + vec(b'\x0c' * 60) + b'\x0d' * 64)
put('sidechain_block', 'empty-block', header + compact(0) + vec(b'') + b'\x0d' * 64)

# call_status_proof: selector 0, then an IncludedCall (header, signature,
# proof: leaf index, leaf count, siblings); selector 1, then a link of
# headers.
proof = struct.pack('<II', 1, 3) + compact(2) + b'\x0e' * 64
put('call_status_proof', 'included', b'\x00' + header + b'\x0d' * 64 + proof)
put('call_status_proof', 'link', b'\x01' + compact(2) + header + header)
PY

cd "$FUZZ_DIR"
echo "building fuzz targets (sanitizer: $SANITIZER) into $CARGO_TARGET_DIR" >&2
nice -n "$NICE" cargo fuzz build --sanitizer "$SANITIZER" >&2

status=0
printf '%-18s %10s %14s %8s\n' target execs/s total_execs result
for target in "${TARGETS[@]}"; do
	log="$FUZZ_DIR/artifacts/$target.log"
	mkdir -p "$FUZZ_DIR/artifacts/$target"
	set +e
	nice -n "$NICE" cargo fuzz run --sanitizer "$SANITIZER" "$target" -- \
		-max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 -max_len=16384 >"$log" 2>&1
	rc=$?
	set -e
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	result=ok
	if [ "$rc" -ne 0 ]; then
		result="CRASH (see $log, artifacts/$target/)"
		status=1
	fi
	printf '%-18s %10s %14s %8s\n' "$target" "${rate:-?}" "${execs:-?}" "$result"
done
exit $status
