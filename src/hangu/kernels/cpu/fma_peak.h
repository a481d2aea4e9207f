#pragma once
// The machine's measured multiply-add peak, the ceiling GEMM efficiency is quoted against: each
// thread runs independent chains of vector FMAs (enough of them to cover the FMA latency on every
// port) on registers only, so nothing but the FMA units limits it.
#include <cstdint>

namespace hangu::kernels {

// f32 GFLOP/s (2 flops per multiply-add lane) of all get_num_threads() threads together, at the
// active ISA level's widest vectors (the reference level: the AVX2 kernel where the machine has
// it, else a scalar loop): the best of three rounds of about `seconds` of wall time each.
double fma_peak_gflops(double seconds = 0.3);

namespace peak_detail {
// Runs `iters` iterations of 24 chains x 16 (AVX-512) or 12 chains x 8 (AVX2) lanes; returns the
// flops done. The result feeds a checksum so the work cannot be optimised away.
double fma_chains__avx512(int64_t iters, float* sink);
double fma_chains__avx2(int64_t iters, float* sink);
}  // namespace peak_detail

}  // namespace hangu::kernels
