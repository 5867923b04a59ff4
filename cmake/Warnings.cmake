# Warnings are errors on every target of the project (not on third-party code).
function(dnswitness_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
                                           -Wformat=2)
  # g++ 12 reports -Wrestrict false positives inside libstdc++'s std::string at -O2
  # (GCC bug 105329); they are not in our code, so that one check is not made fatal.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
endfunction()
