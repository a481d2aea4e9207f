# HANGU_WITH_MPI: data-parallel training over MPI (src/hangu/dist/, issue 9). It defaults to ON
# when an MPI (Debian: libopenmpi-dev openmpi-bin) is found, like the image codecs, so the
# README's plain build gets it where it is installed and still builds where it is not: without
# MPI, hangu::dist is a single-process stub (world size 1).
# The C API, found through the CXX component (the project enables no C compiler); the deprecated
# MPI C++ bindings are skipped.
set(MPI_CXX_SKIP_MPICXX ON CACHE BOOL "Hangu uses the MPI C API only")
find_package(MPI QUIET COMPONENTS CXX)
if(MPI_CXX_FOUND)
  set(_hangu_mpi_default ON)
else()
  set(_hangu_mpi_default OFF)
endif()
option(HANGU_WITH_MPI "Data-parallel training over MPI (mpirun -np N hangu train ...)" ${_hangu_mpi_default})

# Read by HanguInstall.cmake and HanguConfig.cmake.in: the static hangu_dist links MPI.
set(HANGU_DIST_MPI OFF)
set(HANGU_PC_MPI_LIBS "")
if(HANGU_WITH_MPI)
  if(NOT MPI_CXX_FOUND)
    message(FATAL_ERROR "HANGU_WITH_MPI is ON but no MPI was found (Debian: apt-get install libopenmpi-dev openmpi-bin)")
  endif()
  set(HANGU_DIST_MPI ON)
  target_link_libraries(hangu_dist PRIVATE MPI::MPI_CXX)
  target_compile_definitions(hangu_dist PRIVATE HANGU_WITH_MPI=1)
  foreach(_lib IN LISTS MPI_CXX_LIBRARIES)
    string(APPEND HANGU_PC_MPI_LIBS " ${_lib}")
  endforeach()
  string(STRIP "${HANGU_PC_MPI_LIBS}" HANGU_PC_MPI_LIBS)
  message(STATUS "Hangu MPI: ${MPI_CXX_LIBRARY_VERSION_STRING} (mpiexec: ${MPIEXEC_EXECUTABLE})")
else()
  message(STATUS "Hangu MPI: off (hangu::dist is a single-process stub)")
endif()
