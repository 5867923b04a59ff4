# `cmake --install`: the binary, the presets (the installed binary finds them in
# ../share/dnswitness/presets relative to itself, see src/config/domain_list.cpp) and the
# dnswitness(1) man page generated from the binary's --help texts (cmake/man_page.sh).
include(GNUInstallDirs)
install(TARGETS dnswitness RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY presets/ DESTINATION ${CMAKE_INSTALL_DATADIR}/dnswitness/presets)

set(DNSWITNESS_MAN_PAGE ${CMAKE_BINARY_DIR}/dnswitness.1)
add_custom_command(OUTPUT ${DNSWITNESS_MAN_PAGE}
  COMMAND sh ${CMAKE_SOURCE_DIR}/cmake/man_page.sh $<TARGET_FILE:dnswitness> ${DNSWITNESS_MAN_PAGE}
  DEPENDS dnswitness ${CMAKE_SOURCE_DIR}/cmake/man_page.sh
  COMMENT "Generating the dnswitness(1) man page from --help")
add_custom_target(dnswitness_man ALL DEPENDS ${DNSWITNESS_MAN_PAGE})
install(FILES ${DNSWITNESS_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
