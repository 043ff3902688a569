# Runs PROGRAM and requires that it aborts (SIGABRT) with EXPECTED_STDERR (a
# regular expression) on stderr, and without printing what it prints when the
# apool call returns.
#
#   cmake -DPROGRAM=<path> -DEXPECTED_STDERR=<regex> -P expect_abort.cmake
execute_process(COMMAND "${PROGRAM}" RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE errors)
message(STATUS "exit: ${result}")
message(STATUS "stdout: ${output}")
message(STATUS "stderr: ${errors}")
if(NOT result MATCHES "[Aa]bort")
  message(FATAL_ERROR "expected the program to abort, but it ended with: ${result}")
endif()
if(NOT errors MATCHES "${EXPECTED_STDERR}")
  message(FATAL_ERROR "stderr does not match: ${EXPECTED_STDERR}")
endif()
if(output MATCHES "returned")
  message(FATAL_ERROR "the apool call returned instead of aborting")
endif()
