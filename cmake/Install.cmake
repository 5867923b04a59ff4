# `cmake --install`: the binary, the presets (the installed binary finds them in
# ../share/dnswitness/presets relative to itself, see src/config/domain_list.cpp) and the
# dnswitness(1) man page generated from the binary's --help texts (cmake/man_page.sh).
include(GNUInstallDirs)
install(TARGETS dnswitness RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY presets/ DESTINATION ${CMAKE_INSTALL_DATADIR}/dnswitness/presets)

set(DNSWITNESS_MAN_PAGE ${CMAKE_BINARY_DIR}/dnswitness.1)
add_custom_command(OUTPUT ${DNSWITNESS_MAN_PAGE}
  COMMAND sh ${CMAKE_SOURCE_DIR}/cmake/man_page.sh $<TARGET_FILE:dnswitness> ${DNSWITNESS_MAN_PAGE}
  DEPENDS dnswitness ${CMAKE_SOURCE_DIR}/cmake/man_page.sh ${CMAKE_SOURCE_DIR}/cmake/dnswitness.h2m
  COMMENT "Generating the dnswitness(1) man page from --help")
# Installed compressed, as Debian's man expects; -n keeps the bytes the same from build to build.
add_custom_command(OUTPUT ${DNSWITNESS_MAN_PAGE}.gz
  COMMAND gzip -9nkf ${DNSWITNESS_MAN_PAGE}
  DEPENDS ${DNSWITNESS_MAN_PAGE})
add_custom_target(dnswitness_man ALL DEPENDS ${DNSWITNESS_MAN_PAGE} ${DNSWITNESS_MAN_PAGE}.gz)
install(FILES ${DNSWITNESS_MAN_PAGE}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
