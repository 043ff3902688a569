# Consumer route 4: a build without CMake, as a Makefile would do it: compile
# consumer.cpp with the flags `pkg-config --cflags --libs <PACKAGE>` gives
# (PACKAGE apool by default, or apool-compiled), then run it.
# Run with cmake -DCXX=<compiler> -DWORK_DIR=<dir> [-DPACKAGE=...] -P build_and_run.cmake,
# with PKG_CONFIG_PATH naming the installed .pc files; CXXFLAGS from the
# environment are added, as make would.
cmake_minimum_required(VERSION 3.14)
if(NOT PACKAGE)
  set(PACKAGE apool)
endif()
find_program(pkg_config NAMES pkg-config pkgconf REQUIRED)
execute_process(COMMAND "${pkg_config}" --cflags --libs ${PACKAGE}
                OUTPUT_VARIABLE cflags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "pkg-config --cflags --libs ${PACKAGE} failed (PKG_CONFIG_PATH=$ENV{PKG_CONFIG_PATH})")
endif()
message(STATUS "pkg-config --cflags --libs ${PACKAGE}: ${cflags}")
separate_arguments(cflags UNIX_COMMAND "${cflags}")
separate_arguments(environment_flags UNIX_COMMAND "$ENV{CXXFLAGS}")

file(MAKE_DIRECTORY "${WORK_DIR}")
set(program "${WORK_DIR}/apool_consumer")
get_filename_component(source "${CMAKE_CURRENT_LIST_DIR}/../consumer.cpp" ABSOLUTE)
# No -Werror here: pkg-config gives xsimd's include dir as -I, not as a system
# dir, and xsimd 14's own headers trip -Wpedantic (__int128). apool's headers
# are held to -Werror by the add_subdirectory and FetchContent consumers.
execute_process(COMMAND "${CXX}" -std=c++17 -O2 ${environment_flags}
                        "-DAPOOL_CONSUMER_ROUTE=\"pkg_config\"" "${source}" ${cflags} -o "${program}"
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "compiling ${source} with pkg-config's flags failed")
endif()
execute_process(COMMAND "${program}" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${program} failed")
endif()
