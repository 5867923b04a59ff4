#include "tlog/witnessing.h"

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <thread>

#include "ledger/queries.h"
#include "timeutil/timestamp.h"

namespace dnswitness {
namespace {

bool ledger_holds_tree_head(LedgerStore& store, std::uint64_t size) {
  Stmt q(store.db(), "SELECT count(*) FROM checkpoints WHERE size = ?1");
  q.bind(1, static_cast<std::int64_t>(size));
  q.step("reading the tree heads");
  return q.i64(0) != 0;
}

}  // namespace

WitnessingResult witness_newest_tree_head(LedgerStore& store, const std::vector<WitnessEndpoint>& witnesses,
                                          long timeout_ms) {
  WitnessingResult result;
  if (witnesses.empty()) return result;
  LedgerReader reader(store);
  const CheckpointRow newest = reader.newest();
  result.size = newest.size;

  // Who to ask, and from which size; a witness named twice (the same key) is asked once.
  struct Ask {
    const WitnessEndpoint* witness;
    std::uint64_t old_size;
  };
  std::vector<Ask> asks;
  {
    std::map<std::string, bool> seen;
    std::map<std::string, bool> cosigned_here;
    for (const auto& row : read_cosigned_of_size(store.db(), newest.size)) cosigned_here[row.verifier_key] = true;
    for (const auto& w : witnesses) {
      if (seen[w.verifier_key]) continue;
      seen[w.verifier_key] = true;
      if (cosigned_here[w.verifier_key]) {
        result.already.push_back(w.name);
        continue;
      }
      asks.push_back({&w, newest_cosigned_size(store.db(), w.verifier_key)});
    }
  }
  if (asks.empty()) return result;

  std::mutex reader_mutex;
  const ProofFrom proof_from = [&](std::uint64_t old_size) {
    std::lock_guard<std::mutex> lock(reader_mutex);
    return reader.consistency_proof(old_size, newest.size);
  };
  std::vector<CosignOutcome> outcomes(asks.size());
  const std::string requested_at = format_rfc3339_ns(utc_now());
  {
    std::vector<std::thread> threads;
    threads.reserve(asks.size());
    for (std::size_t i = 0; i < asks.size(); ++i)
      threads.emplace_back([&, i] {
        outcomes[i] =
            request_cosignature(*asks[i].witness, newest.note, newest.size, asks[i].old_size, proof_from, timeout_ms);
      });
    for (auto& t : threads) t.join();
  }
  for (std::size_t i = 0; i < asks.size(); ++i) {
    const CosignOutcome& o = outcomes[i];
    CosignatureRow row;
    row.size = newest.size;
    row.witness = asks[i].witness->name;
    row.verifier_key = asks[i].witness->verifier_key;
    row.url = asks[i].witness->url;
    row.requested_at = requested_at;
    row.old_size = o.old_size;
    row.http_status = o.http_status;
    switch (o.kind) {
      case CosignOutcome::Kind::cosigned:
        row.status = kCosigned;
        row.cosignature = o.line;
        row.cosigned_at = o.timestamp;
        break;
      case CosignOutcome::Kind::refused:
        row.status = kCosignRefused;
        row.error = o.problem;
        // A 409 naming a larger size than this tree head: a fork alarm, unless that size is a tree
        // head this ledger signed since it was read (a publish running beside this one).
        if (o.witness_size > newest.size && ledger_holds_tree_head(store, o.witness_size)) {
          row.status = kCosignSuperseded;
          row.error = fmt::format("the witness {} already holds size {}, a newer tree head of this ledger",
                                  row.witness, o.witness_size);
        }
        break;
      case CosignOutcome::Kind::failed:
        row.status = kCosignFailed;
        row.error = o.problem;
        break;
    }
    result.attempts.push_back(std::move(row));
  }
  insert_cosignatures(store.db(), result.attempts);
  return result;
}

std::string cosigned_checkpoint_text(Db& db, const std::string& note, std::uint64_t size) {
  std::string text = note;
  for (const auto& r : cosignatures_of_tree_head(db, size)) text += r.cosignature;
  return text;
}

bool is_inconsistent_refusal(const CosignatureRow& a) {
  return a.status == kCosignRefused &&
         (a.http_status == 422 ||
          (a.http_status == 409 && a.error.find("larger than this tree head") != std::string::npos));
}

std::vector<std::string> witnessing_messages(const WitnessingResult& r) {
  std::vector<std::string> out;
  for (const auto& a : r.attempts) {
    if (a.status == kCosigned) {
      out.push_back(fmt::format("The witness {} cosigned the tree head of size {}.", a.witness, a.size));
      continue;
    }
    if (a.status == kCosignSuperseded) {
      out.push_back(fmt::format("The witness {} did not need the tree head of size {}: {}.", a.witness, a.size,
                                a.error));
      continue;
    }
    if (is_inconsistent_refusal(a))
      out.push_back(fmt::format(
          "WARNING: the witness {} REFUSED the tree head of size {} as inconsistent with a tree it cosigned before "
          "({}). Either this ledger forked (another ledger with the same key and origin published to it) or it was "
          "rolled back: keep the ledger, its backups and the published folder as they are, and find out before "
          "publishing further. The refusal is recorded in the ledger.",
          a.witness, a.size, a.error));
    else
      out.push_back(fmt::format("WARNING: the witness {} did not cosign the tree head of size {}: {}. The attempt is "
                                "recorded; the next publish asks again.",
                                a.witness, a.size, a.error));
  }
  return out;
}

}  // namespace dnswitness
