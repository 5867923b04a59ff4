#pragma once
// How the process's allocator (mimalloc, linked in src/cli/CMakeLists.txt) takes memory from the
// kernel, for commands that build a large working set in one go.

#include <functional>

namespace dnswitness::cli {

// Runs `job` on a thread of its own, with the allocator set, from then on, to commit its segments
// whole, to ask for transparent huge pages, and to keep the memory it frees. A report drawn from a
// published log touches about 150 MB: page by page, 38,000 faults that cost this VM 0.4 s
// (docs/performance.md). The thread matters: the allocator takes memory per thread, and the first
// thread's was taken before main, with 4 KiB pages. The process ends with the command and gives the
// memory back then; not for the daemons, whose memory must shrink again after a peak. In builds
// without mimalloc (the sanitizer builds) it only runs `job` there. Exceptions pass through.
int on_huge_pages(const std::function<int()>& job);

}  // namespace dnswitness::cli
