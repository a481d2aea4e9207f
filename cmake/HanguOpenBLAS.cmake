# HANGU_WITH_OPENBLAS: link OpenBLAS (Debian libopenblas-dev) into the benchmarks only, as the
# peer our GEMM is measured against in the same run. Never used by the library itself.
option(HANGU_WITH_OPENBLAS "Compare against OpenBLAS in hangu bench" OFF)

if(HANGU_WITH_OPENBLAS)
  find_library(OPENBLAS_LIB openblas)
  find_path(OPENBLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES openblas)
  if(NOT OPENBLAS_LIB OR NOT OPENBLAS_INCLUDE_DIR)
    message(FATAL_ERROR "HANGU_WITH_OPENBLAS=ON needs OpenBLAS and cblas.h (Debian: apt install libopenblas-dev)")
  endif()
  message(STATUS "OpenBLAS for benchmarks: ${OPENBLAS_LIB} (${OPENBLAS_INCLUDE_DIR}/cblas.h)")
  add_library(hangu_openblas INTERFACE)
  target_link_libraries(hangu_openblas INTERFACE ${OPENBLAS_LIB})
  target_include_directories(hangu_openblas SYSTEM INTERFACE ${OPENBLAS_INCLUDE_DIR})
  target_compile_definitions(hangu_openblas INTERFACE HANGU_WITH_OPENBLAS=1)
  # Only the CLI (its bench and info commands) sees it; the hangu libraries never do.
  target_link_libraries(hangu_cli PRIVATE hangu_openblas)
endif()
