# Per-ISA translation units (DESIGN.md, "Kernels"): a source file whose name ends in
#   __avx2.cpp       is compiled with AVX2 + FMA + F16C,
#   __avx512.cpp     with AVX-512 F/BW/VL/DQ (+ AVX2, FMA, F16C),
#   __avx512bf16.cpp with the above + AVX512-BF16 (vdpbf16ps).
# Nothing else gets ISA flags, so the library runs on any x86-64 and picks kernels at run time
# (kernels/cpu/isa.h); it never needs -march=native.
set(HANGU_AVX2_FLAGS -mavx2 -mfma -mf16c)
set(HANGU_AVX512_FLAGS ${HANGU_AVX2_FLAGS} -mavx512f -mavx512bw -mavx512vl -mavx512dq)
set(HANGU_AVX512BF16_FLAGS ${HANGU_AVX512_FLAGS} -mavx512bf16)

function(hangu_isa_flags srcs)
  foreach(_src IN LISTS srcs)
    if(_src MATCHES "__avx512bf16\\.cpp$")
      set_source_files_properties(${_src} PROPERTIES COMPILE_OPTIONS "${HANGU_AVX512BF16_FLAGS}")
    elseif(_src MATCHES "__avx512\\.cpp$")
      set_source_files_properties(${_src} PROPERTIES COMPILE_OPTIONS "${HANGU_AVX512_FLAGS}")
    elseif(_src MATCHES "__avx2\\.cpp$")
      set_source_files_properties(${_src} PROPERTIES COMPILE_OPTIONS "${HANGU_AVX2_FLAGS}")
    endif()
  endforeach()
endfunction()
