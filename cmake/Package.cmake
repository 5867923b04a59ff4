# The Debian package (scripts/package.sh runs `cpack -G DEB` on a Release build with
# CMAKE_INSTALL_PREFIX=/usr): the binary, presets, man page, docs, an example config, a systemd
# service and timer, a cron file for machines without systemd, and the maintainer scripts that make
# the dnswitness user and /var/lib/dnswitness. docs/operation.md, "The Debian package", says how it
# is used.
set(DNSWITNESS_PACKAGING ${CMAKE_SOURCE_DIR}/packaging)
install(FILES README.md docs/ledger.md docs/report.md docs/operation.md docs/json-schema.md docs/logins.md
              docs/performance.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${DNSWITNESS_PACKAGING}/config.example.json DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
        RENAME config.json)
# The service, timer and cron file name /usr/bin/dnswitness and the dnswitness user that only the
# package's postinst makes: installed with the package (prefix /usr), not by an install elsewhere.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  # Units in the package's own place (/usr/lib/systemd/system), never in /etc (that is the admin's).
  install(FILES ${DNSWITNESS_PACKAGING}/dnswitness.service ${DNSWITNESS_PACKAGING}/dnswitness.timer
          DESTINATION lib/systemd/system)
  install(FILES ${DNSWITNESS_PACKAGING}/dnswitness.cron DESTINATION /etc/cron.d RENAME dnswitness)
endif()

set(CPACK_PACKAGE_NAME dnswitness)
set(CPACK_PACKAGE_VENDOR "dnswitness")
set(CPACK_PACKAGE_CONTACT "dnswitness maintainers <dnswitness@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "record and prove what DNS said about X's domains")
# One string (separate strings would become a CMake list, joined with ';' in the control file).
set(CPACK_PACKAGE_DESCRIPTION "dnswitness resolves X's domains (twitter.com, x.com, t.co, ...) against several \
resolvers, keeps every answer with its raw DNS bytes in a signed, append-only Merkle log, and writes evidence \
reports (Japanese PDF and JSON) that anyone can verify offline.")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # dnswitness_<version>_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Runtime libraries come from the binary itself (dpkg-shlibdeps reads what it links, as ldd
# shows), not from the build list. Added by hand: what no ELF header names, including the libraries
# opened on first use (src/ondemand/; the package of each is the one its error message names).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, ca-certificates, fonts-noto-cjk, libcurl4, libpq5, libzip4, libxml2, \
libpcap0.8, libfstrm0, libprotobuf-c1, libpangocairo-1.0-0, libpango-1.0-0, libcairo2")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "cron | systemd-sysv")
# conffiles: the admin's edit of the cron file (uncommenting the job) survives upgrades.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${DNSWITNESS_PACKAGING}/postinst ${DNSWITNESS_PACKAGING}/prerm
    ${DNSWITNESS_PACKAGING}/postrm ${DNSWITNESS_PACKAGING}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
