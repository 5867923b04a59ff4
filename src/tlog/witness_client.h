#pragma once
// The log's side of c2sp.org/tlog-witness: asks one witness to cosign a checkpoint and checks what
// it answers. Building block of `publish --witness` (tlog/witnessing.h).
//
//   --witness NAME=URL+VKEY   NAME the witness's name, URL its submission prefix (add-checkpoint is
//                             POSTed to URL/add-checkpoint), VKEY its cosignature verifier key,
//                             which starts with NAME ("NAME+<key ID>+<base64>").
//
// Ownership: plain values. Thread-safety: request_cosignature may run on several threads at once.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/merkle.h"
#include "tlog/cosignature.h"

namespace dnswitness {

struct WitnessEndpoint {
  std::string name;
  std::string url;           // the submission prefix, without a trailing '/'
  std::string verifier_key;  // as given
  CosignatureVerifier verifier;
};

// Reads NAME=URL+VKEY. Throws UsageError (one sentence) when it is not of that form, the URL is not
// http(s), or VKEY is not a cosignature key named NAME.
WitnessEndpoint parse_witness_option(std::string_view text);

struct CosignOutcome {
  enum class Kind {
    cosigned,  // `line` verified with the witness's key over the checkpoint
    refused,   // the witness answered, but not with a cosignature (403, 404, 422, 400, a second 409)
    failed,    // no usable answer: down, too slow, a server error, or a cosignature that does not verify
  };
  Kind kind = Kind::failed;
  long http_status = 0;       // the last answer's status (0: none)
  std::string line;           // the one cosignature line kept, "— NAME base64\n", when cosigned
  std::uint64_t timestamp = 0;  // the time the witness states in it
  std::uint64_t old_size = 0;   // the size the request was finally sent from
  std::uint64_t witness_size = 0;  // refused by a 409 naming a size larger than the checkpoint's: that size
  std::string problem;          // one sentence when not cosigned
};

// From a witness's 200 answer (one or more signature lines, tlog-witness): the first line that is
// `witness`'s (name and key ID) and verifies over `note` with a non-zero time, with that time.
// Other lines (other signature types or keys, blank lines, a last line without its newline) are
// skipped; nullopt when none is left.
struct PickedCosignature {
  std::string line;  // "— NAME base64\n"
  std::uint64_t timestamp = 0;
};
std::optional<PickedCosignature> pick_cosignature_line(const std::string& note, std::string_view answer,
                                                      const CosignatureVerifier& witness);

// The consistency proof from `old_size` to the checkpoint's size (empty for 0 or the same size).
using ProofFrom = std::function<std::vector<Hash>(std::uint64_t old_size)>;

// POSTs add-checkpoint from `old_size` (the size this witness last cosigned, 0 if none). A 409
// gives the size the witness holds: the request is sent once more from there (when it is not
// larger than the checkpoint). Never throws for what the network or the witness does.
CosignOutcome request_cosignature(const WitnessEndpoint& witness, const std::string& checkpoint_note,
                                  std::uint64_t checkpoint_size, std::uint64_t old_size, const ProofFrom& proof_from,
                                  long timeout_ms);

}  // namespace dnswitness
