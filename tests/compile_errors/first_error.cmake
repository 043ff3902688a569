# Builds one misuse target (cmake -P, with BUILD_DIR, TARGET, CONFIG and
# EXPECTED defined) and passes only when the build fails and the first line of
# its output that contains "error:" contains EXPECTED. The first error is the
# one a user reads: it must be apool's message, not a list of candidate
# overloads or an error from inside the library that the misuse caused.
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BUILD_DIR}" --target "${TARGET}" --config "${CONFIG}"
                OUTPUT_VARIABLE output ERROR_VARIABLE output RESULT_VARIABLE result)
if(result EQUAL 0)
  message(FATAL_ERROR "${TARGET} compiled, but it is a misuse that must not")
endif()
string(REGEX MATCH "[^\n]*error:[^\n]*" first_error "${output}")
string(FIND "${first_error}" "${EXPECTED}" position)
if(position EQUAL -1)
  message(FATAL_ERROR "The first error of ${TARGET} is not apool's message.\n"
                      "expected in it: ${EXPECTED}\nfirst error:    ${first_error}\nbuild output:\n${output}")
endif()
message(STATUS "${TARGET}: ${first_error}")
