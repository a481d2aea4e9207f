include(CMakePackageConfigHelpers)

install(TARGETS hangu hangu_core hangu_kernels hangu_ops hangu_io
  EXPORT HanguTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS hangu_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/hangu DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.inc" PATTERN "cli" EXCLUDE)
install(EXPORT HanguTargets NAMESPACE Hangu:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Hangu)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/HanguConfig.cmake.in
  ${CMAKE_BINARY_DIR}/HanguConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Hangu)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/HanguConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/HanguConfig.cmake ${CMAKE_BINARY_DIR}/HanguConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Hangu)

configure_file(${PROJECT_SOURCE_DIR}/cmake/hangu.pc.in ${CMAKE_BINARY_DIR}/hangu.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/hangu.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
