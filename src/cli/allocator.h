#pragma once
// How the process's allocator (mimalloc, linked in src/cli/CMakeLists.txt) takes memory from the
// kernel, for commands that build a large working set in one go.

namespace dnswitness::cli {

// From here on, the allocator commits its segments whole and asks for transparent huge pages: a
// report drawn from a published log touches about 150 MB, page by page 38,000 faults that cost this
// VM 0.4 s (docs/performance.md). Not for the daemons, whose memory stays small and long-lived.
// Does nothing in builds without mimalloc (the sanitizer builds).
void prefer_huge_pages();

}  // namespace dnswitness::cli
