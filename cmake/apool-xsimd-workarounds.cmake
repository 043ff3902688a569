# Repairs known defects of installed xsimd packages once the xsimd target
# exists. Included by apool's CMakeLists.txt and by the installed
# apool-config.cmake, so builds from source and find_package consumers get the
# same repair.

# Debian 12's xsimd 8.1 package exports a link item `xtl` but no find_dependency
# for it, so anything linking xsimd gets `-lxtl` and fails to link. xsimd needs
# xtl only for xtensor interop, so an empty stand-in will do when xtl is absent.
# The stand-in is GLOBAL: the xsimd target may come from the parent project's
# own find_package(xsimd) (the README's FetchContent snippet), whose directory
# resolves the `xtl` link item and cannot see apool's directory-scoped targets.
if(TARGET xsimd AND NOT TARGET xtl)
  get_target_property(_apool_xsimd_links xsimd INTERFACE_LINK_LIBRARIES)
  if(_apool_xsimd_links MATCHES "(^|;)xtl(;|$)")
    find_package(xtl QUIET)
    if(NOT TARGET xtl)
      add_library(xtl INTERFACE IMPORTED GLOBAL)
    endif()
  endif()
  unset(_apool_xsimd_links)
endif()
