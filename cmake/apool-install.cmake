# apool's install rules: the headers, a relocatable CMake package
# (apool-config.cmake, apool-config-version.cmake, apool-targets.cmake) and a
# pkg-config file. apool is header-only, so everything is architecture
# independent and goes under the data dir (share/ by default), unless
# APOOL_INSTALL_COMPILED adds apool::apool_compiled (a static library under the
# lib dir, its own export file and apool-compiled.pc).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(APOOL_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/cmake/apool" CACHE STRING
    "Where apool's CMake package files go, relative to the install prefix")
set(APOOL_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_DATADIR}/pkgconfig" CACHE STRING
    "Where apool.pc goes, relative to the install prefix")

target_include_directories(apool INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(TARGETS apool EXPORT apool-targets)
install(EXPORT apool-targets NAMESPACE apool:: DESTINATION "${APOOL_INSTALL_CMAKEDIR}")
if(APOOL_INSTALL_COMPILED)
  install(TARGETS apool_compiled EXPORT apool-compiled-targets ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}")
  install(EXPORT apool-compiled-targets NAMESPACE apool:: DESTINATION "${APOOL_INSTALL_CMAKEDIR}")
  set(APOOL_ARCH_INDEPENDENT "")
else()
  set(APOOL_ARCH_INDEPENDENT ARCH_INDEPENDENT)
endif()

configure_package_config_file("${CMAKE_CURRENT_LIST_DIR}/apool-config.cmake.in"
                              "${PROJECT_BINARY_DIR}/apool-config.cmake"
                              INSTALL_DESTINATION "${APOOL_INSTALL_CMAKEDIR}")
# SameMajorVersion: the API may change only with the major version.
# ARCH_INDEPENDENT: a header-only package suits 32- and 64-bit consumers alike.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/apool-config-version.cmake"
                                 COMPATIBILITY SameMajorVersion ${APOOL_ARCH_INDEPENDENT})
install(FILES "${PROJECT_BINARY_DIR}/apool-config.cmake"
              "${PROJECT_BINARY_DIR}/apool-config-version.cmake"
              "${CMAKE_CURRENT_LIST_DIR}/apool-xsimd-workarounds.cmake"
        DESTINATION "${APOOL_INSTALL_CMAKEDIR}")

# The .pc file locates the prefix from its own directory (${pcfiledir}), so an
# installed tree can be moved, as package managers do.
if(IS_ABSOLUTE "${APOOL_INSTALL_PKGCONFIGDIR}")
  message(FATAL_ERROR "APOOL_INSTALL_PKGCONFIGDIR must be relative to the install prefix, got ${APOOL_INSTALL_PKGCONFIGDIR}")
endif()
file(RELATIVE_PATH APOOL_PKGCONFIG_PREFIX_FROM_PCFILEDIR "/prefix/${APOOL_INSTALL_PKGCONFIGDIR}" "/prefix")
string(REGEX REPLACE "/$" "" APOOL_PKGCONFIG_PREFIX_FROM_PCFILEDIR "${APOOL_PKGCONFIG_PREFIX_FROM_PCFILEDIR}")
set(APOOL_PKGCONFIG_FILES apool)
if(APOOL_INSTALL_COMPILED)
  list(APPEND APOOL_PKGCONFIG_FILES apool-compiled)
endif()
foreach(dir INCLUDEDIR LIBDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(APOOL_PKGCONFIG_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(APOOL_PKGCONFIG_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
foreach(pc IN LISTS APOOL_PKGCONFIG_FILES)
  configure_file("${CMAKE_CURRENT_LIST_DIR}/${pc}.pc.in" "${PROJECT_BINARY_DIR}/${pc}.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/${pc}.pc" DESTINATION "${APOOL_INSTALL_PKGCONFIGDIR}")
endforeach()
