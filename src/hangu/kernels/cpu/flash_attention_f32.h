#pragma once
// The f32 fast path of flash_attention.h (flash_attention_f32.cpp), for every ISA level but the
// reference; flash_attention.cpp dispatches to it. Same contracts as the public functions.
#include "hangu/kernels/cpu/flash_attention.h"

namespace hangu::kernels {

void flash_attention_forward_f32(const AttentionDims& d, const float* q, const float* k, const float* v,
                                 const bool* key_mask, float* out, float* lse);
void flash_attention_backward_f32(const AttentionDims& d, const float* q, const float* k, const float* v,
                                  const bool* key_mask, const float* out, const float* lse, const float* dout,
                                  float* dq, float* dk, float* dv);

}  // namespace hangu::kernels
