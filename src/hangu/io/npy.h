#pragma once
// NumPy .npy files (format versions 1.0, 2.0 and 3.0). The file is treated as hostile: the header
// dict is parsed strictly (exactly 'descr', 'fortran_order' and 'shape'), the header is capped at
// 1 MiB and the rank at 64, sizes use overflow-checked arithmetic, and the data must be exactly
// numel * itemsize bytes.
//
// dtypes read: |b1 |u1 |i1 i2 i4 i8 f2 f4 f8, little- or big-endian (big-endian is byte-swapped).
// Widening reads, as NumPy's unsigned types have no Hangu counterpart:
//   u2 -> int32, u4 -> int64, u8 -> int64 only when every value fits (else FormatError).
// Bool bytes must be 0 or 1. Complex, object, string, datetime and structured dtypes are refused
// with a FormatError naming the descr. fortran_order True is read and returned in C order.
// Writing: every Hangu dtype except bfloat16 (NumPy has none; save_npy throws DTypeError
// suggesting .to(float32)); the header is laid out byte for byte as numpy.save writes it.
#include <string>

#include "hangu/core/tensor.h"

namespace hangu::io {

inline constexpr int64_t kNpyMaxHeaderBytes = 1 << 20;
inline constexpr int64_t kNpyMaxRank = 64;

// Reads a .npy file. Throws IoError (cannot open/read) or FormatError naming the file and field.
Tensor load_npy(const std::string& path);
// Parses .npy bytes; `name` is used in error messages.
Tensor parse_npy(const void* data, size_t size, const std::string& name);
// Writes t (any strides) as a C-order .npy file (version 1.0, or 2.0 when the header needs it),
// atomically (see atomic_file.h).
void save_npy(const std::string& path, const Tensor& t);
std::string serialize_npy(const Tensor& t);

}  // namespace hangu::io
