#include "collector/collector_server.h"

#include <fmt/format.h>

#include <chrono>
#include <optional>

#include <nlohmann/json.hpp>

#include "collector/fleet_history.h"
#include "collector/identity.h"
#include "collector/probe_tiles.h"
#include "collector/probes.h"
#include "ledger/signed_note.h"
#include "tlog/collector_listing.h"
#include "tlog/tile_folder.h"

namespace dnswitness {
namespace {

std::uint64_t seconds_now() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

void update_tiles(PgSession& db, const CollectorSigner& signer, const CollectorServerOptions& options,
                  const std::string& probe) {
  try {
    const ProbeTilesResult r = write_probe_tiles(db, options.tiles, probe, &signer);
    if (r.to != r.from && options.log)
      options.log(fmt::format("tiles of {}: size {} to {} ({} files written)", probe, r.from, r.to,
                              r.counts.files_written));
  } catch (const std::exception& e) {
    if (options.log) options.log(fmt::format("the tiles of {} were not written: {}", probe, e.what()));
  }
}

// GET /tiles/<hex SHA-256(origin)>/<file>: a probe's log as the tiles folder holds it, so that a
// reader needs only the collector's URL. No name starting with '.' (the lock, files being written,
// "..") is ever served.
HttpAnswer tile_file(const CollectorServerOptions& options, const std::string& target) {
  const std::string rel = target.substr(std::string_view("/tiles/").size());
  const auto slash = rel.find('/');
  if (slash != 64 || rel.find_first_not_of("0123456789abcdef") < 64) return plain_answer(404, "not found");
  for (std::size_t at = 0; at <= rel.size();) {
    const auto next = rel.find('/', at);
    const std::string segment = rel.substr(at, next == std::string::npos ? std::string::npos : next - at);
    if (segment.empty() || segment.front() == '.' ||
        segment.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._-") != std::string::npos)
      return plain_answer(404, "not found");
    if (next == std::string::npos) break;
    at = next + 1;
  }
  std::optional<std::string> bytes;
  try {
    bytes = read_small_file(options.tiles / rel, kMaxBundleBytes);
  } catch (const PublishError&) {
    return plain_answer(404, "not found");
  }
  if (!bytes) return plain_answer(404, "not found");
  HttpAnswer a{200, "application/octet-stream", std::move(*bytes)};
  if (rel.ends_with("/checkpoint") || rel.find("/dnswitness/checkpoints/") != std::string::npos)
    a.content_type = "text/plain; charset=utf-8";
  else if (rel.ends_with("/log.json"))
    a.content_type = "application/json";
  return a;
}

// Threads that read tiles for GET /tiles/ (they only read files).
constexpr std::size_t kTileReaders = 4;

HttpAnswer route(PgSession& db, const CollectorSigner& signer, const CollectorServerOptions& options,
                 const HttpRequestView& req) {
  if (req.target == "/push") {
    if (req.method != "POST") return plain_answer(405, "push takes POST");
    const PushAnswer a = accept_push(db, signer, req.body, seconds_now());
    if (options.log && a.status == 409)
      options.log(fmt::format("a push was sent from another size; the collector holds {}", a.body.substr(0, 24)));
    else if (options.log && a.status != 200)
      options.log(fmt::format("push refused ({}): {}", a.status, a.body.substr(0, 300)));
    if (a.grew) {
      if (options.log) options.log(fmt::format("push accepted from {}: size {}", a.probe, a.accepted_size));
      update_tiles(db, signer, options, a.probe);
    }
    return HttpAnswer{a.status, a.content_type, a.body};
  }
  if (req.target == "/probes") {
    if (req.method != "GET" && req.method != "HEAD") return plain_answer(405, "the probe list is read with GET");
    return HttpAnswer{200, "application/json", probes_document(db, signer)};
  }
  if (req.target == "/history") {
    if (req.method != "POST") return plain_answer(405, "history takes POST");
    const FleetHistoryAnswer a = fleet_history(db, req.body);
    return a.status == 200 ? HttpAnswer{200, "application/json", a.body} : plain_answer(a.status, a.body);
  }
  if (req.target.starts_with("/tiles/")) {
    if (req.method != "GET" && req.method != "HEAD") return plain_answer(405, "tiles are read with GET");
    return tile_file(options, req.target);
  }
  return plain_answer(404, "not found");
}

}  // namespace

std::string probes_document(PgSession& db, const CollectorSigner& signer) {
  const CollectorIdentity& me = signer.identity;
  nlohmann::json probes = nlohmann::json::array();
  const PgRows sizes = db.exec("SELECT probe, size FROM probe_trees");
  for (const auto& p : list_probes(db)) {
    std::uint64_t size = 0;
    for (const auto& s : sizes)
      if (s[0] == p.name) size = std::stoull(s[1].value_or("0"));
    probes.push_back({{"name", p.name},
                      {"origin", p.origin},
                      {"verifier_key", p.verifier_key},
                      {"description", p.description},
                      {"tiles", origin_folder_name(p.origin) + "/"},
                      {"size", size},
                      {"registration", sign_note(probe_registration_text(p.name, p.origin, p.verifier_key,
                                                                         p.description),
                                                 me.name, *signer.key)}});
  }
  const nlohmann::json doc = {{"format", "dnswitness-collector-probes/1"},
                              {"collector", {{"name", me.name}, {"cosignature_key", me.verifier_key}}},
                              {"probes", std::move(probes)}};
  return doc.dump(2) + "\n";
}

void serve_collector(PgSession& db, const CollectorSigner& signer, const CollectorServerOptions& options) {
  for (const auto& p : list_probes(db)) update_tiles(db, signer, options, p.name);
  // Tiles are files: read on worker threads, several at once (a fleet report asks for eight at a
  // time, and a file not in the page cache waits for the disk). Everything that uses the database
  // stays on the one serving thread.
  HttpServiceOptions http = options.http;
  http.on_workers = [](const HttpRequestView& req) {
    return req.target.starts_with("/tiles/") && (req.method == "GET" || req.method == "HEAD");
  };
  http.worker_threads = kTileReaders;
  serve_http(http, [&](const HttpRequestView& req) {
    try {
      return route(db, signer, options, req);
    } catch (const PgError& e) {
      if (db.connected()) throw;
      // PostgreSQL went away (a restart): connect again and answer once more; the transaction
      // that failed was rolled back, so nothing of the request was kept.
      try {
        db.reconnect();
      } catch (const PgError& again) {
        if (options.log) options.log(again.what());
        return plain_answer(503, "the collector's database is not reachable now; push again later");
      }
      return route(db, signer, options, req);
    }
  });
}

}  // namespace dnswitness
