#include "cli/allocator.h"

#include <future>

#ifdef DNSWITNESS_MIMALLOC
#include <mimalloc.h>
#endif

namespace dnswitness::cli {

int on_huge_pages(const std::function<int()>& job) {
#ifdef DNSWITNESS_MIMALLOC
  // Segments taken after this: madvise(MADV_HUGEPAGE), committed at once instead of after the first
  // one per thread, and kept when freed (handing memory back splits the huge pages, and taking it
  // again costs a fault and a zeroed page each time).
  mi_option_set(mi_option_large_os_pages, 1);
  mi_option_set(mi_option_eager_commit_delay, 0);
  mi_option_set(mi_option_allow_decommit, 0);
#endif
  return std::async(std::launch::async, job).get();
}

}  // namespace dnswitness::cli
