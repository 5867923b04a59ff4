#pragma once
// Recorded exchanges as a dnstap file (Frame Streams framing, content type "protobuf:dnstap.Dnstap"),
// the form that experts' DNS tools read: BIND's `dnstap-read`, Knot's `kdig -G`. Each exchange
// becomes the two messages kdig -E writes for its own queries: a TOOL_QUERY (our query, at its send
// time) and, when something came back, a TOOL_RESPONSE (the response, at its receive time, with the
// query's send time too). docs/export.md describes the fields.
// Role: writer. Ownership: owns the framing state; the bytes go out through the caller's `write`.
// Thread-safety: one thread at a time.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "reports/exports/recorded_exchange.h"

struct fstrm_writer;

namespace dnswitness {

struct DnstapOutput;  // where the frames go; defined in dnstap_export.cpp

class DnstapExport {
 public:
  // Starts the Frame Streams file: its start frame goes through `write` at once, and every later
  // byte too, in file order, nothing buffered here. `identity` (the host name) and `version`
  // ("dnswitness X.Y.Z") go in every frame; an empty one is left out. Throws std::runtime_error
  // when the framing library fails or `write` throws.
  DnstapExport(std::function<void(std::string_view)> write, std::string identity, std::string version);
  // Without finish() the stop frame is never written and `write` is not called again (its target may
  // be gone by now). dnstap-read and kdig -G still read such a file without complaint, so a caller
  // that gives up should discard it (write to a temporary name, rename after finish()).
  ~DnstapExport();
  DnstapExport(const DnstapExport&) = delete;
  DnstapExport& operator=(const DnstapExport&) = delete;

  // Writes one exchange: a TOOL_QUERY frame and, when a response was recorded, a TOOL_RESPONSE
  // frame, both in one call to `write`. Returns false and writes nothing when dnstap cannot express
  // it: the server address is missing or not an IP literal, our address is not one (or of the other
  // family), a time is before 1970, or a response has no receive time. Throws std::runtime_error
  // when writing fails, or after finish().
  bool add(const RecordedExchange& e);

  // Writes the stop frame. Call once, after the last add(); throws std::runtime_error when writing
  // fails or when called again.
  void finish();

 private:
  std::unique_ptr<DnstapOutput> output_;  // on the heap: the framing library keeps its address
  fstrm_writer* writer_ = nullptr;        // owned; destroyed in the destructor
  std::string identity_;
  std::string version_;
  bool finished_ = false;
};

}  // namespace dnswitness
