# JPEG and PNG decoding through libjpeg-turbo and libpng (Debian libjpeg62-turbo-dev, libpng-dev).
# HANGU_WITH_IMAGE_CODECS defaults to ON when either library is found. Without them the library
# still builds: BMP, PPM and PGM still decode (our own code), PNG is still written (zlib), and
# decoding a JPEG or PNG throws Unsupported saying which package to install.
find_package(JPEG QUIET)
find_package(PNG QUIET)
if(JPEG_FOUND OR PNG_FOUND)
  set(_hangu_codecs_default ON)
else()
  set(_hangu_codecs_default OFF)
endif()
option(HANGU_WITH_IMAGE_CODECS "Decode JPEG and PNG through libjpeg-turbo and libpng" ${_hangu_codecs_default})

# Read by HanguInstall.cmake: the exported package and hangu.pc must name these dependencies,
# since the layer libraries are static.
set(HANGU_IMAGE_JPEG OFF)
set(HANGU_IMAGE_PNG OFF)
set(HANGU_PC_IMAGE_LIBS "")
if(HANGU_WITH_IMAGE_CODECS)
  if(NOT JPEG_FOUND AND NOT PNG_FOUND)
    message(FATAL_ERROR "HANGU_WITH_IMAGE_CODECS is ON but neither libjpeg nor libpng was found "
                        "(Debian: apt-get install libjpeg62-turbo-dev libpng-dev)")
  endif()
  if(JPEG_FOUND)
    set(HANGU_IMAGE_JPEG ON)
    target_link_libraries(hangu_data PRIVATE JPEG::JPEG)
    target_compile_definitions(hangu_data PRIVATE HANGU_HAVE_JPEG=1)
    string(APPEND HANGU_PC_IMAGE_LIBS " -ljpeg")
  endif()
  if(PNG_FOUND)
    set(HANGU_IMAGE_PNG ON)
    target_link_libraries(hangu_data PRIVATE PNG::PNG)
    target_compile_definitions(hangu_data PRIVATE HANGU_HAVE_PNG=1)
    list(GET PNG_LIBRARIES 0 _hangu_png_lib)
    get_filename_component(_hangu_png_name ${_hangu_png_lib} NAME_WE)  # libpng16
    string(REGEX REPLACE "^lib" "" _hangu_png_name ${_hangu_png_name})
    string(APPEND HANGU_PC_IMAGE_LIBS " -l${_hangu_png_name}")
  endif()
endif()
string(STRIP "${HANGU_PC_IMAGE_LIBS}" HANGU_PC_IMAGE_LIBS)
message(STATUS "Hangu image codecs: JPEG ${HANGU_IMAGE_JPEG}, PNG ${HANGU_IMAGE_PNG}")
