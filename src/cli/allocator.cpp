#include "cli/allocator.h"

#ifdef DNSWITNESS_MIMALLOC
#include <mimalloc.h>
#endif

namespace dnswitness::cli {

void prefer_huge_pages() {
#ifdef DNSWITNESS_MIMALLOC
  // Segments taken after this call: madvise(MADV_HUGEPAGE), and committed at once instead of after
  // the first one per thread.
  mi_option_set(mi_option_large_os_pages, 1);
  mi_option_set(mi_option_eager_commit_delay, 0);
#endif
}

}  // namespace dnswitness::cli
