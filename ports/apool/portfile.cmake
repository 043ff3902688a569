# An overlay port that builds the apool checkout it lives in (ports/apool/ of
# that checkout): vcpkg install apool --overlay-ports=<checkout>/ports
# A registry port would fetch a release instead, with vcpkg_from_github.
get_filename_component(SOURCE_PATH "${CURRENT_PORT_DIR}/../.." ABSOLUTE)

# Header-only: a debug build would install the very same files.
set(VCPKG_BUILD_TYPE release)

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        -DAPOOL_BUILD_TESTS=OFF
        -DAPOOL_BUILD_EXAMPLES=OFF
        -DAPOOL_BUILD_BENCHMARKS=OFF
        -DAPOOL_INSTALL=ON
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(CONFIG_PATH share/cmake/apool)
vcpkg_fixup_pkgconfig()

file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
