// Placeholder: the compare group's ops are registered here.
#include "hangu/ops/registry.h"

namespace hangu::ops {

void register_compare_ops(OpRegistry&) {}

}  // namespace hangu::ops
