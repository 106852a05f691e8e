# DebStage.cmake: cpack runs this on the staged files of every component
# before it packs them (CPACK_PRE_BUILD_SCRIPTS, cmake/Packaging.cmake). It
# adds what a Debian package needs and `cmake --install` must not do:
#   - usr/share/doc/PACKAGE/copyright (dist/deb/copyright) and
#     changelog.Debian.gz, in every package, and lintian overrides
#     (dist/deb/COMPONENT/lintian-overrides) where there are;
#   - man pages compressed (gzip -9n, as dh_compress does);
#   - rounds-server: the example configuration becomes the conffile
#     /etc/rounds/roundsd.conf, dist/roundsd.logrotate (where the tree has
#     it) the conffile /etc/logrotate.d/roundsd, and the docs move from
#     usr/share/doc/rounds to usr/share/doc/rounds-server.
# Dates come from SOURCE_DATE_EPOCH when it is set (reproducible builds).
set(src "${CPACK_ROUNDS_SOURCE_DIR}")
set(ver "${CPACK_PACKAGE_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE}")
string(TIMESTAMP when "%a, %d %b %Y %H:%M:%S +0000" UTC)
find_program(GZIP gzip REQUIRED)

foreach(comp IN LISTS CPACK_COMPONENTS_ALL)
  string(TOUPPER "${comp}" COMP)
  set(pkg "${CPACK_DEBIAN_${COMP}_PACKAGE_NAME}")
  set(root "${CPACK_TEMPORARY_INSTALL_DIRECTORY}/${comp}")
  if(NOT IS_DIRECTORY "${root}")
    message(FATAL_ERROR "DebStage: nothing staged for component ${comp}")
  endif()
  set(doc "${root}/usr/share/doc/${pkg}")
  file(MAKE_DIRECTORY "${doc}")

  if(comp STREQUAL "server")
    set(old "${root}/${CPACK_PACKAGING_INSTALL_PREFIX}/${CPACK_ROUNDS_DOCDIR}")
    file(MAKE_DIRECTORY "${root}/etc/rounds")
    file(RENAME "${old}/roundsd.conf" "${root}/etc/rounds/roundsd.conf")
    file(GLOB docs "${old}/*")
    foreach(f IN LISTS docs)
      get_filename_component(n "${f}" NAME)
      file(RENAME "${f}" "${doc}/${n}")
    endforeach()
    file(REMOVE_RECURSE "${old}")
    if(EXISTS "${src}/dist/roundsd.logrotate")
      file(MAKE_DIRECTORY "${root}/etc/logrotate.d")
      file(COPY_FILE "${src}/dist/roundsd.logrotate"
           "${root}/etc/logrotate.d/roundsd")
    endif()
  endif()

  file(COPY "${src}/dist/deb/copyright" DESTINATION "${doc}")
  set(ovr "${src}/dist/deb/${comp}/lintian-overrides")
  if(EXISTS "${ovr}")
    file(MAKE_DIRECTORY "${root}/usr/share/lintian/overrides")
    file(COPY_FILE "${ovr}" "${root}/usr/share/lintian/overrides/${pkg}")
  endif()
  file(WRITE "${doc}/changelog.Debian"
"${pkg} (${ver}) unstable; urgency=medium

  * Rounds ${CPACK_PACKAGE_VERSION}, packed by scripts/package.sh (CPack).

 -- ${CPACK_DEBIAN_PACKAGE_MAINTAINER}  ${when}
")

  file(GLOB_RECURSE gz "${doc}/changelog.Debian"
       "${root}/usr/share/man/*.[0-9]")
  foreach(f IN LISTS gz)
    execute_process(COMMAND "${GZIP}" -9nf "${f}" RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "DebStage: gzip ${f} failed")
    endif()
  endforeach()
endforeach()
