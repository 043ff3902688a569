# Test port in the layout of vcpkg's scripts/test_ports/vcpkg-ci-*: builds
# project/ against the installed apool port; the build runs the program.
set(VCPKG_POLICY_EMPTY_PACKAGE enabled)

vcpkg_cmake_configure(SOURCE_PATH "${CURRENT_PORT_DIR}/project")
vcpkg_cmake_build()
