#pragma once
// Libraries that only some commands need (libcurl, libpq, libzip, libxml2, libpcap, libfstrm,
// protobuf-c, pango/cairo) are opened when a command first calls into them, not when the process
// starts. Linked normally they cost about 30 ms and 800 page faults at every start, which is most of
// what a `publish` after one run or a `status` takes. Each library's functions are defined here
// under their own names (one file per library: curl.cpp, libpq.cpp, ...); the first call opens the
// library and every call goes on to its real function. Call sites do not change.
#include <stdexcept>
#include <string>

namespace dnswitness::ondemand {

// A library named in this module could not be opened. Its message is one sentence naming the
// library and the Debian package that holds it.
struct MissingLibrary : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One library, opened once (thread-safe) on the first symbol asked of it and never closed.
class SharedLibrary {
 public:
  // soname: the file the dynamic loader finds ("libcurl.so.4"); package: the Debian package that
  // holds it; purpose: what dnswitness needs it for, for the error message.
  constexpr SharedLibrary(const char* soname, const char* package, const char* purpose)
      : soname_(soname), package_(package), purpose_(purpose) {}

  // The address of a function of the library (or of the libraries it depends on). Throws
  // MissingLibrary when the library or the function cannot be found.
  void* symbol(const char* name) const;

  const char* soname() const { return soname_; }

 private:
  void* handle() const;

  const char* soname_;
  const char* package_;
  const char* purpose_;
};

}  // namespace dnswitness::ondemand

// Defines the C function NAME with the parameter list PARAMS (as the library's header declares it)
// so that it calls the library's own NAME with ARGS. The compiler checks PARAMS against that
// declaration: a C function declared twice with different parameters does not compile.
#define DNSWITNESS_ON_DEMAND(LIBRARY, RETURN, NAME, PARAMS, ARGS)                                       \
  RETURN(NAME) PARAMS {                                                                                 \
    static const auto real = reinterpret_cast<decltype(&::NAME)>(LIBRARY.symbol(#NAME));               \
    return real ARGS;                                                                                   \
  }
