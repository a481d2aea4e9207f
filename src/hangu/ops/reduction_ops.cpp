// Placeholder: the reduction group's ops are registered here.
#include "hangu/ops/registry.h"

namespace hangu::ops {

void register_reduction_ops(OpRegistry&) {}

}  // namespace hangu::ops
