# Fixture of the find_package and pkg-config consumers: configures apool from
# SOURCE_DIR as a user would (tests and the like off), runs cmake --install to
# the fresh PREFIX and checks that the install holds what it should. With
# -DCOMPILED=ON it builds and installs apool::apool_compiled too.
# Run with cmake -DSOURCE_DIR=... -DBUILD_DIR=... -DPREFIX=... -DCXX=... [-DCOMPILED=ON] -P install_apool.cmake
cmake_minimum_required(VERSION 3.14)
file(REMOVE_RECURSE "${BUILD_DIR}" "${PREFIX}")
execute_process(COMMAND "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${BUILD_DIR}" "-DCMAKE_CXX_COMPILER=${CXX}"
                        -DAPOOL_BUILD_TESTS=OFF -DAPOOL_BUILD_EXAMPLES=OFF -DAPOOL_BUILD_BENCHMARKS=OFF
                        -DAPOOL_INSTALL=ON "-DAPOOL_INSTALL_COMPILED=${COMPILED}"
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "configuring apool failed")
endif()
if(COMPILED)
  execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BUILD_DIR}" RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "building apool::apool_compiled failed")
  endif()
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "cmake --install failed")
endif()

set(expected_files
    include/apool/apool.hpp
    share/cmake/apool/apool-config.cmake
    share/cmake/apool/apool-config-version.cmake
    share/cmake/apool/apool-targets.cmake
    share/cmake/apool/apool-xsimd-workarounds.cmake
    share/pkgconfig/apool.pc)
if(COMPILED)
  list(APPEND expected_files lib/libapool_compiled.a share/cmake/apool/apool-compiled-targets.cmake share/pkgconfig/apool-compiled.pc)
endif()
foreach(file IN LISTS expected_files)
  if(NOT EXISTS "${PREFIX}/${file}")
    message(FATAL_ERROR "the install lacks ${file}")
  endif()
endforeach()

# Everything apool installs lies in these places; all of it is architecture
# independent unless the compiled library is installed.
file(GLOB_RECURSE installed RELATIVE "${PREFIX}" "${PREFIX}/*")
foreach(file IN LISTS installed)
  if(NOT file MATCHES "^(include/apool/|share/cmake/apool/|share/pkgconfig/apool\\.pc$)" AND
     NOT (COMPILED AND file MATCHES "^(lib/libapool_compiled\\.a|share/pkgconfig/apool-compiled\\.pc)$"))
    message(FATAL_ERROR "the install has an unexpected file: ${file}")
  endif()
endforeach()
if(COMPILED)
  return()
endif()

# The version file must accept a consumer of another pointer size (ARCH_INDEPENDENT):
# ask it as find_package would from a 32-bit build.
set(CMAKE_SIZEOF_VOID_P 4)
set(PACKAGE_FIND_NAME apool)
set(PACKAGE_FIND_VERSION 0)
set(PACKAGE_FIND_VERSION_MAJOR 0)
include("${PREFIX}/share/cmake/apool/apool-config-version.cmake")
if(PACKAGE_VERSION_UNSUITABLE)
  message(FATAL_ERROR "apool-config-version.cmake rejects a 32-bit consumer: it must be ARCH_INDEPENDENT")
endif()

file(READ "${PREFIX}/share/cmake/apool/apool-config.cmake" config_file)
if(NOT config_file MATCHES "find_dependency\\(xsimd\\)")
  message(FATAL_ERROR "apool-config.cmake must find xsimd with find_dependency(xsimd) and no version")
endif()
