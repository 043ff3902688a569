# Runs the vcpkg port ports/apool and the test port vcpkg-ci-apool without
# vcpkg, which cannot be downloaded here. The portfiles themselves run; the
# vcpkg helpers they call are replaced by stand-ins below that do the same
# steps with plain CMake in vcpkg's directory layout (packages/, installed/,
# buildtrees/ under WORK_DIR). Then the checks vcpkg makes after a port build
# that apply to a header-only port run, the package is "installed", and the
# test port builds and runs a find_package(apool) consumer against it.
#
# What this cannot cover: vcpkg's own toolchain file, its manifest schema
# validation, and xsimd from the xsimd port (xsimd comes from the system or
# the CMAKE_PREFIX_PATH environment variable instead).
#
# Run with cmake -DSOURCE_DIR=<checkout> -DWORK_DIR=<dir> -DCXX=<compiler>
#                -DGENERATOR=<cmake generator> -P vcpkg_port_offline.cmake
cmake_minimum_required(VERSION 3.19)

set(TARGET_TRIPLET x64-linux)
set(CURRENT_INSTALLED_DIR "${WORK_DIR}/installed/${TARGET_TRIPLET}")
set(VCPKG_CROSSCOMPILING OFF)
file(REMOVE_RECURSE "${WORK_DIR}")

function(run_required)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "failed (${status}): ${ARGN}")
  endif()
endfunction()

# The manifests: the port's name, version (the CMake project's) and dependencies.
file(READ "${SOURCE_DIR}/ports/apool/vcpkg.json" port_manifest)
string(JSON port_name GET "${port_manifest}" name)
string(JSON VERSION GET "${port_manifest}" version)
file(STRINGS "${SOURCE_DIR}/CMakeLists.txt" project_line REGEX "^project\\(apool VERSION ")
string(REGEX MATCH "VERSION ([0-9.]+)" unused "${project_line}")
if(NOT port_name STREQUAL "apool" OR NOT VERSION STREQUAL CMAKE_MATCH_1)
  message(FATAL_ERROR "ports/apool/vcpkg.json says ${port_name} ${VERSION}; CMakeLists.txt says apool ${CMAKE_MATCH_1}")
endif()

# The names in a manifest's dependencies, host ones as <name>:host.
function(manifest_dependencies manifest output)
  string(JSON count LENGTH "${manifest}" dependencies)
  math(EXPR last "${count} - 1")
  set(names "")
  foreach(i RANGE ${last})
    string(JSON type TYPE "${manifest}" dependencies ${i})
    if(type STREQUAL "STRING")
      string(JSON name GET "${manifest}" dependencies ${i})
    else()
      string(JSON name GET "${manifest}" dependencies ${i} name)
      string(JSON host ERROR_VARIABLE no_host GET "${manifest}" dependencies ${i} host)
      if(host)
        string(APPEND name ":host")
      endif()
    endif()
    list(APPEND names "${name}")
  endforeach()
  set(${output} "${names}" PARENT_SCOPE)
endfunction()

function(require_dependencies manifest_path)
  file(READ "${manifest_path}" manifest)
  manifest_dependencies("${manifest}" dependencies)
  foreach(required IN LISTS ARGN)
    if(NOT required IN_LIST dependencies)
      message(FATAL_ERROR "${manifest_path} lacks the dependency ${required} (has ${dependencies})")
    endif()
  endforeach()
endfunction()

require_dependencies("${SOURCE_DIR}/ports/apool/vcpkg.json" xsimd vcpkg-cmake:host vcpkg-cmake-config:host)
require_dependencies("${SOURCE_DIR}/vcpkg.json" xsimd catch2)

# Stand-ins for the vcpkg-cmake and vcpkg-cmake-config helpers.

function(vcpkg_cmake_configure)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "SOURCE_PATH" "OPTIONS;OPTIONS_RELEASE;OPTIONS_DEBUG")
  set(build_dirs "")
  set(configurations Release)
  if(NOT VCPKG_BUILD_TYPE STREQUAL "release")
    list(APPEND configurations Debug)
  endif()
  foreach(configuration IN LISTS configurations)
    if(configuration STREQUAL "Release")
      set(build_dir "${CURRENT_BUILDTREES_DIR}/${TARGET_TRIPLET}-rel")
      set(install_prefix "${CURRENT_PACKAGES_DIR}")
      set(prefix_path "${CURRENT_INSTALLED_DIR}")
      set(configuration_options ${arg_OPTIONS_RELEASE})
    else()
      set(build_dir "${CURRENT_BUILDTREES_DIR}/${TARGET_TRIPLET}-dbg")
      set(install_prefix "${CURRENT_PACKAGES_DIR}/debug")
      set(prefix_path "${CURRENT_INSTALLED_DIR}/debug;${CURRENT_INSTALLED_DIR}")
      set(configuration_options ${arg_OPTIONS_DEBUG})
    endif()
    # The settings vcpkg's configure step and toolchain give every port. Called
    # directly, not through run_required, so the prefix path stays one argument.
    execute_process(COMMAND "${CMAKE_COMMAND}" -S "${arg_SOURCE_PATH}" -B "${build_dir}" -G "${GENERATOR}"
                            "-DCMAKE_CXX_COMPILER=${CXX}" "-DCMAKE_BUILD_TYPE=${configuration}"
                            "-DCMAKE_INSTALL_PREFIX=${install_prefix}" "-DCMAKE_PREFIX_PATH=${prefix_path}"
                            -DCMAKE_INSTALL_LIBDIR:STRING=lib -DCMAKE_INSTALL_BINDIR:STRING=bin
                            -DFETCHCONTENT_FULLY_DISCONNECTED=ON -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON
                            -DCMAKE_EXPORT_NO_PACKAGE_REGISTRY=ON
                            ${arg_OPTIONS} ${configuration_options}
                    RESULT_VARIABLE status)
    if(NOT status EQUAL 0)
      message(FATAL_ERROR "configuring ${arg_SOURCE_PATH} (${configuration}) failed")
    endif()
    list(APPEND build_dirs "${build_dir}")
  endforeach()
  set(z_offline_build_dirs "${build_dirs}" PARENT_SCOPE)
endfunction()

function(vcpkg_cmake_build)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "TARGET" "")
  set(target_option "")
  if(arg_TARGET)
    set(target_option --target "${arg_TARGET}")
  endif()
  foreach(build_dir IN LISTS z_offline_build_dirs)
    run_required("${CMAKE_COMMAND}" --build "${build_dir}" ${target_option})
  endforeach()
endfunction()

function(vcpkg_cmake_install)
  vcpkg_cmake_build(TARGET install)
endfunction()

# Moves the package's CMake files to share/<package>, where vcpkg wants them,
# and makes the paths in them relative to their new place.
function(vcpkg_cmake_config_fixup)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "PACKAGE_NAME;CONFIG_PATH" "")
  if(NOT arg_PACKAGE_NAME)
    set(arg_PACKAGE_NAME "${PORT}")
  endif()
  if(NOT arg_CONFIG_PATH)
    set(arg_CONFIG_PATH "share/${arg_PACKAGE_NAME}")
  endif()
  if(EXISTS "${CURRENT_PACKAGES_DIR}/debug")
    message(FATAL_ERROR "this stand-in models release-only packages; ${CURRENT_PACKAGES_DIR}/debug exists")
  endif()
  set(from "${CURRENT_PACKAGES_DIR}/${arg_CONFIG_PATH}")
  set(to "${CURRENT_PACKAGES_DIR}/share/${arg_PACKAGE_NAME}")
  if(NOT EXISTS "${from}")
    message(FATAL_ERROR "'${from}' does not exist.")
  endif()
  if(NOT from STREQUAL to)
    file(GLOB config_files "${from}/*")
    file(COPY ${config_files} DESTINATION "${to}")
    file(REMOVE_RECURSE "${from}")
    # vcpkg drops a parent directory named cmake (share/cmake/<name> -> share/cmake).
    get_filename_component(parent "${from}" DIRECTORY)
    get_filename_component(parent_name "${parent}" NAME)
    string(TOLOWER "${parent_name}" parent_name)
    if(parent_name STREQUAL "cmake")
      file(REMOVE_RECURSE "${parent}")
    endif()
  endif()
  # share/<package> is two levels below the prefix.
  file(GLOB_RECURSE cmake_files "${to}/*.cmake")
  foreach(cmake_file IN LISTS cmake_files)
    file(READ "${cmake_file}" contents)
    string(REGEX REPLACE
           "get_filename_component\\(_IMPORT_PREFIX \"\\\${CMAKE_CURRENT_LIST_FILE}\" PATH\\)(\nget_filename_component\\(_IMPORT_PREFIX \"\\\${_IMPORT_PREFIX}\" PATH\\))*"
           "get_filename_component(_IMPORT_PREFIX \"\${CMAKE_CURRENT_LIST_FILE}\" PATH)\nget_filename_component(_IMPORT_PREFIX \"\${_IMPORT_PREFIX}\" PATH)\nget_filename_component(_IMPORT_PREFIX \"\${_IMPORT_PREFIX}\" PATH)"
           contents "${contents}")
    string(REGEX REPLACE
           "get_filename_component\\(PACKAGE_PREFIX_DIR \"\\\${CMAKE_CURRENT_LIST_DIR}/\\.\\./(\\.\\./)*\" ABSOLUTE\\)"
           "get_filename_component(PACKAGE_PREFIX_DIR \"\${CMAKE_CURRENT_LIST_DIR}/../../\" ABSOLUTE)"
           contents "${contents}")
    string(REPLACE "${CURRENT_INSTALLED_DIR}" "\${_IMPORT_PREFIX}" contents "${contents}")
    string(REPLACE "${CURRENT_PACKAGES_DIR}" "\${_IMPORT_PREFIX}" contents "${contents}")
    file(WRITE "${cmake_file}" "${contents}")
  endforeach()
endfunction()

# Makes the .pc files' prefix relative to their own directory.
function(vcpkg_fixup_pkgconfig)
  file(GLOB pc_files "${CURRENT_PACKAGES_DIR}/lib/pkgconfig/*.pc" "${CURRENT_PACKAGES_DIR}/share/pkgconfig/*.pc")
  foreach(pc_file IN LISTS pc_files)
    get_filename_component(pc_dir "${pc_file}" DIRECTORY)
    file(RELATIVE_PATH prefix_from_pc_dir "${pc_dir}" "${CURRENT_PACKAGES_DIR}")
    file(READ "${pc_file}" contents)
    string(REPLACE "${CURRENT_PACKAGES_DIR}" "\${prefix}" contents "${contents}")
    string(REGEX REPLACE "(^|\n)prefix=[^\n]*" "\\1prefix=\${pcfiledir}/${prefix_from_pc_dir}" contents "${contents}")
    file(WRITE "${pc_file}" "${contents}")
  endforeach()
endfunction()

function(vcpkg_install_copyright)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "" "FILE_LIST")
  set(text "")
  foreach(file IN LISTS arg_FILE_LIST)
    file(READ "${file}" contents)
    string(APPEND text "${contents}")
  endforeach()
  file(WRITE "${CURRENT_PACKAGES_DIR}/share/${PORT}/copyright" "${text}")
endfunction()

# Runs one port's portfile.cmake the way vcpkg does, in a scope of its own.
function(run_port PORT CURRENT_PORT_DIR)
  set(CURRENT_PACKAGES_DIR "${WORK_DIR}/packages/${PORT}_${TARGET_TRIPLET}")
  set(CURRENT_BUILDTREES_DIR "${WORK_DIR}/buildtrees/${PORT}")
  message(STATUS "running the portfile of ${PORT} (${CURRENT_PORT_DIR})")
  include("${CURRENT_PORT_DIR}/portfile.cmake")
endfunction()

run_port(apool "${SOURCE_DIR}/ports/apool")

# vcpkg's post-build checks that apply to a header-only port.
set(package_dir "${WORK_DIR}/packages/apool_${TARGET_TRIPLET}")
foreach(file IN ITEMS include/apool/apool.hpp share/apool/apool-config.cmake share/apool/apool-config-version.cmake
                      share/apool/apool-targets.cmake share/apool/copyright share/apool/usage share/pkgconfig/apool.pc)
  if(NOT EXISTS "${package_dir}/${file}")
    message(FATAL_ERROR "the apool package lacks ${file}")
  endif()
endforeach()
string(REGEX REPLACE "([][+.*()^$?|\\])" "\\\\\\1" work_dir_pattern "${WORK_DIR}")
string(REGEX REPLACE "([][+.*()^$?|\\])" "\\\\\\1" source_dir_pattern "${SOURCE_DIR}")
file(GLOB_RECURSE package_files LIST_DIRECTORIES true RELATIVE "${package_dir}" "${package_dir}/*")
foreach(file IN LISTS package_files)
  if(NOT file MATCHES "^(include|share)(/|$)")
    message(FATAL_ERROR "the apool package has ${file}; a header-only package has only include/ and share/")
  endif()
  if(IS_DIRECTORY "${package_dir}/${file}")
    file(GLOB entries "${package_dir}/${file}/*")
    if(NOT entries)
      message(FATAL_ERROR "the apool package has the empty directory ${file}")
    endif()
  else()
    file(STRINGS "${package_dir}/${file}" absolute_paths REGEX "${work_dir_pattern}|${source_dir_pattern}")
    if(absolute_paths)
      message(FATAL_ERROR "the apool package's ${file} has absolute paths: ${absolute_paths}")
    endif()
  endif()
endforeach()

# vcpkg install: the package's files go to installed/<triplet>.
file(COPY "${package_dir}/" DESTINATION "${CURRENT_INSTALLED_DIR}")

find_program(pkg_config NAMES pkg-config pkgconf REQUIRED)
set(ENV{PKG_CONFIG_PATH} "${CURRENT_INSTALLED_DIR}/share/pkgconfig:$ENV{PKG_CONFIG_PATH}")
execute_process(COMMAND "${pkg_config}" --cflags-only-I apool OUTPUT_VARIABLE include_flags RESULT_VARIABLE status)
string(REGEX MATCH "-I([^ \n]*)" unused "${include_flags}")
if(NOT status EQUAL 0 OR NOT EXISTS "${CMAKE_MATCH_1}/apool/apool.hpp")
  message(FATAL_ERROR "the installed apool.pc gives '${include_flags}', which does not lead to apool/apool.hpp")
endif()

run_port(vcpkg-ci-apool "${CMAKE_CURRENT_LIST_DIR}/vcpkg-ci-apool")
