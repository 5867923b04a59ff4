# The project's warnings on every target of its own (not on third-party code); errors when
# DNSWITNESS_WERROR is on (developer and CI builds).
function(dnswitness_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
                                           -Wformat=2)
  if(DNSWITNESS_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  # g++ 12 reports -Wrestrict, -Wstringop-overflow and -Warray-bounds false positives inside libstdc++'s
  # std::string operator+ at -O2 (GCC bugs 105329, 105651, 105545); they are not in our code.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict -Wno-stringop-overflow -Wno-array-bounds)
  endif()
endfunction()

# Precompiled headers: nlohmann/json, fmt and the standard library are parsed once per target
# instead of once per file, which roughly halves the build (CI builds everything twice).
set(DNSWITNESS_PCH_HEADERS <nlohmann/json.hpp> <fmt/format.h> <string> <vector> <map> <set>
    <optional> <filesystem> <functional> <memory> <algorithm> <cstdint> <stdexcept>)
function(dnswitness_pch target)
  target_precompile_headers(${target} PRIVATE ${DNSWITNESS_PCH_HEADERS} ${ARGN})
endfunction()
