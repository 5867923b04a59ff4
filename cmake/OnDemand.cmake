# Compile a target against libraries' headers without linking the libraries: their functions come
# from dnswitness_ondemand (src/ondemand/), which opens each library the first time a command calls
# into it. SYSTEM: their headers get no project warnings, as when they are linked.
function(dnswitness_headers_of target scope)
  foreach(dep IN LISTS ARGN)
    target_include_directories(${target} SYSTEM ${scope} $<TARGET_PROPERTY:${dep},INTERFACE_INCLUDE_DIRECTORIES>)
    target_compile_options(${target} ${scope} $<TARGET_PROPERTY:${dep},INTERFACE_COMPILE_OPTIONS>)
  endforeach()
endfunction()
