# Fixture of the FetchContent consumer: commits the checkout at SOURCE_DIR as it
# is now (tracked changes and untracked files that git does not ignore; on a
# clean CI clone that is HEAD's tree) and pushes that commit, as branch
# `snapshot`, to a fresh bare repository at REPOSITORY. The checkout's index,
# branches and working tree are untouched; only git objects are added.
# Run with cmake -DSOURCE_DIR=... -DREPOSITORY=... -P snapshot_checkout.cmake
cmake_minimum_required(VERSION 3.14)
find_package(Git REQUIRED)

function(git output)
  execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SOURCE_DIR}" ${ARGN}
                  OUTPUT_VARIABLE out OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "git ${ARGN} failed in ${SOURCE_DIR}")
  endif()
  set(${output} "${out}" PARENT_SCOPE)
endfunction()

execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SOURCE_DIR}" rev-parse --verify --quiet HEAD
                OUTPUT_QUIET RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${SOURCE_DIR} is not a git checkout with a commit; the FetchContent consumer needs one")
endif()

get_filename_component(index "${REPOSITORY}.index" ABSOLUTE)
file(REMOVE_RECURSE "${REPOSITORY}" "${index}")
get_filename_component(repository_parent "${REPOSITORY}" DIRECTORY)
file(MAKE_DIRECTORY "${repository_parent}")
set(ENV{GIT_INDEX_FILE} "${index}")
git(unused read-tree HEAD)
git(unused add --all)
git(tree write-tree)
unset(ENV{GIT_INDEX_FILE})
file(REMOVE "${index}")

# commit-tree needs an identity, which a CI machine may not have configured.
foreach(role IN ITEMS AUTHOR COMMITTER)
  set(ENV{GIT_${role}_NAME} "apool consumer test")
  set(ENV{GIT_${role}_EMAIL} "apool-consumer-test@localhost")
endforeach()
git(commit commit-tree "${tree}" -p HEAD -m "apool checkout snapshot for the FetchContent consumer test")

execute_process(COMMAND "${GIT_EXECUTABLE}" init --quiet --bare "${REPOSITORY}" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "git init --bare ${REPOSITORY} failed")
endif()
git(unused push --quiet "${REPOSITORY}" "${commit}:refs/heads/snapshot")
message(STATUS "snapshot ${commit} of ${SOURCE_DIR} is branch snapshot of ${REPOSITORY}")
