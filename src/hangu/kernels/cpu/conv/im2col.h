#pragma once
// im2col and its adjoint col2im on tiles of the output positions, for the GEMM convolution paths.
// A tile is either a run of output positions [q0, q0 + nq) of one image (ni == 1) or whole images
// [i0, i0 + ni) (q0 == 0, nq == oh * ow); its columns are numbered ii * nq + (q - q0).
#include <cstdint>

#include "hangu/kernels/cpu/conv.h"

namespace hangu::kernels {

struct ConvTile {
  int64_t i0 = 0, ni = 1;  // images
  int64_t q0 = 0, nq = 0;  // output positions (oy * ow + ox) within each image
  int64_t cols() const { return ni * nq; }
};

// cols[j * ld + col] = x[i, c0 + c, iy, ix] for patch row j = (c * kh + ki) * kw + kj, c in [0, nc),
// reading 0 in the padding. Writes nc * kh * kw rows of tile.cols() values.
template <typename T>
void im2col_tile(const Conv2dShape& s, const T* x, int64_t c0, int64_t nc, const ConvTile& tile, T* cols, int64_t ld);

// The adjoint: gx[i, c0 + c, iy, ix] += cols[j * ld + col] over the same rows and columns.
template <typename T>
void col2im_tile(const Conv2dShape& s, const T* cols, int64_t ld, int64_t c0, int64_t nc, const ConvTile& tile, T* gx);

}  // namespace hangu::kernels
