// Placeholder: the binary group's ops are registered here.
#include "hangu/ops/registry.h"

namespace hangu::ops {

void register_binary_ops(OpRegistry&) {}

}  // namespace hangu::ops
