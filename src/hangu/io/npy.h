#pragma once
// NumPy .npy files (format versions 1.0, 2.0 and 3.0). The file is treated as hostile: every
// size is checked before it is used. See docs/formats.md for the dtype mapping.
#include <string>

#include "hangu/core/tensor.h"

namespace hangu::io {

// Reads a .npy file. Throws IoError (cannot open/read) or FormatError naming the file and field.
Tensor load_npy(const std::string& path);
// Parses .npy bytes; `name` is used in error messages.
Tensor parse_npy(const void* data, size_t size, const std::string& name);
// Writes t (any strides) as a C-order .npy file (version 1.0, or 2.0 when the header needs it).
void save_npy(const std::string& path, const Tensor& t);
std::string serialize_npy(const Tensor& t);

}  // namespace hangu::io
