# Packaging.cmake: the Debian packages, made by CPack (DEB) from the
# install components, one package each (scripts/package.sh builds a plain
# Release tree with the prefix /usr and runs cpack; docs/OPERATIONS.md,
# "Install"):
#
#   component     package              what
#   server        rounds-server        roundsd, roundsd.8, the unit, the
#                                      sysusers file, /etc/rounds/roundsd.conf
#                                      (a conffile), maintainer scripts
#                                      (dist/deb/server: the user, the data
#                                      directory, the unit enabled)
#   handheld      rounds-handheld      rounds, rounds.1,
#                                      librounds_handheld.so.0 (shlibs file,
#                                      ldconfig trigger)
#   handheld_dev  rounds-handheld-dev  the .so link, handheld.h, errors.h,
#                                      rounds-handheld.pc
#
# The library stays with rounds in rounds-handheld (not in a
# librounds-handheld0 of its own, lintian's override says so): both come
# from one tree at one version, the library is small, and whoever runs an
# app on it also wants `rounds` to look at the same store. The -dev package
# is apart because rounds-handheld.pc needs lmdb.pc and msgpack.pc
# (Requires.private), so it depends on liblmdb-dev and libmsgpack-dev,
# which a guard's handheld running `rounds` has no use for.
# An install() rule lands in the package of its COMPONENT; a rule without
# one would be in no package (test_deb checks that every file of
# `cmake --install` is in one). Runtime dependencies come from
# dpkg-shlibdeps (dpkg-dev). cmake/DebStage.cmake, run on the staged files
# before they are packed, adds what Debian wants and `cmake --install` must
# not do (the conffile under /etc, compressed man pages, copyright and
# changelog in /usr/share/doc/PACKAGE).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME rounds)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(ROUNDS_DEB_MAINTAINER
    "Rounds maintainers <maintainers@rounds.example.org>"
    CACHE STRING "Maintainer field of the Debian packages")
set(CPACK_PACKAGE_CONTACT "${ROUNDS_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${ROUNDS_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # NAME_VERSION-RELEASE_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# A shlibs file for librounds_handheld.so.0 (in rounds-handheld only).
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
# Control scripts keep their modes (0755), conffiles and triggers 0644.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Binaries and the library stripped (no -dbgsym package).
set(CPACK_STRIP_FILES ON)
# Absolute paths as they will be on the target: DESTDIR staging.
set(CPACK_SET_DESTDIR ON)
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "Packaging: the .deb files want -DCMAKE_INSTALL_PREFIX=/usr "
                 "(scripts/package.sh)")
endif()

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL server handheld handheld_dev)
set(RND_DEB ${PROJECT_SOURCE_DIR}/dist/deb)
set(RND_VER "${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}")

set(CPACK_DEBIAN_SERVER_PACKAGE_NAME rounds-server)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION net)
set(CPACK_COMPONENT_SERVER_DESCRIPTION
    "Rounds sync server for residential estates (roundsd)
roundsd is the office side of Rounds, offline-first records for estate
patrol guards and butlers: handhelds record checkpoint scans, visitors,
vehicles, work orders, inspections and handovers with no signal, and sync
with roundsd over TLS at shift change. roundsd merges their change logs,
keeps visitors' personal data sealed, and prints the office's reports.

This package has the server, its systemd unit (enabled at install, to be
started after `roundsd init`) and the system user roundsd.")
# roundsd links libqrencode and cairo (tags print): dpkg-shlibdeps adds
# libqrencode4 and libcairo2 to the package's Depends.
set(CPACK_DEBIAN_SERVER_PACKAGE_DEPENDS "adduser")
# The conffiles: the configuration, and logrotate's file for roundsd's log
# where the tree has one (dist/roundsd.logrotate; DebStage puts both).
set(RND_CONFFILES "/etc/rounds/roundsd.conf\n")
if(EXISTS ${PROJECT_SOURCE_DIR}/dist/roundsd.logrotate)
  string(APPEND RND_CONFFILES "/etc/logrotate.d/roundsd\n")
endif()
file(WRITE ${CMAKE_BINARY_DIR}/deb/server/conffiles "${RND_CONFFILES}")
set(CPACK_DEBIAN_SERVER_PACKAGE_CONTROL_EXTRA
    ${CMAKE_BINARY_DIR}/deb/server/conffiles ${RND_DEB}/server/postinst
    ${RND_DEB}/server/prerm ${RND_DEB}/server/postrm)

set(CPACK_DEBIAN_HANDHELD_PACKAGE_NAME rounds-handheld)
set(CPACK_DEBIAN_HANDHELD_PACKAGE_SECTION misc)
set(CPACK_COMPONENT_HANDHELD_DESCRIPTION
    "Rounds handheld: offline records and TLS sync (rounds)
The handheld side of Rounds, offline-first records for estate patrol
guards and butlers: the rounds command records checkpoint scans,
visitors, vehicles, work orders, inspections, handovers and duty-log
notes, each durable in a local store when the command returns, and syncs
with roundsd over TLS.

This package has rounds and librounds_handheld.so.0, the library an app
links to do the same.")
set(CPACK_DEBIAN_HANDHELD_PACKAGE_CONTROL_EXTRA ${RND_DEB}/handheld/triggers
    ${RND_DEB}/handheld/postinst ${RND_DEB}/handheld/postrm)

set(CPACK_DEBIAN_HANDHELD_DEV_PACKAGE_NAME rounds-handheld-dev)
set(CPACK_DEBIAN_HANDHELD_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_HANDHELD_DEV_DESCRIPTION
    "Rounds handheld library: development files
The header handheld/handheld.h, the pkg-config file rounds-handheld.pc
and the link librounds_handheld.so, to build an app on the handheld
library of Rounds (offline records and TLS sync for estate guards).")
set(CPACK_DEBIAN_HANDHELD_DEV_PACKAGE_DEPENDS
    "rounds-handheld (= ${RND_VER}), liblmdb-dev, libmsgpack-dev")

# cmake/DebStage.cmake reads these (CPACK_* variables reach cpack).
set(CPACK_ROUNDS_SOURCE_DIR ${PROJECT_SOURCE_DIR})
set(CPACK_ROUNDS_DOCDIR ${CMAKE_INSTALL_DOCDIR})
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_CURRENT_LIST_DIR}/DebStage.cmake)
include(CPack)
