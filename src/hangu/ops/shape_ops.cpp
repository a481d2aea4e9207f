// Placeholder: the shape group's ops are registered here.
#include "hangu/ops/registry.h"

namespace hangu::ops {

void register_shape_ops(OpRegistry&) {}

}  // namespace hangu::ops
