# Included by each consumer project after it has made apool::apool available:
# builds consumer.cpp against apool::apool (or APOOL_CONSUMER_TARGET) with the
# warnings apool promises to be free of. APOOL_CONSUMER_ROUTE names the route
# in the program's output.
if(NOT APOOL_CONSUMER_TARGET)
  set(APOOL_CONSUMER_TARGET apool::apool)
endif()
add_executable(apool_consumer "${CMAKE_CURRENT_LIST_DIR}/consumer.cpp")
target_link_libraries(apool_consumer PRIVATE ${APOOL_CONSUMER_TARGET})
target_compile_definitions(apool_consumer PRIVATE APOOL_CONSUMER_ROUTE="${APOOL_CONSUMER_ROUTE}")
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(apool_consumer PRIVATE -Wall -Wextra -Wpedantic -Werror)
endif()
