#include "ondemand/shared_library.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <mutex>
#include <unordered_map>

namespace dnswitness::ondemand {
namespace {

// Handles by soname: one dlopen per library for the process. The libraries stay open until exit,
// like libraries linked at start do.
struct Handles {
  std::mutex mutex;
  std::unordered_map<std::string, void*> by_name;
};

Handles& handles() {
  static Handles instance;
  return instance;
}

}  // namespace

void* SharedLibrary::handle() const {
  auto& all = handles();
  std::lock_guard lock(all.mutex);
  if (auto it = all.by_name.find(soname_); it != all.by_name.end()) return it->second;
  // RTLD_NOW: a library that lacks one of its own dependencies fails here, with a message naming
  // it, rather than at some later call. RTLD_LOCAL: its symbols do not serve other libraries.
  void* opened = dlopen(soname_, RTLD_NOW | RTLD_LOCAL);
  if (opened == nullptr) {
    const char* why = dlerror();
    throw MissingLibrary(fmt::format("{} needs the library {}, which could not be loaded ({}); install the Debian "
                                     "package {} (apt-get install {}) and run the command again",
                                     purpose_, soname_, why != nullptr ? why : "no reason given", package_,
                                     package_));
  }
  all.by_name.emplace(soname_, opened);
  return opened;
}

void* SharedLibrary::symbol(const char* name) const {
  void* lib = handle();
  dlerror();
  void* found = dlsym(lib, name);
  if (found == nullptr)
    throw MissingLibrary(fmt::format("the library {} has no function {}: it is older or other than the one dnswitness "
                                     "was built with; install the Debian package {} of this release",
                                     soname_, name, package_));
  return found;
}

}  // namespace dnswitness::ondemand
