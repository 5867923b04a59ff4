#pragma once
// The openssl steps of docs/report.md ("Checking a report by hand with openssl"), printed in the
// PDF's integrity appendix. The same text as the docs block, byte for byte: the PDF test compares them.
namespace dnswitness::pdf {

inline constexpr const char* kOpensslSteps = R"STEPS(
R=${R:-report.json} N=${N:-0}
jq -r .ledger.public_key_pem "$R" > pub.pem
# 1. The key's fingerprint: compare it with the one the operator gave you.
openssl pkey -pubin -in pub.pem -outform DER | sha256sum
# 2. The newest signed tree head. The signed message is its first three lines (origin, size,
#    root); the signature is the base64 after the key name on line 5, minus its first 4 bytes
#    (the key ID).
jq -r '.checkpoints[-1].note' "$R" > note
head -n 3 note > text
sed -n 5p note | awk '{print $3}' | base64 -d | tail -c 64 > sig
openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in text -sigfile sig
# 3. The leaf's hash: SHA-256 of a 0x00 byte followed by the leaf's exact bytes.
jq -r ".leaves[$N].data_base64" "$R" | base64 -d > leaf
h=$( (printf '\000'; cat leaf) | openssl dgst -sha256 -r | cut -c1-64)
if [ "$h" = "$(jq -r ".leaves[$N].leaf_hash" "$R" | base64 -d | xxd -p -c 32)" ]; then echo "leaf hash $h"
else echo "leaf $N: its hash does not match its bytes"; exit 1; fi
# 4. The inclusion proof: hash up from the leaf; node = SHA-256(0x01 || left || right).
fn=$(jq -r ".leaves[$N].index" "$R"); sn=$(( $(sed -n 2p text) - 1 )); r=$h
for p in $(jq -r ".leaves[$N].inclusion_proof[]" "$R"); do
  p=$(echo "$p" | base64 -d | xxd -p -c 32)
  if [ $((fn % 2)) -eq 1 ] || [ "$fn" -eq "$sn" ]; then
    r=$(printf '01%s%s' "$p" "$r" | xxd -r -p | openssl dgst -sha256 -r | cut -c1-64)
    while [ $((fn % 2)) -eq 0 ] && [ "$fn" -ne 0 ]; do fn=$((fn / 2)); sn=$((sn / 2)); done
  else
    r=$(printf '01%s%s' "$r" "$p" | xxd -r -p | openssl dgst -sha256 -r | cut -c1-64)
  fi
  fn=$((fn / 2)); sn=$((sn / 2))
done
root=$(sed -n 3p text | base64 -d | xxd -p -c 32)
if [ "$sn" -eq 0 ] && [ "$r" = "$root" ]; then echo "leaf $N is in the signed tree (root $root)"
else echo "leaf $N is NOT in the signed tree"; exit 1; fi
)STEPS";

}  // namespace dnswitness::pdf
