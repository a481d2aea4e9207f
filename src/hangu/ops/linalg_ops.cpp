// Placeholder: the linalg group's ops are registered here.
#include "hangu/ops/registry.h"

namespace hangu::ops {

void register_linalg_ops(OpRegistry&) {}

}  // namespace hangu::ops
