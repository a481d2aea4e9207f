// Placeholder: the unary group's ops are registered here.
#include "hangu/ops/registry.h"

namespace hangu::ops {

void register_unary_ops(OpRegistry&) {}

}  // namespace hangu::ops
