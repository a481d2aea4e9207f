# Install rules: headers, the static layer libraries, the CLI, a CMake package (Hangu::hangu)
# and a pkg-config file. Both the package and hangu.pc are relocatable, so
# `cmake --install build --prefix P` works for any P.
include(CMakePackageConfigHelpers)

# The layer libraries, in link order (a layer before the ones it uses), as the umbrella target
# `hangu` lists them; a new layer linked into `hangu` is installed and listed in hangu.pc too.
get_target_property(_hangu_links hangu INTERFACE_LINK_LIBRARIES)
set(HANGU_LAYER_LIBS "")
foreach(_lib IN LISTS _hangu_links)
  if(TARGET ${_lib})
    get_target_property(_type ${_lib} TYPE)
    if(_type STREQUAL "STATIC_LIBRARY")
      list(APPEND HANGU_LAYER_LIBS ${_lib})
    endif()
  endif()
endforeach()

install(TARGETS hangu ${HANGU_LAYER_LIBS}
  EXPORT HanguTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS hangu_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Every header of the library and the message catalogue files (*.inc) they include; the CLI's
# own headers are private to the program.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/hangu DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.inc" PATTERN "cli" EXCLUDE)
install(EXPORT HanguTargets NAMESPACE Hangu:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Hangu)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/HanguConfig.cmake.in
  ${CMAKE_BINARY_DIR}/HanguConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Hangu)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/HanguConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/HanguConfig.cmake ${CMAKE_BINARY_DIR}/HanguConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Hangu)

# hangu.pc finds the prefix from its own place (${pcfiledir}), so the prefix given at install
# time is the one used. The libraries are static: Libs lists every layer plus their system deps.
set(HANGU_PC_LIBS "")
foreach(_lib IN LISTS HANGU_LAYER_LIBS)
  string(APPEND HANGU_PC_LIBS " -l${_lib}")
endforeach()
string(STRIP "${HANGU_PC_LIBS}" HANGU_PC_LIBS)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(HANGU_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(HANGU_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  file(RELATIVE_PATH _up "/hangu_root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/hangu_root")
  string(REGEX REPLACE "/$" "" _up "${_up}")
  set(HANGU_PC_PREFIX "\${pcfiledir}/${_up}")
  set(HANGU_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(HANGU_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(HANGU_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/hangu.pc.in ${CMAKE_BINARY_DIR}/hangu.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/hangu.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
